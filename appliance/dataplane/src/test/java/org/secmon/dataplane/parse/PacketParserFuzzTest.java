package org.secmon.dataplane.parse;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.secmon.testkit.FrameBuilder;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Seeded mutation fuzzing of the parser, bounded in time: byte flips, length fields set to extremes, truncation
 * at every length, random bytes. Each input is a segment exactly as long as its capture, so any read beyond the
 * capture throws. No exception may escape, and on success every offset the parser reports must lie inside the
 * captured bytes. The seed is printed so that a failure can be replayed.
 */
class PacketParserFuzzTest {
    private static final Decap AUTO = Decap.auto();
    private static final Decap DEEP = Decap.parse("auto", Decap.MAX_MAX_DEPTH);
    private static final int[] LINK_TYPES = {LinkTypes.NULL, LinkTypes.RAW, LinkTypes.LOOP, LinkTypes.LINUX_SLL,
        LinkTypes.IPV4, LinkTypes.IPV6, LinkTypes.LINUX_SLL2, 12345};
    private static final long BUDGET_NANOS = Long.getLong("secmon.fuzz.seconds", 8) * 1_000_000_000L;

    @Test
    void mutatedFramesNeverThrow() {
        long seed = Long.getLong("secmon.fuzz.seed", System.nanoTime());
        SplittableRandom rnd = new SplittableRandom(seed);
        List<byte[]> corpus = corpus();
        ParsedPacket p = new ParsedPacket();
        long deadline = System.nanoTime() + BUDGET_NANOS;
        long iterations = 0;
        long good = 0;
        byte[] buf = new byte[2048];
        while (System.nanoTime() < deadline) {
            for (int batch = 0; batch < 1000; batch++) {
                byte[] base = corpus.get(rnd.nextInt(corpus.size()));
                int len = base.length;
                System.arraycopy(base, 0, buf, 0, len);
                len = mutate(rnd, buf, len, 1 + rnd.nextInt(6), Integer.MAX_VALUE, true);
                int cap = rnd.nextInt(8) == 0 ? rnd.nextInt(len + 1) : len;
                int wire = cap == len ? len : len + rnd.nextInt(100);
                // the capture alone, in a segment exactly as long: a read past it throws (a wrapped larger buffer
                // answered zeros there, and an over-read passed unseen)
                MemorySegment exact = MemorySegment.ofArray(java.util.Arrays.copyOf(buf, cap));
                // now and then another link type, the same bytes read as its header
                int linkType = rnd.nextInt(4) != 0 ? LinkTypes.ETHERNET : LINK_TYPES[rnd.nextInt(LINK_TYPES.length)];
                p.wrap(exact, 0, cap, wire, 0, 0, linkType);
                int status;
                try {
                    status = PacketParser.parse(p, rnd.nextBoolean() ? AUTO : DEEP);
                } catch (Throwable t) {
                    fail("parser threw on iteration " + iterations + " (seed " + seed + "): " + t, t);
                    return;
                }
                if (status == PacketParser.OK) {
                    good++;
                    // offsets are the (inner) frame's: from p.offset() into the capture
                    long at = p.offset();
                    assertTrue(at >= 0 && at + p.captureLength() <= cap, "inner frame inside capture, seed " + seed);
                    if (p.ipVersion() != 0) {
                        assertTrue(at + p.l3Offset() < cap, "l3 offset inside capture, seed " + seed);
                    }
                    if (p.l4Offset() != 0) {
                        assertTrue(at + p.l4Offset() < cap && at + p.payloadOffset() <= wire,
                                "l4 offsets inside the frame, seed " + seed);
                    }
                }
                iterations++;
            }
        }
        System.out.printf("parser fuzz: %d frames (%d parsed good), seed %d%n", iterations, good, seed);
        assertTrue(iterations > 10_000, "fuzzer ran too few iterations: " + iterations);
    }

    /**
     * Differential: the short way for the common tunnel shape ({@code Tunnels.enterCommon}) must leave exactly what
     * the general parse leaves — the same status and every field the same — for tunnel frames mutated where that
     * shape is decided (outer headers and tunnel header: the first 70 bytes), under both decaps and others that
     * terminate only some kinds.
     */
    @Test
    void theCommonTunnelShapeParsesAsTheGeneralWay() throws Exception {
        long seed = Long.getLong("secmon.fuzz.seed", System.nanoTime());
        SplittableRandom rnd = new SplittableRandom(seed);
        List<byte[]> corpus = corpus(); // plain frames too: they must stay the general way's
        corpus.add(org.secmon.testkit.TunnelFrames.geneve("10.0.0.1", "10.0.0.2", 6081, 5, 2, 0x6558,
                FrameBuilder.tcp("192.168.0.1", "192.168.0.2", 3, 4).build()));
        Decap[] decaps = {AUTO, DEEP, Decap.parse("erspan", 1), Decap.parse("vxlan=4789,gre", 1),
            Decap.parse("gtpu,geneve", 1)};
        java.lang.reflect.Field[] fields = java.util.Arrays.stream(ParsedPacket.class.getDeclaredFields())
                .filter(f -> !java.lang.reflect.Modifier.isStatic(f.getModifiers()))
                .peek(f -> f.setAccessible(true)).toArray(java.lang.reflect.Field[]::new);
        ParsedPacket fast = new ParsedPacket();
        ParsedPacket general = new ParsedPacket();
        long deadline = System.nanoTime() + BUDGET_NANOS / 2;
        long iterations = 0;
        long tunnelled = 0;
        byte[] buf = new byte[2048];
        while (System.nanoTime() < deadline) {
            for (int batch = 0; batch < 1000; batch++) {
                byte[] base = corpus.get(rnd.nextInt(corpus.size()));
                int len = base.length;
                System.arraycopy(base, 0, buf, 0, len);
                // some frames unchanged (the common shape itself); the others changed where the shape is decided
                len = mutate(rnd, buf, len, rnd.nextInt(4), 70, false);
                int cap = rnd.nextInt(8) == 0 ? rnd.nextInt(len + 1) : len;
                int wire = cap == len ? len : len + rnd.nextInt(100);
                MemorySegment exact = MemorySegment.ofArray(java.util.Arrays.copyOf(buf, cap));
                Decap d = decaps[rnd.nextInt(decaps.length)];
                fast.wrap(exact, 0, cap, wire, 5, 1, LinkTypes.ETHERNET);
                general.wrap(exact, 0, cap, wire, 5, 1, LinkTypes.ETHERNET);
                int a = PacketParser.parse(fast, d);
                int b = PacketParser.parseGeneral(general, d);
                if (a != b) {
                    fail("status " + a + " against the general way's " + b + " (seed " + seed + ", iteration "
                            + iterations + ")");
                }
                for (java.lang.reflect.Field f : fields) {
                    if (!java.util.Objects.equals(f.get(fast), f.get(general))) {
                        fail("field " + f.getName() + ": " + f.get(fast) + " against the general way's "
                                + f.get(general) + " (status " + a + ", seed " + seed + ", iteration " + iterations
                                + ")");
                    }
                }
                if (a == PacketParser.OK && fast.tunnelDepth() > 0) {
                    tunnelled++;
                }
                iterations++;
            }
        }
        System.out.printf("common tunnel shape: %d frames, %d through a tunnel, seed %d%n", iterations, tunnelled,
                seed);
        assertTrue(iterations > 10_000, "too few iterations: " + iterations);
        assertTrue(tunnelled > iterations / 10, "the common shape was exercised: " + tunnelled);
    }

    /**
     * {@code mutations} changes to the frame in {@code buf[0, len)} — a bit flipped, a random byte, 0 or 0xff, a
     * truncation, and with {@code tail} a random garbage tail — at offsets below {@code span}.
     *
     * @return the frame's new length (0 when truncated to nothing)
     */
    private static int mutate(SplittableRandom rnd, byte[] buf, int len, int mutations, int span, boolean tail) {
        for (int m = 0; m < mutations && len > 0; m++) {
            int at = rnd.nextInt(Math.min(len, span));
            switch (rnd.nextInt(tail ? 5 : 4)) {
                case 0 -> buf[at] ^= (byte) (1 << rnd.nextInt(8));
                case 1 -> buf[at] = (byte) rnd.nextInt(256);
                case 2 -> buf[at] = (byte) (rnd.nextBoolean() ? 0 : 0xff);
                case 3 -> len = rnd.nextInt(len + 1);
                default -> {
                    int n = rnd.nextInt(64);
                    for (int i = 0; i < n && len + 1 < buf.length; i++) {
                        buf[len++] = (byte) rnd.nextInt(256);
                    }
                }
            }
        }
        return len;
    }

    private static List<byte[]> corpus() {
        List<byte[]> c = new ArrayList<>();
        c.add(FrameBuilder.tcp("10.0.0.1", "10.0.0.2", 1, 2).payload(40).build());
        c.add(FrameBuilder.udp("10.0.0.1", "10.0.0.2", 1, 2).vlans(7).build());
        FrameBuilder q = FrameBuilder.udp("10.0.0.1", "10.0.0.2", 1, 2).vlans(7, 8);
        q.outerTpid = 0x88A8;
        c.add(q.build());
        FrameBuilder o = FrameBuilder.tcp("10.0.0.1", "10.0.0.2", 1, 2);
        o.ipv4Options = new byte[] {1, 1, 1, 0};
        c.add(o.build());
        FrameBuilder v6 = FrameBuilder.tcp("2001:db8::1", "2001:db8::2", 1, 2);
        v6.ipv6Extensions = new int[] {0, 43, 60, 51};
        c.add(v6.build());
        FrameBuilder f6 = FrameBuilder.udp("2001:db8::1", "2001:db8::2", 1, 2);
        f6.ipv6Fragment = true;
        f6.moreFragments = true;
        c.add(f6.build());
        FrameBuilder icmp = FrameBuilder.tcp("10.0.0.1", "10.0.0.2", 0, 0);
        icmp.protocol = 1;
        c.add(icmp.build());
        FrameBuilder icmp6 = FrameBuilder.tcp("::1", "::2", 0, 0);
        icmp6.protocol = 58;
        c.add(icmp6.build());
        FrameBuilder sctp = FrameBuilder.tcp("10.0.0.1", "10.0.0.2", 1, 2);
        sctp.protocol = 132;
        c.add(sctp.build());
        // tunnels, parsed with every decap (the inner frame's offsets are checked the same way)
        byte[] inner = FrameBuilder.tcp("192.168.0.1", "192.168.0.2", 3, 4).payload(30).build();
        byte[] innerIp = org.secmon.testkit.TunnelFrames.ipPacket(FrameBuilder.udp("192.168.0.1", "192.168.0.2", 5, 6));
        c.add(org.secmon.testkit.TunnelFrames.vxlan("10.0.0.1", "10.0.0.2", 4789, 5, inner));
        c.add(org.secmon.testkit.TunnelFrames.geneve("2001:db8::1", "2001:db8::2", 6081, 5, 2, 0x6558, inner));
        c.add(org.secmon.testkit.TunnelFrames.erspanI("10.0.0.1", "10.0.0.2", inner));
        c.add(org.secmon.testkit.TunnelFrames.erspanII("10.0.0.1", "10.0.0.2", 1, 2, 3, inner));
        c.add(org.secmon.testkit.TunnelFrames.erspanIII("10.0.0.1", "10.0.0.2", 1, true, 2, true, 3, inner));
        c.add(org.secmon.testkit.TunnelFrames.gre("10.0.0.1", "10.0.0.2", 9L, 1L, 0x0800, innerIp));
        c.add(org.secmon.testkit.TunnelFrames.gtpu("10.0.0.1", "10.0.0.2", 7, true, innerIp));
        c.add(org.secmon.testkit.TunnelFrames.erspanII("10.0.0.1", "10.0.0.2", 1, 2, 3,
                org.secmon.testkit.TunnelFrames.vxlan("10.0.0.1", "10.0.0.2", 4789, 5, inner)));
        return c;
    }
}
