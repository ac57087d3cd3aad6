package org.secmon.plugins.netflow.meta;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The layer-7 metadata a flow record can carry, with the information element each is exported as. IANA elements
 * where IANA has one (HTTP); else ntop's (nProbe's enterprise number 35632, which Wireshark, ntopng and nProbe
 * collectors decode: server name, DNS); else SecMon's own enterprise elements (ALPN, JA4, TLS version), under the
 * enterprise number the operator configures. NetFlow v9 has neither enterprise numbers nor variable lengths: there
 * the fields that nProbe defines go as nProbe's v9 ids (57472 + its element id) with fixed lengths, padded with
 * zeros; the others are IPFIX only. docs/netflow.md lists them all.
 */
public enum MetaField {
    //           group   kind          PEN           id   v9 id   what
    TLS_SNI("tls", Kind.STRING, Pen.NTOP, 188, 57660, "TLS server name (ClientHello SNI)"),
    TLS_ALPN("tls", Kind.STRING, Pen.SECMON, 1, 0, "first ALPN protocol offered (h2, http/1.1 ...)"),
    TLS_JA4("tls", Kind.STRING, Pen.SECMON, 2, 0, "JA4 fingerprint of the ClientHello (36 characters)"),
    TLS_VERSION("tls", Kind.U16, Pen.SECMON, 3, 0, "highest TLS version offered (0x0304 = TLS 1.3)"),
    HTTP_HOST("http", Kind.STRING, Pen.IANA, 460, 57659, "HTTP/1.x Host header (httpRequestHost)"),
    HTTP_METHOD("http", Kind.STRING, Pen.IANA, 459, 57832, "HTTP/1.x request method (httpRequestMethod)"),
    HTTP_USER_AGENT("http", Kind.STRING, Pen.IANA, 468, 57655, "HTTP/1.x User-Agent header (httpUserAgent)"),
    DNS_QUERY("dns", Kind.STRING, Pen.NTOP, 205, 57677, "DNS query name (first question)"),
    DNS_QUERY_TYPE("dns", Kind.U16, Pen.NTOP, 207, 57679, "DNS query type (1 A, 28 AAAA ...)"),
    DNS_RCODE("dns", Kind.U8, Pen.NTOP, 208, 57680, "DNS response code (responses only; 0 in queries)"),
    DNS_ANSWERS("dns", Kind.STRING, Pen.NTOP, 398, 57870, "first A/AAAA answers, comma-separated (responses)"),
    QUIC_VERSION("quic", Kind.U32, Pen.SECMON, 4, 0, "QUIC version of a client Initial whose ClientHello gave the"
            + " tls_* fields (1, or 0x6b3343cf for v2)"),
    APPLICATION_ID("app", Kind.APPLICATION, Pen.IANA, 95, 95, "applicationId (RFC 6759): classification engine 3"
            + " (IANA-L4) and the IANA service port of the protocol recognised in the payload: 443 TLS and QUIC,"
            + " 80 HTTP, 53 DNS");

    /** How a value is encoded. */
    /** APPLICATION: RFC 6759's applicationId, a classification engine id (1 byte) and a 2-byte selector. */
    public enum Kind { STRING, U8, U16, U32, APPLICATION }

    /** Whose element it is. */
    public enum Pen { IANA, NTOP, SECMON }

    /** ntop's private enterprise number (IANA registry), whose elements nProbe exports. */
    public static final long NTOP_PEN = 35632;
    /**
     * The enterprise number of SecMon's own elements when none is configured: 32473, the number RFC 5612 reserves
     * for documentation. An operator with a registered number sets {@code enterprise_number}.
     */
    public static final long DEFAULT_SECMON_PEN = 32473;

    public final String group;
    public final Kind kind;
    public final Pen pen;
    public final int id;
    /** The NetFlow v9 field type, 0 when the field is not exported over v9. */
    public final int v9Id;
    public final String description;

    MetaField(String group, Kind kind, Pen pen, int id, int v9Id, String description) {
        this.group = group;
        this.kind = kind;
        this.pen = pen;
        this.id = id;
        this.v9Id = v9Id;
        this.description = description;
    }

    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Bytes of a fixed-size value (0 for strings). */
    public int fixedLength() {
        return switch (kind) {
            case U8 -> 1;
            case U16 -> 2;
            case U32 -> 4;
            case APPLICATION -> 3;
            case STRING -> 0;
        };
    }

    /**
     * Fields by name: a group ({@code tls}, {@code http}, {@code dns}: all of its fields), a field
     * ({@code tls_sni}), or {@code all}. Unknown names are refused with the known ones.
     */
    public static Set<MetaField> parseAll(List<String> names) {
        EnumSet<MetaField> out = EnumSet.noneOf(MetaField.class);
        for (String raw : names) {
            String n = raw.trim().toLowerCase(Locale.ROOT).replace('-', '_');
            boolean found = false;
            for (MetaField f : values()) {
                // quic: the ClientHello of QUIC Initials, in the tls_* fields, and the QUIC version
                if (n.equals("all") || f.group.equals(n) || f.key().equals(n) || n.equals("quic")
                        && f.group.equals("tls")) {
                    out.add(f);
                    found = true;
                }
            }
            if (!found) {
                throw new IllegalArgumentException("unknown metadata field '" + raw + "'; known: all, tls, quic, http, dns, app, "
                        + String.join(", ", List.of(values()).stream().map(MetaField::key).toList()));
            }
        }
        return out;
    }
}
