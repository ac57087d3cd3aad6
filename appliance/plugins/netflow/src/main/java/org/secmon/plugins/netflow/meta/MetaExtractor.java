package org.secmon.plugins.netflow.meta;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Set;

import org.secmon.plugin.Packet;

/**
 * Layer-7 metadata of one packet, for the flow cache: a TLS ClientHello (TCP), an HTTP/1.x request head (TCP), a DNS
 * message (UDP or TCP port 53), each from what the packet's payload holds — no reassembly. A packet is looked at only
 * when its first payload bytes match (handshake record with a ClientHello, a request method, port 53): the test costs
 * a few byte reads, so every packet may be offered, and the cache keeps the first record of a flow.
 * <p>
 * One instance per encoding thread (it has scratch space); allocation-free. Counters are plain fields, written by
 * that thread and read by others as a recent value.
 */
public final class MetaExtractor {
    /** Bytes of a payload looked at, at most (a ClientHello with post-quantum key shares needs ~1.8 KB). */
    public static final int MAX_INSPECT = 4096;

    private final boolean tls;
    private final boolean http;
    private final boolean dns;
    private final boolean quic;
    private final boolean[] want = new boolean[MetaField.values().length]; // by ordinal: no hashing per packet
    private final int maxBytes;
    private final int slotSize;
    private final byte[] scratch = new byte[MAX_INSPECT];
    private final MemorySegment scratchSegment = MemorySegment.ofArray(scratch);
    private final byte[] ja4 = new byte[TlsClientHello.JA4_LENGTH];
    private final TlsClientHello hello = new TlsClientHello();
    private final HttpRequest request = new HttpRequest();
    private final DnsMessage message = new DnsMessage();
    private final QuicInitial initial = new QuicInitial(hello);

    // counters
    public long tlsHellos;
    public long tlsTruncated;
    public long tlsMalformed;
    public long httpRequests;
    public long httpTruncated;
    public long dnsMessages;
    public long dnsMalformed;
    public long quicInitials;
    public long quicTruncated;
    public long quicOther;

    /**
     * @param fields   what to extract
     * @param maxBytes the longest string value kept (longer ones are cut), 1..{@value MetaRecord#MAX_VALUE}
     */
    public MetaExtractor(Set<MetaField> fields, int maxBytes) {
        if (maxBytes < 1 || maxBytes > MetaRecord.MAX_VALUE) {
            throw new IllegalArgumentException("metadata max bytes must be 1.." + MetaRecord.MAX_VALUE + ", not "
                    + maxBytes);
        }
        this.maxBytes = maxBytes;
        this.slotSize = slotSize(maxBytes);
        boolean t = false, h = false, d = false;
        for (MetaField f : fields) {
            want[f.ordinal()] = true;
            t |= f.group.equals("tls");
            h |= f.group.equals("http");
            d |= f.group.equals("dns");
        }
        boolean app = want[MetaField.APPLICATION_ID.ordinal()]; // recognising the protocol needs every parser
        tls = t || app;
        http = h || app;
        dns = d || app;
        quic = want[MetaField.QUIC_VERSION.ordinal()] || app;
    }

    /** Bytes of a record slot for strings of at most {@code maxBytes}: room for the fullest group (three strings). */
    public static int slotSize(int maxBytes) {
        int need = 2 + 3 * (2 + maxBytes) + 2 * (2 + 2) + (2 + 4) + (2 + 3) + (2 + TlsClientHello.JA4_LENGTH);
        return (need + 63) & ~63;
    }

    private boolean wants(MetaField f) {
        return want[f.ordinal()];
    }

    public int slotSize() {
        return slotSize;
    }

    /**
     * The packet's metadata as a {@link MetaRecord} at {@code out[s]} (a slot of {@link #slotSize()} bytes); false,
     * with nothing written, when it has none.
     */
    public boolean extract(Packet p, byte[] out, int s) {
        final int proto = p.protocol();
        if (!p.hasPorts() || (proto != Packet.PROTO_TCP && proto != Packet.PROTO_UDP)) {
            return false;
        }
        final int po = p.payloadOffset();
        if (po <= 0) {
            return false;
        }
        // the payload ends where the IP packet does (Ethernet pads short frames) or where the capture does
        final int ipEnd = p.l3Offset() + p.ipLength();
        final int len = Math.min(p.captureLength(), ipEnd) - po;
        if (len <= 0) {
            return false;
        }
        final boolean tcp = proto == Packet.PROTO_TCP;
        if (dns && (p.srcPort() == 53 || p.dstPort() == 53)) {
            return dns(p, po, len, tcp, out, s);
        }
        if (!tcp) {
            return quic && len >= 21 && QuicInitial.looksLikeLongHeader(p.byteAt(po)) && quic(p, po, len, out, s);
        }
        final int b0 = p.byteAt(po);
        if (tls && b0 == 22 && len >= 6 && p.byteAt(po + 1) == 3 && p.byteAt(po + 5) == 1) {
            return tls(p, po, len, out, s);
        }
        if (http && b0 >= 'C' && b0 <= 'T' && len >= 16) {
            return http(p, po, len, out, s);
        }
        return false;
    }

    private int load(Packet p, int po, int len) {
        int n = Math.min(len, MAX_INSPECT);
        MemorySegment.copy(p.segment(), ValueLayout.JAVA_BYTE, p.offset() + po, scratch, 0, n);
        return n;
    }

    private boolean tls(Packet p, int po, int len, byte[] out, int s) {
        int n = load(p, po, len);
        TlsClientHello.Result r = hello.parse(scratch, 0, n);
        if (r == TlsClientHello.Result.TRUNCATED) {
            tlsTruncated++;
            return false;
        }
        if (r != TlsClientHello.Result.OK) {
            tlsMalformed++;
            return false;
        }
        tlsHellos++;
        MetaRecord.clear(out, s);
        helloFields(false, out, s);
        application(IANA_HTTPS, out, s);
        return true;
    }

    /** A client Initial: its ClientHello in the tls_* fields (JA4 with QUIC's "q"), and its version. */
    private boolean quic(Packet p, int po, int len, byte[] out, int s) {
        int n = load(p, po, len);
        QuicInitial.Result r = initial.parse(scratch, 0, n);
        switch (r) {
            case OK -> quicInitials++;
            case TRUNCATED -> quicTruncated++;
            case NOT_QUIC -> {
                return false;
            }
            default -> quicOther++;
        }
        if (r != QuicInitial.Result.OK) {
            return false;
        }
        MetaRecord.clear(out, s);
        helloFields(true, out, s);
        if (wants(MetaField.QUIC_VERSION)) {
            MetaRecord.putNumber(out, s, slotSize, MetaField.QUIC_VERSION, initial.version());
        }
        application(IANA_HTTPS, out, s);
        return true;
    }

    /** RFC 6759 classification engine 3, IANA-L4: the selector is an IANA service port. */
    private static final int ENGINE_IANA_L4 = 3;
    private static final int IANA_HTTPS = 443;
    private static final int IANA_HTTP = 80;
    private static final int IANA_DOMAIN = 53;

    /** applicationId: the protocol recognised, as IANA-L4 and the protocol's service port. */
    private void application(int port, byte[] out, int s) {
        if (wants(MetaField.APPLICATION_ID)) {
            MetaRecord.putNumber(out, s, slotSize, MetaField.APPLICATION_ID, ENGINE_IANA_L4 << 16 | port);
        }
    }

    /** The tls_* fields of the hello last parsed. */
    private void helloFields(boolean overQuic, byte[] out, int s) {
        if (wants(MetaField.TLS_SNI) && hello.serverNameLength() >= 0) {
            MetaRecord.putString(out, s, slotSize, MetaField.TLS_SNI, hello.serverName(), 0,
                    hello.serverNameLength(), maxBytes);
        }
        if (wants(MetaField.TLS_ALPN) && hello.alpnLength() > 0) {
            MetaRecord.putString(out, s, slotSize, MetaField.TLS_ALPN, hello.alpn(), 0, hello.alpnLength(),
                    maxBytes);
        }
        if (wants(MetaField.TLS_JA4)) {
            hello.ja4(overQuic, ja4, 0);
            MetaRecord.putString(out, s, slotSize, MetaField.TLS_JA4, ja4, 0, ja4.length, MetaRecord.MAX_VALUE);
        }
        if (wants(MetaField.TLS_VERSION)) {
            MetaRecord.putNumber(out, s, slotSize, MetaField.TLS_VERSION, hello.version());
        }
    }

    private boolean http(Packet p, int po, int len, byte[] out, int s) {
        int n = load(p, po, len);
        if (!HttpRequest.looksLikeRequest(scratch, 0, n)) {
            return false;
        }
        HttpRequest.Result r = request.parse(scratch, 0, n);
        if (r == HttpRequest.Result.TRUNCATED) {
            httpTruncated++;
            return false;
        }
        if (r != HttpRequest.Result.OK) {
            return false;
        }
        httpRequests++;
        if (!request.headComplete()) {
            httpTruncated++;
        }
        MetaRecord.clear(out, s);
        if (wants(MetaField.HTTP_HOST) && request.hostLength() >= 0) {
            MetaRecord.putString(out, s, slotSize, MetaField.HTTP_HOST, scratch, request.hostOffset(),
                    request.hostLength(), maxBytes);
        }
        if (wants(MetaField.HTTP_METHOD)) {
            MetaRecord.putString(out, s, slotSize, MetaField.HTTP_METHOD, scratch, request.methodOffset(),
                    request.methodLength(), maxBytes);
        }
        if (wants(MetaField.HTTP_USER_AGENT) && request.userAgentLength() >= 0) {
            MetaRecord.putString(out, s, slotSize, MetaField.HTTP_USER_AGENT, scratch, request.userAgentOffset(),
                    request.userAgentLength(), maxBytes);
        }
        application(IANA_HTTP, out, s);
        return true;
    }

    private boolean dns(Packet p, int po, int len, boolean tcp, byte[] out, int s) {
        int h = tcp ? po + 2 : po; // the header
        if (len >= (tcp ? 14 : 12) && p.byteAt(h + 4) == 0 && p.byteAt(h + 5) == 0) {
            return false; // no question: nothing to keep (a TCP segment in the middle of a stream, an empty ack)
        }
        int n = load(p, po, len);
        DnsMessage.Result r = message.parse(scratch, 0, n, tcp);
        if (r == DnsMessage.Result.NOT_DNS) {
            return false;
        }
        if (r != DnsMessage.Result.OK) {
            dnsMalformed++;
            return false;
        }
        dnsMessages++;
        MetaRecord.clear(out, s);
        if (wants(MetaField.DNS_QUERY)) {
            MetaRecord.putString(out, s, slotSize, MetaField.DNS_QUERY, message.name(), 0, message.nameLength(),
                    maxBytes);
        }
        if (wants(MetaField.DNS_QUERY_TYPE)) {
            MetaRecord.putNumber(out, s, slotSize, MetaField.DNS_QUERY_TYPE, message.queryType());
        }
        if (message.response()) {
            if (wants(MetaField.DNS_RCODE)) {
                MetaRecord.putNumber(out, s, slotSize, MetaField.DNS_RCODE, message.rcode());
            }
            if (wants(MetaField.DNS_ANSWERS) && message.answersLength() > 0) {
                int a = cutAtEntry(message.answers(), message.answersLength(), maxBytes);
                MetaRecord.putString(out, s, slotSize, MetaField.DNS_ANSWERS, message.answers(), 0, a, maxBytes);
            }
        }
        application(IANA_DOMAIN, out, s);
        return true;
    }

    /** The answers cut to at most {@code max} bytes at a comma, so that no address is half there. */
    private static int cutAtEntry(byte[] b, int len, int max) {
        if (len <= max) {
            return len;
        }
        for (int i = max; i > 0; i--) {
            if (b[i] == ',') {
                return i;
            }
        }
        return 0;
    }
}
