package org.secmon.dataplane.ingest;

import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;
import org.secmon.dataplane.parse.PacketParser;
import org.secmon.dataplane.parse.ParsedPacket;
import org.secmon.testkit.FrameBuilder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeduplicatorTest {
    private static final long MS = 1_000_000L;

    private static ParsedPacket packet(FrameBuilder b, long ts) {
        byte[] f = b.build();
        ParsedPacket p = new ParsedPacket();
        p.wrap(MemorySegment.ofArray(f), 0, f.length, f.length, ts, 0);
        assertEquals(PacketParser.OK, PacketParser.parse(p));
        return p;
    }

    private static FrameBuilder tcp(int ipId, int ttl) {
        FrameBuilder b = FrameBuilder.tcp("10.0.0.1", "10.0.0.2", 1000, 80).payload(40);
        b.fragmentId = ipId;
        b.ttl = ttl;
        return b;
    }

    @Test
    void aCopyWithinTheWindowIsADuplicateWhateverItsTtlOrTos() {
        Deduplicator d = new Deduplicator(50 * MS, 1024);
        long t = 1_700_000_000_000_000_000L;
        assertFalse(d.isDuplicate(packet(tcp(1, 64), t)));
        FrameBuilder other = tcp(1, 61);
        other.tos = 0x20; // re-marked on the way
        assertTrue(d.isDuplicate(packet(other, t + 3 * MS)));
        assertTrue(d.isDuplicate(packet(tcp(1, 60), t + 49 * MS)), "a third copy, still inside");
        assertFalse(d.isDuplicate(packet(tcp(1, 64), t + 51 * MS)), "after the window: a packet of its own");
        assertTrue(d.isDuplicate(packet(tcp(1, 64), t + 52 * MS)), "and its own copy");
        assertFalse(d.isDuplicate(packet(tcp(2, 64), t + 52 * MS)), "another IP id: another packet");
        assertEquals(3, d.duplicates());
        assertEquals(0, d.evictedInWindow());
    }

    @Test
    void signatureIgnoresTtlAndTosButNotTheSequenceOrPayload() {
        long a = Deduplicator.signature(packet(tcp(7, 64), 0));
        assertEquals(a, Deduplicator.signature(packet(tcp(7, 3), 0)));
        FrameBuilder payload = tcp(7, 64);
        payload.payloadBytes = new byte[40];
        payload.payloadBytes[3] = 1;
        assertNotEquals(a, Deduplicator.signature(packet(payload, 0)));
        FrameBuilder reversed = FrameBuilder.tcp("10.0.0.2", "10.0.0.1", 80, 1000).payload(40);
        reversed.fragmentId = 7;
        assertNotEquals(a, Deduplicator.signature(packet(reversed, 0)), "the reply is not the request");
        FrameBuilder arp = tcp(1, 64);
        arp.etherType = 0x0806;
        assertEquals(0, Deduplicator.signature(packet(arp, 0)), "no IP: never a duplicate");
    }

    /**
     * Payloads shorter than the 16-byte prefix are read whole (in one or two reads that end with the payload): every
     * byte counts, and what follows the IP packet — Ethernet padding, which differs from copy to copy — does not.
     */
    @Test
    void shortPayloadsCountEveryByteAndNeverThePadding() {
        for (int n = 1; n < 16; n++) {
            FrameBuilder b = FrameBuilder.tcp("10.0.0.1", "10.0.0.2", 1000, 80);
            b.payloadBytes = new byte[n];
            b.payloadBytes[0] = 5;
            long a = Deduplicator.signature(packet(b, 0));
            for (int i = 0; i < n; i++) {
                FrameBuilder c = FrameBuilder.tcp("10.0.0.1", "10.0.0.2", 1000, 80);
                c.payloadBytes = b.payloadBytes.clone();
                c.payloadBytes[i] ^= 0x40;
                assertNotEquals(a, Deduplicator.signature(packet(c, 0)), n + " bytes, byte " + i + " changed");
            }
            byte[] frame = b.build();
            byte[] padded = java.util.Arrays.copyOf(frame, frame.length + 8);
            java.util.Arrays.fill(padded, frame.length, padded.length, (byte) 0x5a); // other padding, same packet
            for (int i = 14 + b.lastIpLength; i < frame.length; i++) {
                padded[i] = (byte) 0xa5;
            }
            ParsedPacket p = new ParsedPacket();
            p.wrap(MemorySegment.ofArray(padded), 0, padded.length, padded.length, 0, 0);
            assertEquals(PacketParser.OK, PacketParser.parse(p));
            assertEquals(a, Deduplicator.signature(p), n + " bytes: the padding after the IP packet is not the packet");
            FrameBuilder shorter = FrameBuilder.tcp("10.0.0.1", "10.0.0.2", 1000, 80);
            shorter.payloadBytes = java.util.Arrays.copyOf(b.payloadBytes, n - 1);
            assertNotEquals(a, Deduplicator.signature(packet(shorter, 0)), n + " bytes against " + (n - 1));
        }
    }

    /** A set keeps its entries in arrival order: the ninth packet of a set replaces the first. */
    @Test
    void aFullSetForgetsItsOldestEntry() {
        Deduplicator d = new Deduplicator(50 * MS, 8); // one set of 8 ways
        long t = 1_700_000_000_000_000_000L;
        for (int id = 1; id <= 9; id++) {
            assertFalse(d.isDuplicate(packet(tcp(id, 64), t + id * 100 * MS)), "packet " + id + " is new");
        }
        long later = t + 950 * MS; // the window over packets 9 only
        assertFalse(d.isDuplicate(packet(tcp(1, 64), later)), "the first was forgotten (and was out of the window)");
        assertTrue(d.isDuplicate(packet(tcp(9, 64), later)), "the last is remembered");
        assertEquals(0, d.evictedInWindow(), "only entries older than the window were replaced");
    }

    @Test
    void aTableTooSmallForTheRateCountsWhatItForgets() {
        Deduplicator d = new Deduplicator(1000 * MS, 8); // one set of 8
        for (int i = 0; i < 20; i++) {
            assertFalse(d.isDuplicate(packet(tcp(i, 64), i * MS)));
        }
        assertEquals(12, d.evictedInWindow());
        assertTrue(d.isDuplicate(packet(tcp(19, 64), 25 * MS)), "the newest are kept");
        assertFalse(d.isDuplicate(packet(tcp(0, 64), 25 * MS)), "the oldest was forgotten");
    }
}
