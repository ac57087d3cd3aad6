package org.secmon.dataplane.filter;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.secmon.dataplane.parse.PacketParser;
import org.secmon.dataplane.parse.ParsedPacket;
import org.secmon.plugin.Packet;
import org.secmon.testkit.FrameBuilder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ClassifierTest {

    static Packet parsed(byte[] frame) {
        ParsedPacket p = new ParsedPacket();
        p.wrap(MemorySegment.ofArray(frame), 0, frame.length, frame.length, 0, 0);
        assertEquals(PacketParser.OK, PacketParser.parse(p));
        return p;
    }

    static Rule rule(int prio, String src, String dst, String proto, String sports, String dports, Action a, int trunc) {
        return new Rule(prio, IpPrefix.parse(src), IpPrefix.parse(dst), Rule.parseProtocol(proto),
                PortRange.parse(sports), PortRange.parse(dports), Rule.ANY_MAC, Rule.ANY_MAC, a, trunc);
    }

    @Test
    void noRulesForwardsEverythingWhole() {
        Classifier c = Classifier.compile(List.of());
        assertEquals(0, c.classify(parsed(FrameBuilder.tcp("10.0.0.1", "10.0.0.2", 1, 2).build())));
    }

    @Test
    void replicasClassifyAlikeAndCountHitsOfTheirOwn() throws Exception {
        Classifier c = Classifier.compile(List.of(
                rule(10, "10.1.0.0/16", "any", "tcp", "any", "80", Action.DROP, 0),
                rule(20, "any", "any", "any", "any", "any", Action.FORWARD, 64)));
        Classifier r = c.replica();
        Packet web = parsed(FrameBuilder.tcp("10.1.2.3", "1.1.1.1", 999, 80).build());
        Packet other = parsed(FrameBuilder.udp("172.16.0.1", "8.8.8.8", 5, 53).build());
        assertEquals(c.classify(web), r.classify(web));
        assertEquals(64, r.classify(other));
        // two threads, each on its own instance: no increment lost, every instance reports the sum
        Thread t1 = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < 100_000; i++) {
                c.classify(other);
            }
        });
        Thread t2 = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < 100_000; i++) {
                r.classify(other);
            }
        });
        t1.join();
        t2.join();
        assertEquals(2, c.hits(0));
        assertEquals(200_001, c.hits(1));
        assertEquals(200_001, r.hits(1));
        // only the rules' own counters: the padding around them is not an index
        assertThrows(IndexOutOfBoundsException.class, () -> c.hits(2));
        assertThrows(IndexOutOfBoundsException.class, () -> r.hits(-1));
    }

    @Test
    void priorityOrderFirstMatchWins() {
        List<Rule> rules = List.of(
                rule(100, "10.0.0.0/8", "any", "any", "any", "any", Action.FORWARD, 0),
                rule(10, "10.1.0.0/16", "any", "tcp", "any", "80", Action.DROP, 0),
                rule(50, "any", "192.168.0.0/16", "udp", "any", "53", Action.FORWARD, 128));
        Classifier c = Classifier.compile(rules);
        assertEquals(Classifier.DROP, c.classify(parsed(FrameBuilder.tcp("10.1.2.3", "1.1.1.1", 999, 80).build())));
        assertEquals(0, c.classify(parsed(FrameBuilder.tcp("10.1.2.3", "1.1.1.1", 999, 81).build())));
        assertEquals(128, c.classify(parsed(FrameBuilder.udp("172.16.0.1", "192.168.1.1", 5, 53).build())));
        // no rule matches: default drop
        assertEquals(Classifier.DROP, c.classify(parsed(FrameBuilder.udp("172.16.0.1", "8.8.8.8", 5, 53).build())));
        assertEquals(1, c.hits(0));
        assertEquals(10, c.rules().get(0).priority());
        Classifier fwd = Classifier.compile(rules, Action.FORWARD);
        assertEquals(0, fwd.classify(parsed(FrameBuilder.udp("172.16.0.1", "8.8.8.8", 5, 53).build())));
    }

    @Test
    void ipv6AndFamilies() {
        Classifier c = Classifier.compile(List.of(
                rule(1, "2001:db8::/32", "any", "any", "any", "any", Action.FORWARD, 0),
                rule(2, "0.0.0.0/0", "any", "any", "any", "any", Action.FORWARD, 64)));
        assertEquals(0, c.classify(parsed(FrameBuilder.tcp("2001:db8::5", "::1", 1, 2).build())));
        assertEquals(Classifier.DROP, c.classify(parsed(FrameBuilder.tcp("2001:db9::5", "::1", 1, 2).build())));
        assertEquals(64, c.classify(parsed(FrameBuilder.tcp("10.0.0.1", "10.0.0.2", 1, 2).build())));
    }

    @Test
    void portRulesDoNotMatchPortlessPackets() {
        Classifier c = Classifier.compile(List.of(rule(1, "any", "any", "any", "any", "0-100", Action.FORWARD, 0)));
        FrameBuilder icmp = FrameBuilder.tcp("10.0.0.1", "10.0.0.2", 0, 0);
        icmp.protocol = 1;
        assertEquals(Classifier.DROP, c.classify(parsed(icmp.build())));
        assertEquals(0, c.classify(parsed(FrameBuilder.tcp("10.0.0.1", "10.0.0.2", 0, 50).build())));
    }

    @Test
    void macRules() {
        Rule r = new Rule(1, IpPrefix.ANY, IpPrefix.ANY, Rule.ANY_PROTOCOL, PortRange.ANY, PortRange.ANY,
                Rule.parseMac("02:00:00:00:00:01"), Rule.ANY_MAC, Action.FORWARD, 0);
        Classifier c = Classifier.compile(List.of(r));
        FrameBuilder b = FrameBuilder.tcp("10.0.0.1", "10.0.0.2", 1, 2);
        assertEquals(0, c.classify(parsed(b.build())));
        b.srcMac = 0x0200_0000_0009L;
        assertEquals(Classifier.DROP, c.classify(parsed(b.build())));
        b.etherType = 0x0806; // non-IP frames match MAC-only rules
        b.srcMac = 0x0200_0000_0001L;
        assertEquals(0, c.classify(parsed(b.build())));
    }

    @Test
    void validation() {
        assertThrows(IllegalArgumentException.class, () -> IpPrefix.parse("10.0.0.0/33"));
        assertThrows(IllegalArgumentException.class, () -> IpPrefix.parse("example.com"));
        assertThrows(IllegalArgumentException.class, () -> IpPrefix.parse("10.0.0"));
        assertThrows(IllegalArgumentException.class, () -> PortRange.parse("80-20"));
        assertThrows(IllegalArgumentException.class, () -> PortRange.parse("70000"));
        assertThrows(IllegalArgumentException.class, () -> Rule.parseMac("02:00:00:00:00"));
        assertThrows(IllegalArgumentException.class, () -> Rule.parseProtocol("300"));
        assertThrows(IllegalArgumentException.class, () -> rule(0, "any", "any", "any", "any", "any", Action.DROP, 0));
        assertThrows(IllegalArgumentException.class,
                () -> rule(1, "any", "any", "any", "any", "any", Action.DROP, 1601));
        assertEquals("10.0.0.0/8", IpPrefix.parse("10.1.2.3/8").toString());
    }

    /** Differential test: the compiled classifier agrees with a linear scan on random rules and packets. */
    @Test
    void agreesWithLinearScan() {
        Random rnd = new Random(42);
        for (int round = 0; round < 20; round++) {
            int n = 1 + rnd.nextInt(round < 10 ? 70 : 400);
            List<Rule> rules = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                rules.add(randomRule(rnd));
            }
            Classifier c = Classifier.compile(rules);
            List<Rule> sorted = c.rules();
            for (int k = 0; k < 2000; k++) {
                Packet p = parsed(randomFrame(rnd));
                int expected = -1;
                for (int i = 0; i < sorted.size(); i++) {
                    if (sorted.get(i).matchesSlow(p)) {
                        expected = i;
                        break;
                    }
                }
                assertEquals(expected, c.firstMatch(p), "round " + round + " packet " + p);
            }
        }
    }

    private static final String[] V4 = {"10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3/32", "192.168.0.0/16",
        "0.0.0.0/0", "any", "172.16.0.0/12"};
    private static final String[] V6 = {"2001:db8::/32", "2001:db8:1::/48", "::/0", "2001:db8:1::5/128"};

    private static Rule randomRule(Random r) {
        // also prefixes of any length inside 10.1/16, so that /16 and /24 blocks are cut at odd places (the IPv4
        // lookup tables' second level and their fallback to the binary search)
        String src = r.nextInt(4) == 0 ? V6[r.nextInt(V6.length)] : r.nextInt(3) == 0
                ? "10.1." + r.nextInt(4) + "." + r.nextInt(256) + "/" + (12 + r.nextInt(21)) : V4[r.nextInt(V4.length)];
        String dst = r.nextInt(4) == 0 ? V6[r.nextInt(V6.length)] : V4[r.nextInt(V4.length)];
        String[] protos = {"any", "tcp", "udp", "icmp", "any", "any"};
        int lo = r.nextInt(2000);
        String ports = r.nextInt(3) == 0 ? lo + "-" + (lo + r.nextInt(500)) : "any";
        String dports = r.nextInt(3) == 0 ? Integer.toString(r.nextInt(4) == 0 ? 80 : lo) : "any";
        long mac = r.nextInt(10) == 0 ? 0x0200_0000_0000L | r.nextInt(4) : Rule.ANY_MAC;
        return new Rule(1 + r.nextInt(1000), IpPrefix.parse(src), IpPrefix.parse(dst),
                Rule.parseProtocol(protos[r.nextInt(protos.length)]), PortRange.parse(ports), PortRange.parse(dports),
                mac, Rule.ANY_MAC, r.nextBoolean() ? Action.FORWARD : Action.DROP, r.nextInt(3) * 100);
    }

    private static byte[] randomFrame(Random r) {
        FrameBuilder b;
        if (r.nextInt(4) == 0) {
            b = FrameBuilder.tcp("2001:db8:" + (r.nextBoolean() ? "1" : "2") + "::" + r.nextInt(10),
                    "2001:db8::" + r.nextInt(5), r.nextInt(2500), r.nextBoolean() ? 80 : r.nextInt(2500));
        } else {
            String[] a = {"10.1.2.3", "10.1.2.9", "10.1.9.9", "10.9.9.9", "192.168.4.4", "172.16.0.1", "8.8.8.8",
                "10.1." + r.nextInt(4) + "." + r.nextInt(256)};
            b = FrameBuilder.tcp(a[r.nextInt(a.length)], a[r.nextInt(a.length)], r.nextInt(2500),
                    r.nextBoolean() ? 80 : r.nextInt(2500));
        }
        b.protocol = new int[] {6, 17, 1, 47}[r.nextInt(4)];
        b.srcMac = 0x0200_0000_0000L | r.nextInt(5);
        if (r.nextInt(20) == 0) {
            b.etherType = 0x0806;
        }
        return b.build();
    }
}
