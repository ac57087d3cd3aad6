package org.secmon.plugins.netflow.codec;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.secmon.plugins.netflow.cache.FlowCache;
import org.secmon.plugins.netflow.cache.FlowField;
import org.secmon.plugins.netflow.cache.Frames;
import org.secmon.testkit.IpfixDecoder;
import org.secmon.testkit.RecordingSink;
import org.secmon.transport.Collector;
import org.secmon.transport.CollectorSet;
import org.secmon.transport.CollectorType;
import org.secmon.transport.LbAlgorithm;
import org.secmon.transport.LoadBalancer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * A configuration change hands the exporter's sequence numbers and boot time on: the datagrams of the new exporter
 * continue the old one's sequence per collector (what nfcapd checks), a collector it adds starts at 0, another source
 * id is another sequence.
 */
class SequenceBookTest {
    static final long S = 1_000_000_000L;
    static final long T0 = 1_700_000_000L * S;
    static final Collector A = new Collector("a", "127.0.0.1", 2055, CollectorType.NETFLOW, 1);
    static final Collector B = new Collector("b", "127.0.0.1", 2056, CollectorType.NETFLOW, 1);
    static final Collector C = new Collector("c", "127.0.0.1", 4739, CollectorType.IPFIX, 1);

    static CollectorSet set(Collector... cs) {
        return new CollectorSet("s", List.of(cs), LbAlgorithm.values()[0]);
    }

    /** One generation's exporter: {@code flows} flows, flushed; the datagrams each collector got. */
    static List<List<ByteBuffer>> export(SequenceBook book, CollectorSet set, int sourceId, int flows, long t) {
        RecordingSink sink = new RecordingSink(set.size());
        FlowExporter.Settings settings = FlowExporter.Settings.withThisProcess(sourceId, 1400, 20, 600 * S, S, 1,
                false, false);
        FlowExporter ex = new FlowExporter(set, settings, sink, new LoadBalancer(set, 1000, 600 * S),
                book.sequences(set, sourceId), null);
        FlowCache cache = new FlowCache(1000, FlowField.DEFAULT_MATCH, EnumSet.noneOf(FlowField.class), 60 * S,
                15 * S, S, FlowCache.FullPolicy.EVICT_OLDEST, ex, null, false);
        ex.boot(t);
        for (int i = 0; i < flows; i++) {
            cache.update(Frames.udp("10.0.0.1", "10.9." + (i >> 8) + "." + (i & 255), 1000 + i, 53, 20, t), t);
        }
        cache.flush();
        ex.flush();
        List<List<ByteBuffer>> out = new ArrayList<>();
        for (int c = 0; c < set.size(); c++) {
            out.add(sink.buffers(c));
        }
        return out;
    }

    /** NetFlow v9 header: sequence at 12; IPFIX: at 8. */
    static long sequence(ByteBuffer b) {
        return (b.getShort(0) == 10 ? b.getInt(8) : b.getInt(12)) & 0xffffffffL;
    }

    static long uptime(ByteBuffer b) {
        return b.getInt(4) & 0xffffffffL;
    }

    static long unixSecs(ByteBuffer b) {
        return b.getInt(8) & 0xffffffffL;
    }

    @Test
    void aNewConfigurationContinuesEachCollectorsSequence() {
        SequenceBook book = new SequenceBook();
        List<List<ByteBuffer>> first = export(book, set(A), 7, 600, T0);
        int sent = first.get(0).size();
        assertEquals(true, sent > 1, "several datagrams: " + sent);
        for (int i = 0; i < sent; i++) {
            assertEquals(i, sequence(first.get(0).get(i)));
        }
        // the new configuration keeps A and adds B: A goes on from the old exporter's next number, B starts at 0
        List<List<ByteBuffer>> second = export(book, set(A, B), 7, 600, T0 + 10 * S);
        long a = sent;
        for (ByteBuffer b : second.get(0)) {
            assertEquals(a++, sequence(b), "collector a continues");
        }
        long b0 = 0;
        for (ByteBuffer b : second.get(1)) {
            assertEquals(b0++, sequence(b), "collector b starts");
        }
        assertEquals(600 + 600, countRecords(first.get(0)) + countRecords(second.get(0))
                + countRecords(second.get(1)), "every flow exported once");
        // one uptime clock: the second exporter's sysUptime counts from the first one's boot (1 s before T0)
        ByteBuffer later = second.get(0).get(0);
        assertEquals((unixSecs(later) * S - (T0 - S)) / 1_000_000, uptime(later));
    }

    @Test
    void anotherSourceIdOrTypeIsAnotherSequence() {
        SequenceBook book = new SequenceBook();
        List<List<ByteBuffer>> first = export(book, set(A, C), 7, 300, T0);
        List<List<ByteBuffer>> domain8 = export(book, set(A, C), 8, 300, T0 + S);
        assertEquals(0, sequence(domain8.get(0).get(0)), "source id 8: a new sequence");
        assertEquals(0, sequence(domain8.get(1).get(0)), "observation domain 8: a new sequence");
        // back to 7: the book remembers the earlier configuration's numbers (a configuration that failed to start
        // in between must not restart the running one's sequence)
        List<List<ByteBuffer>> again = export(book, set(A, C), 7, 300, T0 + 2 * S);
        assertEquals(first.get(0).size(), sequence(again.get(0).get(0)));
        // IPFIX counts data records: the continuation is the number of records sent before on that sequence
        assertEquals(countRecords(first.get(1)), sequence(again.get(1).get(0)));
        List<List<ByteBuffer>> next = export(book, set(A, C), 7, 300, T0 + 3 * S);
        assertEquals(countRecords(first.get(1)) + countRecords(again.get(1)), sequence(next.get(1).get(0)));
        assertEquals(first.get(0).size() + again.get(0).size(), sequence(next.get(0).get(0)));
        assertEquals(0, sequence(first.get(0).get(0)));
    }

    /** Past the bound, only the newest configuration's collectors are remembered: the book does not grow. */
    @Test
    void theBookIsBounded() {
        SequenceBook book = new SequenceBook();
        Sequences a = book.sequences(set(A), 1);
        a.next[0][0] = 99;
        for (int id = 2; id < org.secmon.transport.KeptNumbers.MAX_REMEMBERED + 10; id++) {
            book.sequences(set(B), id);
        }
        assertEquals(0, book.sequences(set(A), 1).next[0][0], "forgotten past the bound");
        Sequences b = book.sequences(set(B), 5);
        b.next[0][0] = 7;
        assertEquals(7, book.sequences(set(B), 5).next[0][0], "the newest are kept");
    }

    @Test
    void everyConfigurationNumbersUnderTheBooksLock() {
        SequenceBook book = new SequenceBook();
        Sequences one = book.sequences(set(A), 7);
        Sequences two = book.sequences(set(A, B), 7);
        assertSame(one.lock(), two.lock());
        assertSame(one.next[0], two.next[0], "collector a's number is one cell for both");
    }

    /** Data records in one exporter's NetFlow v9 / IPFIX datagrams (templates first), by an independent decoder. */
    static long countRecords(List<ByteBuffer> datagrams) {
        return new IpfixDecoder().decodeAll(datagrams).size();
    }
}
