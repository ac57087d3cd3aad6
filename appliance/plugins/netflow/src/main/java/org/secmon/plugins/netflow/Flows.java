package org.secmon.plugins.netflow;

import java.util.Locale;

import org.secmon.plugin.Packet;
import org.secmon.plugin.PacketFormat;
import org.secmon.plugins.netflow.cache.FlowTable;
import org.secmon.plugins.netflow.meta.MetaField;
import org.secmon.plugins.netflow.meta.MetaRecord;

/** Text for a flow cache entry, as the CLI shows it (query path: allocates freely). */
final class Flows {
    private Flows() {
    }

    /** Address and port (IPv6 in brackets; ICMP shows type/code instead of a port, on the destination). */
    static String endpoint(FlowTable c, int f, boolean source) {
        String addr = PacketFormat.address(source ? c.srcHi(f) : c.dstHi(f), source ? c.srcLo(f) : c.dstLo(f),
                c.ipVersion(f));
        int proto = c.protocol(f);
        if (proto == Packet.PROTO_ICMP || proto == Packet.PROTO_ICMPV6) {
            int tc = c.dstPort(f);
            return source ? addr : addr + " type " + (tc >>> 8) + "/" + (tc & 0xff);
        }
        if (proto != Packet.PROTO_TCP && proto != Packet.PROTO_UDP && proto != Packet.PROTO_SCTP) {
            return addr;
        }
        int port = source ? c.srcPort(f) : c.dstPort(f);
        return (c.ipVersion(f) == 6 ? "[" + addr + "]" : addr) + ":" + port;
    }

    /**
     * The name the flow's metadata gives, for operators: its TLS server name, else its HTTP host, else its DNS query
     * name; "-" without one (or when the cache extracts no metadata).
     */
    static String name(FlowTable c, int f) {
        int s = c.metaOffset(f);
        if (s < 0) {
            return "-";
        }
        byte[] b = c.metaBytes();
        for (MetaField k : NAMES) {
            int e = MetaRecord.find(b, s, k);
            if (e >= 0 && MetaRecord.length(b, e) > 0) {
                return new String(b, e + 2, MetaRecord.length(b, e), java.nio.charset.StandardCharsets.US_ASCII);
            }
        }
        return "-";
    }

    private static final MetaField[] NAMES = {MetaField.TLS_SNI, MetaField.HTTP_HOST, MetaField.DNS_QUERY};

    /** TCP flags as tcpdump letters, "-" for other protocols. */
    static String tcpFlags(int proto, int flags) {
        return proto == Packet.PROTO_TCP ? PacketFormat.tcpFlags(flags) : "-";
    }

    static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1f", Math.max(0, nanos) / 1e9);
    }
}
