package org.secmon.plugins.netflow.codec;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.secmon.plugins.netflow.cache.FlowCache;
import org.secmon.plugins.netflow.cache.FlowField;
import org.secmon.plugins.netflow.cache.Frames;
import org.secmon.testkit.RecordingSink;
import org.secmon.transport.Collector;
import org.secmon.transport.CollectorSet;
import org.secmon.transport.CollectorType;
import org.secmon.transport.LoadBalancer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FlowExporterTest {
    static final long S = 1_000_000_000L;
    static final long T0 = 1_700_000_000L * S;

    /** Export to one collector (bytes kept, no socket), feeding flows at the given times; returns the datagrams. */
    static List<ByteBuffer> export(String host, CollectorType type, FlowExporter.Settings settings, int flows,
                                   long spacingNanos, boolean v6) {
        CollectorSet set = CollectorSet.of(new Collector("c", host, 2055, type, 1));
        RecordingSink sink = new RecordingSink(1);
        LoadBalancer lb = new LoadBalancer(set, 100_000, 600 * S);
        FlowExporter ex = new FlowExporter(set, settings, sink, lb);
        FlowCache cache = new FlowCache(100_000, FlowField.DEFAULT_MATCH, EnumSet.noneOf(FlowField.class),
                60 * S, 15 * S, S, FlowCache.FullPolicy.EVICT_OLDEST, ex);
        ex.boot(T0);
        long t = T0;
        for (int i = 0; i < flows; i++) {
            t += spacingNanos;
            String src = v6 ? "2001:db8::" + Integer.toHexString(i + 1) : "10.0." + (i >> 8) + "." + (i & 255);
            String dst = v6 ? "2001:db8:ffff::1" : "192.0.2.1";
            cache.update(Frames.tcp(src, dst, 1000 + i % 1000, 80, 0x11, t), t); // FIN: ends at next scan
            cache.expire(t);
            ex.tick(t);
        }
        cache.flush();
        ex.flush();
        ex.close();
        assertTrue(sink.closed(), "the exporter closes its sink");
        assertEquals(flows, ex.recordsExported());
        return sink.buffers(0);
    }

    static boolean hasTemplates(ByteBuffer p) {
        int headerLength = p.getShort(0) == 10 ? 16 : 20;
        int setId = p.getShort(headerLength);
        return setId == 0 || setId == 2;
    }

    static FlowExporter.Settings settings(int mtu, int refreshPackets, long refreshNanos, long flushNanos) {
        return FlowExporter.Settings.withThisProcess(7, mtu, refreshPackets, refreshNanos, flushNanos, 1, false, false);
    }

    @Test
    void templatesAreRefreshedEveryNPackets() throws Exception {
        List<ByteBuffer> ps = export("127.0.0.1", CollectorType.NETFLOW, settings(400, 5, 3600 * S, 3600 * S),
                2000, 1000, false);
        assertTrue(ps.size() > 50, "packets: " + ps.size());
        for (int i = 0; i < ps.size(); i++) {
            assertEquals(i % 5 == 0, hasTemplates(ps.get(i)), "packet " + i);
        }
    }

    @Test
    void templatesAreRefreshedOnTheTimeIntervalToo() throws Exception {
        // one flow every 100 ms for 35 s, packets flushed every second, templates every 10 s of export time
        List<ByteBuffer> ps = export("127.0.0.1", CollectorType.IPFIX, settings(1400, 1_000_000, 10 * S, S), 350,
                S / 10, false);
        List<Long> at = new ArrayList<>();
        for (ByteBuffer p : ps) {
            if (hasTemplates(p)) {
                at.add((p.getInt(4) & 0xffffffffL) - T0 / S);
            }
        }
        assertEquals(4, at.size(), "templates at start and every 10 s: " + at);
        for (int i = 1; i < at.size(); i++) {
            long gap = at.get(i) - at.get(i - 1);
            assertTrue(gap >= 10 && gap <= 11, "gap " + gap + " in " + at);
        }
    }

    @Test
    void exportPacketsNeverExceedTheMtuAndSequenceNumbersCountRight() throws Exception {
        for (CollectorType type : List.of(CollectorType.NETFLOW, CollectorType.IPFIX)) {
            for (boolean v6 : List.of(false, true)) {
                List<ByteBuffer> ps = export("127.0.0.1", type, settings(300, 3, 3600 * S, 3600 * S), 500, 1000,
                        v6);
                long records = 0;
                for (int i = 0; i < ps.size(); i++) {
                    ByteBuffer p = ps.get(i);
                    assertTrue(p.limit() <= 300, type + " packet of " + p.limit() + " bytes");
                    if (type == CollectorType.NETFLOW) {
                        assertEquals(9, p.getShort(0));
                        assertEquals(i, p.getInt(12), "v9 counts packets");
                        assertEquals(7, p.getInt(16), "source id");
                    } else {
                        assertEquals(10, p.getShort(0));
                        assertEquals(p.limit(), p.getShort(2) & 0xffff, "IPFIX length");
                        assertEquals(records, p.getInt(8) & 0xffffffffL, "IPFIX counts data records");
                        assertEquals(7, p.getInt(12), "observation domain");
                        records += dataRecords(p);
                    }
                }
                if (type == CollectorType.IPFIX) {
                    assertEquals(500, records);
                }
            }
        }
    }

    /** IPFIX data records in a message: walk the sets, divide each data set by its record length. */
    static long dataRecords(ByteBuffer p) {
        long n = 0;
        int pos = 16;
        while (pos + 4 <= p.limit()) {
            int id = p.getShort(pos) & 0xffff;
            int len = p.getShort(pos + 2) & 0xffff;
            if (id >= 256) {
                n += (len - 4) / (id == FlowExporter.TEMPLATE_V4 ? 53 : 77);
            }
            pos += len;
        }
        return n;
    }

    @Test
    void ipv6FlowsAsIpfix() throws Exception {
        List<ByteBuffer> ps = export("::1", CollectorType.IPFIX, FlowExporter.Settings.defaults(), 100, 1000, true);
        assertTrue(!ps.isEmpty());
        assertEquals(10, ps.get(0).getShort(0));
        assertTrue(hasTemplates(ps.get(0)));
    }
}
