package org.secmon.dataplane.ingest;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.secmon.dataplane.parse.Decap;
import org.secmon.dataplane.parse.PacketParser;
import org.secmon.dataplane.parse.ParsedPacket;
import org.secmon.testkit.FrameBuilder;
import org.secmon.testkit.TunnelFrames;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Both directions of every conversation on one queue; conversations spread evenly; the symmetric RSS key. */
class FlowDistributorTest {
    private static ParsedPacket parse(byte[] frame) {
        return parse(frame, null);
    }

    private static ParsedPacket parse(byte[] frame, Decap decap) {
        ParsedPacket p = new ParsedPacket();
        p.wrap(MemorySegment.ofArray(frame), 0, frame.length, frame.length, 1, 0);
        assertEquals(PacketParser.OK, PacketParser.parse(p, decap));
        return p;
    }

    private static String v4(int a) {
        return (a >>> 24) + "." + (a >>> 16 & 255) + "." + (a >>> 8 & 255) + "." + (a & 255);
    }

    private static String v6(byte[] a) {
        try {
            return java.net.InetAddress.getByAddress(a).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static FrameBuilder frame(String src, String dst, int proto, int sport, int dport) {
        FrameBuilder b = FrameBuilder.tcp(src, dst, sport, dport);
        b.protocol = proto;
        return b;
    }

    @Test
    void bothDirectionsOfEveryConversationShareAQueue() {
        Random r = new Random(7);
        FlowDistributor d = new FlowDistributor(8);
        int[] perQueue = new int[8];
        int n = 40_000;
        for (int i = 0; i < n; i++) {
            int proto = switch (i % 3) {
                case 0 -> 6;
                case 1 -> 17;
                default -> 132;
            };
            int sport = 1 + r.nextInt(65535);
            int dport = 1 + r.nextInt(65535);
            byte[] fwd;
            byte[] rev;
            if (i % 4 == 0) {
                byte[] a = new byte[16];
                byte[] b = new byte[16];
                r.nextBytes(a);
                r.nextBytes(b);
                a[0] = 0x20; // global unicast, not an IPv4-mapped form
                b[0] = 0x20;
                fwd = frame(v6(a), v6(b), proto, sport, dport).build();
                rev = frame(v6(b), v6(a), proto, dport, sport).build();
            } else {
                int a = r.nextInt();
                int b = r.nextInt();
                fwd = frame(v4(a), v4(b), proto, sport, dport).build();
                rev = frame(v4(b), v4(a), proto, dport, sport).build();
            }
            int q = d.queueOf(parse(fwd));
            assertEquals(q, d.queueOf(parse(rev)), "conversation " + i + " split over two queues");
            perQueue[q]++;
        }
        // evenly: each of 8 queues within 5% of n/8 (expected deviation ~0.5%)
        for (int q = 0; q < 8; q++) {
            assertTrue(Math.abs(perQueue[q] - n / 8) < n / 8 * 0.05, "queue " + q + ": " + perQueue[q] + " of " + n);
        }
    }

    @Test
    void aTunnelledPacketIsPlacedByItsInnerConversation() {
        FlowDistributor d = new FlowDistributor(16);
        int sameQueue = 0;
        for (int i = 0; i < 200; i++) {
            byte[] inner = frame(v4(0x0a000001 + i), "10.0.1.1", 6, 40000 + i, 443).build();
            byte[] innerRev = frame("10.0.1.1", v4(0x0a000001 + i), 6, 443, 40000 + i).build();
            // the same inner conversation mirrored from two different outer sources (two VXLAN tunnels)
            ParsedPacket a = parse(TunnelFrames.vxlan("192.168.0.1", "192.168.0.2", 4789, 100, inner),
                    Decap.parse("auto", 2));
            ParsedPacket b = parse(TunnelFrames.vxlan("192.168.0.9", "192.168.0.2", 4789, 200, innerRev),
                    Decap.parse("auto", 2));
            assertEquals(1, a.tunnelDepth());
            if (d.queueOf(a) == d.queueOf(b)) {
                sameQueue++;
            }
        }
        assertEquals(200, sameQueue);
    }

    @Test
    void oneQueueTakesEverything() {
        FlowDistributor d = new FlowDistributor(1);
        assertEquals(0, d.queueOf(parse(frame("10.0.0.1", "10.0.0.2", 6, 3, 4).build())));
    }

    /** The Toeplitz hash (as NICs compute RSS) with the repeated 0x6d5a key gives swapped tuples the same hash. */
    @Test
    void theRepeatedKeyMakesToeplitzSymmetric() {
        Random r = new Random(11);
        for (int keyLen : new int[] {40, 52}) {
            byte[] key = new byte[keyLen];
            for (int i = 0; i < keyLen; i++) {
                key[i] = FlowDistributor.SYMMETRIC_RSS_KEY_PATTERN[i % 2];
            }
            for (int i = 0; i < 1000; i++) {
                byte[] src = new byte[i % 2 == 0 ? 4 : 16];
                byte[] dst = new byte[src.length];
                r.nextBytes(src);
                r.nextBytes(dst);
                int sp = r.nextInt(65536);
                int dp = r.nextInt(65536);
                assertEquals(toeplitz(key, tuple(src, dst, sp, dp)), toeplitz(key, tuple(dst, src, dp, sp)));
            }
            // and a key without the 16-bit period is not symmetric (the test can tell)
            byte[] plain = key.clone();
            plain[3] ^= 0x55;
            byte[] a = tuple(new byte[] {10, 0, 0, 1}, new byte[] {10, 0, 0, 2}, 1234, 80);
            byte[] b = tuple(new byte[] {10, 0, 0, 2}, new byte[] {10, 0, 0, 1}, 80, 1234);
            assertTrue(toeplitz(plain, a) != toeplitz(plain, b));
        }
    }

    private static byte[] tuple(byte[] src, byte[] dst, int sp, int dp) {
        byte[] t = new byte[src.length * 2 + 4];
        System.arraycopy(src, 0, t, 0, src.length);
        System.arraycopy(dst, 0, t, src.length, dst.length);
        t[t.length - 4] = (byte) (sp >>> 8);
        t[t.length - 3] = (byte) sp;
        t[t.length - 2] = (byte) (dp >>> 8);
        t[t.length - 1] = (byte) dp;
        return t;
    }

    /** Microsoft's RSS Toeplitz hash: for each input bit set, XOR in the 32 key bits starting at that bit. */
    private static int toeplitz(byte[] key, byte[] input) {
        int result = 0;
        for (int i = 0; i < input.length * 8; i++) {
            if ((input[i / 8] >>> (7 - i % 8) & 1) != 0) {
                int window = 0;
                for (int k = 0; k < 32; k++) {
                    int bit = i + k;
                    window = window << 1 | (key[bit / 8] >>> (7 - bit % 8) & 1);
                }
                result ^= window;
            }
        }
        return result;
    }
}
