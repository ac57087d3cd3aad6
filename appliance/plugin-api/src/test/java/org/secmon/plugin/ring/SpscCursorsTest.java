package org.secmon.plugin.ring;

import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.openjdk.jol.info.ClassLayout;
import org.openjdk.jol.info.FieldLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpscCursorsTest {
    @Test
    void aFullRingRefusesUntilTheConsumerReleases() {
        SpscCursors c = new SpscCursors(4);
        for (int i = 0; i < 4; i++) {
            assertEquals(i, c.claim());
            c.advance();
        }
        assertEquals(-1, c.claim(), "four slots written, none released");
        assertEquals(0, c.published(), "nothing visible before a publish");
        c.publish(77);
        assertEquals(77, c.stamp());
        assertEquals(4, c.published());
        assertEquals(4, c.size());
        c.release(1);
        assertEquals(4, c.claim(), "the released slot comes back as position 4 (slot 0)");
        assertEquals(0, c.claim() & c.mask());
        c.skip();
        c.fullWait();
        assertEquals(1, c.skipped());
        assertEquals(1, c.fullWaits());
        assertThrows(IllegalArgumentException.class, () -> new SpscCursors(6));
    }

    /** Two threads, a small ring, every item once and in order: the release/acquire hand-over holds. */
    @Test
    void everyItemArrivesOnceInOrderAcrossThreads() throws Exception {
        SpscCursors c = new SpscCursors(16);
        long[] slots = new long[16];
        final long items = 2_000_000;
        AtomicReference<String> error = new AtomicReference<>();
        Thread consumer = Thread.ofPlatform().start(() -> {
            long expected = 0;
            while (expected < items) {
                long to = c.published();
                for (long t = c.consumerPosition(); t < to; t++) {
                    long v = slots[(int) (t & c.mask())];
                    if (v != expected) {
                        error.compareAndSet(null, "position " + t + " held " + v + ", expected " + expected);
                        return;
                    }
                    expected++;
                }
                c.release(to - c.consumerPosition());
                Thread.onSpinWait();
            }
        });
        for (long i = 0; i < items; i++) {
            long p;
            while ((p = c.claim()) < 0) {
                Thread.onSpinWait();
            }
            slots[(int) (p & c.mask())] = i;
            c.advance();
            if ((i & 7) == 7 || i == items - 1) {
                c.publish();
            }
        }
        consumer.join(60_000);
        assertNull(error.get());
        assertEquals(items, c.consumedPosition());
    }

    /**
     * The producer's own fields, the published position and the consumer's position each at least 128 bytes from the
     * next, and 128 bytes of padding before the first and after the last: what the class hierarchy is for (one class
     * with padding fields would not hold this).
     */
    @Test
    void producerPublishedAndConsumerFieldsSitOnCacheLinesOfTheirOwn() {
        ClassLayout layout = ClassLayout.parseClass(SpscCursors.class);
        java.util.Map<String, long[]> regions = new java.util.HashMap<>(); // owner -> {first, end}
        for (FieldLayout f : layout.fields()) {
            String owner = f.classShortName();
            if (owner.equals("ProducerFields") || owner.equals("PublishedFields") || owner.equals("ConsumerFields")) {
                long[] r = regions.computeIfAbsent(owner, k -> new long[] {Long.MAX_VALUE, 0});
                r[0] = Math.min(r[0], f.offset());
                r[1] = Math.max(r[1], f.offset() + f.size());
            }
        }
        String shown = layout.toPrintable();
        long[] producer = regions.get("ProducerFields");
        long[] published = regions.get("PublishedFields");
        long[] consumer = regions.get("ConsumerFields");
        assertTrue(producer[0] >= 128, "padding before the producer's fields:\n" + shown);
        assertTrue(published[0] - producer[1] >= 128, "producer and published 128 bytes apart:\n" + shown);
        assertTrue(consumer[0] - published[1] >= 128, "published and consumer 128 bytes apart:\n" + shown);
        assertTrue(layout.instanceSize() - consumer[1] >= 128, "padding after the consumer's field:\n" + shown);
    }
}
