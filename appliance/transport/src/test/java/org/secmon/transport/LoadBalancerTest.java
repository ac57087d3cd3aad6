package org.secmon.transport;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoadBalancerTest {
    static final long S = 1_000_000_000L;

    static CollectorSet set(LbAlgorithm alg, int... weights) {
        Collector[] cs = new Collector[weights.length];
        for (int i = 0; i < weights.length; i++) {
            cs[i] = new Collector("c" + i, "127.0.0.1", 2055 + i, CollectorType.NETFLOW, weights[i]);
        }
        return new CollectorSet("s", List.of(cs), alg);
    }

    static int[] distribute(LoadBalancer lb, int sessions, int n) {
        int[] count = new int[n];
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < sessions; i++) {
            count[lb.route(r.nextLong() | 1, 0)]++;
        }
        return count;
    }

    @Test
    void weightedRoundRobinOneToThreeGivesTwentyFiveSeventyFive() {
        LoadBalancer lb = new LoadBalancer(set(LbAlgorithm.WEIGHTED_ROUND_ROBIN, 1, 3), 20_000, 60 * S);
        int[] c = distribute(lb, 10_000, 2);
        // smooth WRR is exact over every full cycle of 4 picks
        assertEquals(2_500, c[0]);
        assertEquals(7_500, c[1]);
        assertEquals(2_500, lb.activeSessions(0));
        assertEquals(7_500, lb.sessionsAssigned(1));
    }

    @Test
    void weightedRoundRobinIsSmoothAndHonoursEveryWeight() {
        LoadBalancer lb = new LoadBalancer(set(LbAlgorithm.WEIGHTED_ROUND_ROBIN, 5, 1, 1), 100, 60 * S);
        StringBuilder seq = new StringBuilder();
        for (int i = 0; i < 7; i++) {
            seq.append(lb.route(i + 1, 0));
        }
        // nginx's example: weights 5,1,1 give a a b a c a a, never five a's in a row
        assertEquals("0010200", seq.toString());
        LoadBalancer lb2 = new LoadBalancer(set(LbAlgorithm.WEIGHTED_ROUND_ROBIN, 10, 30, 60), 20_000, 60 * S);
        int[] c = distribute(lb2, 10_000, 3);
        assertEquals(1_000, c[0]);
        assertEquals(3_000, c[1]);
        assertEquals(6_000, c[2]);
    }

    @Test
    void weightZeroIsAStandbyUsedOnlyWhenTheWeightedAreDown() {
        LoadBalancer lb = new LoadBalancer(set(LbAlgorithm.WEIGHTED_ROUND_ROBIN, 2, 0, 1), 1000, 60 * S);
        int[] c = distribute(lb, 300, 3);
        assertEquals(0, c[1]);
        lb.setUp(0, false);
        lb.setUp(2, false);
        assertEquals(1, lb.route(12345, 0));
        lb.setUp(1, false);
        assertEquals(-1, lb.route(54321, 0), "nothing up");
        assertThrows(IllegalArgumentException.class, () -> set(LbAlgorithm.WEIGHTED_ROUND_ROBIN, 0, 0));
    }

    @Test
    void roundRobinTakesTurnsAndSkipsDownCollectors() {
        LoadBalancer lb = new LoadBalancer(set(LbAlgorithm.ROUND_ROBIN, 1, 1, 1), 1000, 60 * S);
        StringBuilder seq = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            seq.append(lb.route(i + 1, 0));
        }
        assertEquals("012012", seq.toString());
        lb.setUp(1, false);
        seq.setLength(0);
        for (int i = 0; i < 4; i++) {
            seq.append(lb.route(100 + i, 0));
        }
        assertEquals("0202", seq.toString());
    }

    @Test
    void sessionAlgorithmPicksTheLeastLoadedCollector() {
        LoadBalancer lb = new LoadBalancer(set(LbAlgorithm.SESSION, 1, 1, 1), 100_000, 10 * S);
        int[] c = distribute(lb, 9_000, 3);
        assertEquals(3_000, c[0]);
        assertEquals(3_000, c[1]);
        assertEquals(3_000, c[2]);
        // sessions on collector 0 expire; new sessions go there until it catches up
        LoadBalancer lb2 = new LoadBalancer(set(LbAlgorithm.SESSION, 1, 1), 1000, 10 * S);
        lb2.route(1, 0); // -> 0
        lb2.route(2, 0); // -> 1
        lb2.route(3, 0); // -> 0
        lb2.route(2, 5 * S); // keeps session 2 (on 1) alive
        lb2.expire(11 * S, 10_000); // sessions 1 and 3 expire
        assertEquals(0, lb2.activeSessions(0));
        assertEquals(1, lb2.activeSessions(1));
        assertEquals(0, lb2.route(4, 11 * S));
        assertEquals(0, lb2.route(5, 11 * S));
    }

    @Test
    void bothDirectionsOfASessionStickToOneCollector() {
        LoadBalancer lb = new LoadBalancer(set(LbAlgorithm.ROUND_ROBIN, 1, 1, 1, 1), 10_000, 60 * S);
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 2000; i++) {
            long a = r.nextLong();
            long b = r.nextLong();
            int pa = r.nextInt(65536);
            int pb = r.nextInt(65536);
            long fwd = LoadBalancer.sessionHash(0, a, pa, 0, b, pb, 6);
            long rev = LoadBalancer.sessionHash(0, b, pb, 0, a, pa, 6);
            assertEquals(fwd, rev);
            int c = lb.route(fwd, i);
            for (int k = 0; k < 3; k++) {
                assertEquals(c, lb.route(k % 2 == 0 ? rev : fwd, i), "sticky");
            }
        }
        assertEquals(2000, lb.sessions());
        assertNotEquals(LoadBalancer.sessionHash(0, 1, 80, 0, 2, 1234, 6),
                LoadBalancer.sessionHash(0, 1, 80, 0, 2, 1234, 17), "protocol is part of the session");
    }

    @Test
    void sessionsOfADownCollectorMoveAndComeBack() {
        LoadBalancer lb = new LoadBalancer(set(LbAlgorithm.ROUND_ROBIN, 1, 1, 1), 10_000, 600 * S);
        int[] home = new int[300];
        for (int i = 0; i < 300; i++) {
            home[i] = lb.route(i + 1, 0);
        }
        lb.setUp(1, false);
        int[] during = new int[300];
        for (int i = 0; i < 300; i++) {
            during[i] = lb.route(i + 1, S);
            assertNotEquals(1, during[i]);
            if (home[i] != 1) {
                assertEquals(home[i], during[i], "sessions of healthy collectors stay put");
            }
            assertEquals(during[i], lb.route(i + 1, S), "the fallback sticks too");
        }
        lb.setUp(1, true);
        for (int i = 0; i < 300; i++) {
            assertEquals(home[i], lb.route(i + 1, 2 * S), "back home after recovery");
        }
    }

    @Test
    void expiryRemovesIdleSessionsAndKeepsTheTableConsistent() {
        LoadBalancer lb = new LoadBalancer(set(LbAlgorithm.ROUND_ROBIN, 1, 1), 50_000, 10 * S);
        SplittableRandom r = new SplittableRandom(3);
        long[] keys = new long[20_000];
        int[] where = new int[keys.length];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = r.nextLong() | 1;
            where[i] = lb.route(keys[i], i % 2 == 0 ? 0 : 8 * S);
        }
        int removed = 0;
        for (int k = 0; k < 100; k++) {
            removed += lb.expire(12 * S, 2048);
        }
        assertEquals(10_000, removed);
        assertEquals(10_000, lb.sessions());
        assertEquals(10_000, lb.activeSessions(0) + lb.activeSessions(1));
        for (int i = 1; i < keys.length; i += 2) {
            assertEquals(where[i], lb.route(keys[i], 12 * S), "surviving sessions are still found");
        }
        assertEquals(10_000, lb.sessions(), "no surviving session was lost by the backward shift");
        assertTrue(lb.untracked() == 0);
    }

    @Test
    void fullSessionTableStillRoutesAndCounts() {
        LoadBalancer lb = new LoadBalancer(set(LbAlgorithm.ROUND_ROBIN, 1, 1), 10, 10 * S);
        for (int i = 0; i < 25; i++) {
            assertTrue(lb.route(i + 1, 0) >= 0);
        }
        assertEquals(10, lb.sessions());
        assertEquals(15, lb.untracked());
    }

    @Test
    void badCollectorsAreRejectedWithTheReason() {
        assertThrows(IllegalArgumentException.class, () -> new Collector("x", "h", 0, CollectorType.NETFLOW, 1));
        assertThrows(IllegalArgumentException.class, () -> new Collector("x", "h", 5, CollectorType.NETFLOW, 101));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Collector.parse("::1:2055", CollectorType.IPFIX));
        assertTrue(e.getMessage().contains("[ADDR]:PORT"), e.getMessage());
        assertEquals("::1", Collector.parse("[::1]:4739", CollectorType.IPFIX).host());
        assertThrows(IllegalArgumentException.class, () -> LbAlgorithm.parse("random"));
        assertThrows(IllegalArgumentException.class, () -> new CollectorSet("s", List.of(), LbAlgorithm.SESSION));
        e = assertThrows(IllegalArgumentException.class,
                () -> new Collector("x", "h", 5, CollectorType.NETFLOW, 1, 64));
        assertEquals("collector x: dscp must be 0..63, not 64", e.getMessage());
    }

    @Test
    void dscpComesFromTheCollectorOrTheSetAndMarksTheSocket() throws Exception {
        CollectorSet set = CollectorSet.parse(org.secmon.plugin.PluginConfig.of(java.util.Map.of("dscp", 10,
                "collectors", List.of(java.util.Map.of("address", "127.0.0.1", "port", 2055, "dscp", 46),
                        java.util.Map.of("address", "127.0.0.1", "port", 2056)))), CollectorType.NETFLOW, 2055, "s");
        assertEquals(46, set.collectors().get(0).dscp());
        assertEquals(10, set.collectors().get(1).dscp());
        assertTrue(set.collectors().get(0).toString().contains("dscp 46"), set.collectors().get(0).toString());
        assertEquals(0, CollectorSet.parse(org.secmon.plugin.PluginConfig.of(java.util.Map.of("collector",
                "127.0.0.1:9")), CollectorType.NETFLOW, 2055, "s").collectors().get(0).dscp());
        // the exports' DS field is set on each collector's socket (what reaches the wire is checked with tcpdump by
        // the agent's DscpSteeringTest)
        try (UdpSender sender = new UdpSender(set, S)) {
            assertEquals(46 << 2, sender.channel(0).getOption(java.net.StandardSocketOptions.IP_TOS));
            assertEquals(10 << 2, sender.channel(1).getOption(java.net.StandardSocketOptions.IP_TOS));
        }
    }
}
