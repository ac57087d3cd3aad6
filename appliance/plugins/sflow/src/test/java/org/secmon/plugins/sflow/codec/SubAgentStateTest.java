package org.secmon.plugins.sflow.codec;

import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;
import org.secmon.dataplane.parse.PacketParser;
import org.secmon.dataplane.parse.ParsedPacket;
import org.secmon.testkit.FrameBuilder;
import org.secmon.testkit.RecordingSink;
import org.secmon.transport.Collector;
import org.secmon.transport.CollectorSet;
import org.secmon.transport.CollectorType;
import org.secmon.transport.LoadBalancer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A swap's overlap: the old configuration's exporter flushing on one thread while the new one samples on another,
 * both numbering from one sub-agent state. Every number is taken once — no duplicate, no gap — and outside a swap
 * the state is not locked.
 */
class SubAgentStateTest {
    static final long S = 1_000_000_000L;
    static final long T0 = 1_700_000_000L * S;
    static final int PER_THREAD = 50_000;

    @Test
    void twoOwnersNumberWithoutDuplicatesOrGaps() throws Exception {
        CollectorSet set = CollectorSet.of(new Collector("c", "127.0.0.1", 6343, CollectorType.SFLOW, 1));
        SubAgentState state = new SubAgentState();
        RecordingSink[] sinks = {new RecordingSink(1), new RecordingSink(1)};
        SflowExporter[] ex = new SflowExporter[2];
        for (int i = 0; i < 2; i++) {
            ex[i] = new SflowExporter(set, new SflowExporter.Settings(InetAddress.getByName("192.0.2.1"), 0, 1400,
                    S, 1), sinks[i], new LoadBalancer(set, 1000, 600 * S), state);
            ex[i].boot(T0);
        }
        state.own();
        assertFalse(state.overlap, "one owner: plain increments");
        state.own();
        assertTrue(state.overlap, "a swap: two owners");
        byte[] frame = FrameBuilder.udp("10.0.0.1", "192.0.2.10", 4000, 53).payload(20).build();
        CountDownLatch go = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
        Thread[] threads = new Thread[2];
        for (int i = 0; i < 2; i++) {
            SflowExporter e = ex[i];
            threads[i] = Thread.ofPlatform().start(() -> {
                ParsedPacket p = new ParsedPacket().wrap(MemorySegment.ofArray(frame), 0, frame.length,
                        frame.length, T0, 0);
                assertEquals(PacketParser.OK, PacketParser.parse(p));
                try {
                    go.await();
                } catch (InterruptedException x) {
                    return;
                }
                try {
                    for (int k = 0; k < PER_THREAD; k++) {
                        e.flowSample(p, frame.length, 1, k + 1, 0, 1, 0, T0);
                    }
                    e.flush(T0);
                } catch (Throwable x) {
                    failed.set(x);
                }
            });
        }
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        if (failed.get() != null) {
            throw new AssertionError("a sampling thread failed", failed.get());
        }
        state.release();
        assertFalse(state.overlap, "the old one released it");
        BitSet datagrams = new BitSet();
        BitSet samples = new BitSet();
        int datagramCount = 0;
        for (RecordingSink sink : sinks) {
            for (byte[] b : sink.datagrams(0)) {
                ByteBuffer d = ByteBuffer.wrap(b);
                int seq = d.getInt(16);
                assertFalse(datagrams.get(seq), "datagram sequence " + seq + " taken twice");
                datagrams.set(seq);
                datagramCount++;
                int at = 28;
                for (int i = 0, n = d.getInt(24); i < n; i++) {
                    int s = d.getInt(at + 8);
                    assertFalse(samples.get(s), "flow sample sequence " + s + " taken twice");
                    samples.set(s);
                    at += 8 + d.getInt(at + 4);
                }
            }
        }
        assertEquals(2 * PER_THREAD, samples.cardinality());
        assertEquals(2 * PER_THREAD, samples.nextClearBit(1) - 1, "no gap");
        assertEquals(datagramCount, datagrams.nextClearBit(1) - 1, "datagrams 1.." + datagramCount);
    }
}
