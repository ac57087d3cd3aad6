package org.secmon.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Generates a capture with many flows covering every header variant the parser supports (IPv4 with options and
 * fragments, IPv6 with extension headers and fragments, VLAN, QinQ, TCP, UDP, ICMP, ICMPv6, SCTP, non-IP) plus
 * malformed frames, and records the expected per-flow packet and byte counts as it writes them, independently of
 * SecMon's parser.
 */
public final class TrafficGenerator {
    /**
     * Expected result of replaying the generated capture. {@code flows}: key -> {packets, frame bytes, IP bytes
     * (NetFlow's count), TCP flags OR, ICMP type << 8 | code}.
     */
    public record Expected(Map<String, long[]> flows, long packets, long malformed, long nonIp) {
        public long goodPackets() {
            return packets - malformed;
        }
    }

    private TrafficGenerator() {
    }

    /** Key used by tests: {@code ipVersion|protocol|src|srcPort|dst|dstPort} (ports 0 when the packet has none). */
    public static String key(int ipVersion, int proto, String src, int sport, String dst, int dport) {
        return ipVersion + "|" + proto + "|" + src + "|" + sport + "|" + dst + "|" + dport;
    }

    public static Expected generate(Path file, int flows, int maxPacketsPerFlow, long seed, boolean malformed,
                                    CaptureWriter.Format format) throws IOException {
        Random rnd = new Random(seed);
        Map<String, long[]> expected = new TreeMap<>();
        long packets = 0;
        long bad = 0;
        long nonIp = 0;
        long ts = 1_700_000_000_000_000_000L;
        try (CaptureWriter w = new CaptureWriter(file, format, 65535)) {
            for (int f = 0; f < flows; f++) {
                int variant = f % 12;
                int n = 1 + rnd.nextInt(maxPacketsPerFlow);
                FrameBuilder b = variant(variant, f, rnd);
                for (int i = 0; i < n; i++) {
                    b.payload(rnd.nextInt(200));
                    if (b.protocol == 6) {
                        b.flags(i == 0 ? 0x02 : i == n - 1 ? (f / 12 % 2 == 0 ? 0x11 : 0x14) : 0x18); // FIN or RST last
                    }
                    byte[] frame = b.build();
                    ts += 1000 + rnd.nextInt(100_000);
                    w.write(frame, ts);
                    packets++;
                    if (variant == 11) {
                        nonIp++;
                        continue;
                    }
                    boolean later = b.fragmentOffset != 0;
                    int sport = later || b.protocol == 1 || b.protocol == 58 ? 0 : b.srcPort;
                    int dport = later || b.protocol == 1 || b.protocol == 58 ? 0 : b.dstPort;
                    String k = key(b.ipVersion, b.protocol, str(b.src), sport, str(b.dst), dport);
                    long[] c = expected.computeIfAbsent(k, x -> new long[5]);
                    c[0]++;
                    c[1] += frame.length;
                    c[2] += b.lastIpLength;
                    if (b.protocol == 6 && !later) {
                        c[3] |= b.tcpFlags;
                    }
                    if ((b.protocol == 1 || b.protocol == 58) && !later) {
                        c[4] = b.icmpType << 8 | b.icmpCode;
                    }
                }
                if (malformed && f % 7 == 3) {
                    w.write(malformedFrame(rnd.nextInt(6), b), ts += 10);
                    packets++;
                    bad++;
                }
            }
        }
        return new Expected(expected, packets, bad, nonIp);
    }

    private static FrameBuilder variant(int v, int f, Random rnd) {
        int hi = (f >>> 8) & 0xff;
        int lo = f & 0xff;
        String v4s = "10." + hi + "." + lo + ".1";
        String v4d = "192.168." + (lo ^ 0x55) + "." + (1 + hi % 250);
        String v6s = "2001:db8:" + Integer.toHexString(f) + "::1";
        String v6d = "2001:db8:ffff::" + Integer.toHexString(f + 1);
        int sport = 1024 + rnd.nextInt(60000);
        int dport = switch (f % 4) {
            case 0 -> 80;
            case 1 -> 443;
            case 2 -> 53;
            default -> 1 + rnd.nextInt(65535);
        };
        FrameBuilder b;
        switch (v) {
            case 0 -> b = FrameBuilder.tcp(v4s, v4d, sport, dport);
            case 1 -> b = FrameBuilder.udp(v4s, v4d, sport, dport);
            case 2 -> {
                b = FrameBuilder.tcp(v4s, v4d, 0, 0);
                b.protocol = 1;
            }
            case 3 -> b = FrameBuilder.tcp(v6s, v6d, sport, dport);
            case 4 -> {
                b = FrameBuilder.udp(v6s, v6d, sport, dport);
                b.ipv6Extensions = new int[] {0, 43, 60};
            }
            case 5 -> {
                b = FrameBuilder.tcp(v6s, v6d, 0, 0);
                b.protocol = 58;
                b.icmpType = 128;
            }
            case 6 -> b = FrameBuilder.tcp(v4s, v4d, sport, dport).vlans(100 + lo);
            case 7 -> {
                b = FrameBuilder.udp(v4s, v4d, sport, dport).vlans(200, 300 + lo);
                b.outerTpid = 0x88A8;
            }
            case 8 -> {
                b = FrameBuilder.tcp(v4s, v4d, sport, dport);
                b.protocol = 132;
            }
            case 9 -> {
                b = FrameBuilder.tcp(v4s, v4d, sport, dport);
                b.ipv4Options = new byte[] {1, 1, 1, 0}; // NOP NOP NOP EOL
            }
            case 10 -> { // later IPv4 fragments: no ports
                b = FrameBuilder.udp(v4s, v4d, sport, dport);
                b.fragmentOffset = 1480;
                b.moreFragments = true;
            }
            default -> { // ARP-like non-IP frame
                b = FrameBuilder.tcp(v4s, v4d, sport, dport);
                b.etherType = 0x0806;
            }
        }
        b.srcMac = 0x0200_0000_0000L | f;
        b.tos = (f % 3) << 2;
        return b;
    }

    private static byte[] malformedFrame(int kind, FrameBuilder like) {
        byte[] good = FrameBuilder.tcp("10.9.9.9", "10.8.8.8", 1, 2).payload(20).build();
        switch (kind) {
            case 0 -> {
                return java.util.Arrays.copyOf(good, 10); // shorter than Ethernet
            }
            case 1 -> good[14] = 0x55; // IPv4 ethertype, version 5
            case 2 -> {
                good[16] = (byte) 0x7f; // total length beyond the frame
                good[17] = (byte) 0xff;
            }
            case 3 -> good[14 + 20 + 12] = 0x20; // TCP data offset 2
            case 4 -> {
                byte[] v6 = FrameBuilder.tcp("2001:db8::1", "2001:db8::2", 1, 2).payload(0).build();
                return java.util.Arrays.copyOf(v6, 14 + 30); // IPv6 header cut (and no Ethernet padding)
            }
            default -> {
                byte[] u = FrameBuilder.udp("10.9.9.9", "10.8.8.8", 1, 2).payload(20).build();
                u[14 + 20 + 4] = 0;
                u[14 + 20 + 5] = 3; // UDP length 3
                return u;
            }
        }
        return good;
    }

    static String str(byte[] a) {
        try {
            return InetAddress.getByAddress(a).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
