package org.secmon.plugins.netflow.cache;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.secmon.plugin.Packet;
import org.secmon.plugin.PacketFormat;
import org.secmon.testkit.FrameBuilder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FlowCacheTest {
    static final long S = 1_000_000_000L;
    static final long T0 = 1_700_000_000L * S;

    record Exported(String key, long packets, long bytes, int flags, int reason, long first, long last, int vlan,
                    long srcMac) {
    }

    static final class Recorder implements FlowCache.Sink {
        final List<Exported> out = new ArrayList<>();

        @Override
        public void export(FlowTable c, int f, int reason) {
            String key = c.protocol(f) + " " + org.secmon.plugin.PacketFormat.address(c.srcHi(f), c.srcLo(f),
                    c.ipVersion(f)) + ":" + c.srcPort(f) + " > " + PacketFormat.address(c.dstHi(f), c.dstLo(f),
                    c.ipVersion(f)) + ":" + c.dstPort(f);
            out.add(new Exported(key, c.packets(f), c.bytes(f), c.tcpFlags(f), reason, c.firstNanos(f),
                    c.lastNanos(f), c.vlan(f), c.srcMac(f)));
        }

        /** Packets exported per flow key, over all of each flow's records. */
        Map<String, Long> packetsPerFlow() {
            Map<String, Long> got = new HashMap<>();
            out.forEach(e -> got.merge(e.key(), e.packets(), Long::sum));
            return got;
        }

        List<Exported> with(int reason) {
            return out.stream().filter(e -> e.reason == reason).toList();
        }
    }

    /**
     * The crowded workload: 300 TCP conversations to port 443, a packet every 10 ms on average, for a 64-flow cache
     * with a 2 s idle timeout; 3% of packets FIN, 2% RST. A third are IPv6, in pairs that differ only in the
     * addresses' high halves (the record's second line): flows 6m and 6m + 3. {@link #model} counts the packets
     * of each flow key, as {@link Recorder} names them.
     */
    static final class Crowd {
        final SplittableRandom rnd;
        final Map<String, Long> model = new HashMap<>();
        long t = T0;

        Crowd(long seed) {
            rnd = new SplittableRandom(seed);
        }

        static FlowCache cache(Recorder r, int hashMask) {
            return new FlowCache(64, FlowField.DEFAULT_MATCH, EnumSet.noneOf(FlowField.class), 3600 * S, 2 * S,
                    S / 2, FlowCache.FullPolicy.EVICT_OLDEST, r, hashMask);
        }

        /** The next packet, at time {@link #t}, already counted in the model. */
        Packet next() {
            t += rnd.nextInt(20_000_000);
            int flow = rnd.nextInt(300);
            boolean v6 = flow % 3 == 0;
            String src = v6 ? "2001:db" + (8 + flow % 2) + "::" + (flow / 6) : "10.1." + (flow >> 8) + "." + (flow & 255);
            String dst = v6 ? "2001:db8::9" : "192.0.2.9";
            int flags = rnd.nextInt(100) < 3 ? 0x01 : rnd.nextInt(100) < 2 ? 0x04 : 0x10;
            int sport = v6 ? 40000 + flow / 6 : 40000 + flow;
            Packet p = Frames.tcp(src, dst, sport, 443, flags, t);
            model.merge("6 " + PacketFormat.address(p.srcHi(), p.srcLo(), p.ipVersion()) + ":" + sport + " > "
                    + PacketFormat.address(p.dstHi(), p.dstLo(), p.ipVersion()) + ":443", 1L, Long::sum);
            return p;
        }
    }

    static FlowCache cache(int max, Recorder r, FlowCache.FullPolicy policy) {
        return new FlowCache(max, FlowField.DEFAULT_MATCH, EnumSet.noneOf(FlowField.class), 60 * S, 15 * S, S,
                policy, r);
    }

    /** Advance time in 100 ms steps, as the plugin's poll would. */
    static void runUntil(FlowCache c, long from, long to) {
        for (long t = from; t <= to; t += S / 10) {
            c.expire(t);
        }
    }

    @Test
    void countsPacketsIpBytesAndFlagsPerFlow() {
        Recorder r = new Recorder();
        FlowCache c = cache(1000, r, FlowCache.FullPolicy.EVICT_OLDEST);
        c.update(Frames.tcp("10.0.0.1", "10.0.0.2", 1000, 80, 0x02, T0), T0);
        c.update(Frames.tcp("10.0.0.1", "10.0.0.2", 1000, 80, 0x18, T0 + 10), T0 + 10);
        c.update(Frames.tcp("10.0.0.2", "10.0.0.1", 80, 1000, 0x12, T0 + 20), T0 + 20);
        c.update(Frames.udp("2001:db8::1", "2001:db8::2", 53, 5353, 100, T0 + 30), T0 + 30);
        assertEquals(3, c.size());
        c.flush();
        assertEquals(0, c.size());
        Map<String, Exported> by = new HashMap<>();
        r.out.forEach(e -> by.put(e.key, e));
        Exported fwd = by.get("6 10.0.0.1:1000 > 10.0.0.2:80");
        assertEquals(2, fwd.packets());
        assertEquals(2 * (20 + 20 + 32), fwd.bytes(), "IP total length: IPv4 20 + TCP 20 + payload 32");
        assertEquals(0x1a, fwd.flags());
        assertEquals(T0, fwd.first());
        assertEquals(T0 + 10, fwd.last());
        assertEquals(FlowCache.REASON_FORCED, fwd.reason());
        assertEquals(1, by.get("6 10.0.0.2:80 > 10.0.0.1:1000").packets());
        assertEquals(40 + 8 + 100, by.get("17 2001:db8:0:0:0:0:0:1:53 > 2001:db8:0:0:0:0:0:2:5353").bytes());
    }

    @Test
    void idleFlowsExpireAfterTheInactiveTimeout() {
        Recorder r = new Recorder();
        FlowCache c = cache(1000, r, FlowCache.FullPolicy.EVICT_OLDEST);
        c.expire(T0);
        c.update(Frames.udp("10.0.0.1", "10.0.0.2", 1, 2, 10, T0), T0);
        c.update(Frames.udp("10.0.0.3", "10.0.0.4", 1, 2, 10, T0 + 10 * S), T0 + 10 * S);
        runUntil(c, T0, T0 + 14 * S);
        assertEquals(0, r.out.size());
        runUntil(c, T0 + 14 * S, T0 + 16 * S + S / 10);
        assertEquals(1, r.with(FlowCache.REASON_IDLE).size(), "first flow idle for 15 s, exported within a scan");
        runUntil(c, T0 + 16 * S, T0 + 26 * S + S / 10);
        assertEquals(2, r.with(FlowCache.REASON_IDLE).size());
        assertEquals(0, c.size());
    }

    @Test
    void longFlowsAreExportedAtTheActiveTimeoutAndKeepCounting() {
        Recorder r = new Recorder();
        FlowCache c = cache(1000, r, FlowCache.FullPolicy.EVICT_OLDEST);
        c.expire(T0);
        long t = T0;
        int sent = 0;
        for (; t < T0 + 150 * S; t += S) { // one packet a second for 150 s
            c.update(Frames.udp("10.0.0.1", "10.0.0.2", 1, 2, 10, t), t);
            sent++;
            runUntil(c, t, t + S - S / 10);
        }
        List<Exported> active = r.with(FlowCache.REASON_ACTIVE);
        assertEquals(2, active.size(), "at 60 s and 120 s");
        c.flush();
        long total = r.out.stream().mapToLong(Exported::packets).sum();
        assertEquals(sent, total, "no packet lost or counted twice across active-timeout exports");
        assertTrue(active.get(0).packets() >= 59 && active.get(0).packets() <= 61, active.toString());
        assertTrue(active.get(1).first() > active.get(0).last(), "the second record starts after the first");
    }

    @Test
    void finAndRstEndTheFlowPromptly() {
        Recorder r = new Recorder();
        FlowCache c = cache(1000, r, FlowCache.FullPolicy.EVICT_OLDEST);
        c.expire(T0);
        c.update(Frames.tcp("10.0.0.1", "10.0.0.2", 1000, 80, 0x02, T0), T0);
        c.update(Frames.tcp("10.0.0.1", "10.0.0.2", 1000, 80, 0x11, T0 + S / 10), T0 + S / 10);
        c.update(Frames.tcp("10.0.0.5", "10.0.0.6", 1000, 80, 0x04, T0 + S / 10), T0 + S / 10);
        c.update(Frames.tcp("10.0.0.7", "10.0.0.8", 1000, 80, 0x18, T0 + S / 10), T0 + S / 10);
        runUntil(c, T0, T0 + S + S / 5);
        List<Exported> ended = r.with(FlowCache.REASON_END_OF_FLOW);
        assertEquals(2, ended.size(), "FIN and RST flows within one scan period, not at the inactive timeout");
        assertEquals(1, c.size());
        // a packet after FIN starts a new flow
        c.update(Frames.tcp("10.0.0.1", "10.0.0.2", 1000, 80, 0x10, T0 + 2 * S), T0 + 2 * S);
        assertEquals(2, c.size());
    }

    @Test
    void aFullCacheEvictsTheOldestOrDropsByPolicy() {
        Recorder r = new Recorder();
        FlowCache c = cache(100, r, FlowCache.FullPolicy.EVICT_OLDEST);
        for (int i = 0; i < 150; i++) {
            c.update(Frames.udp("10.0.0." + (i % 250), "10.1.0.1", 1000 + i, 53, 10, T0 + i), T0 + i);
        }
        assertEquals(100, c.size());
        assertEquals(50, c.evicted());
        assertEquals(50, r.with(FlowCache.REASON_LACK_OF_RESOURCES).size());
        // approximate LRU: every evicted flow is among the older ones
        assertTrue(r.out.stream().allMatch(e -> e.last() < T0 + 110), r.out.toString());
        c.flush();
        assertEquals(150, r.out.stream().mapToLong(Exported::packets).sum());

        Recorder d = new Recorder();
        FlowCache drop = cache(100, d, FlowCache.FullPolicy.DROP_NEW);
        for (int i = 0; i < 150; i++) {
            drop.update(Frames.udp("10.0.0.1", "10.1.0.1", 1000 + i, 53, 10, T0 + i), T0 + i);
        }
        assertEquals(50, drop.droppedFull());
        assertEquals(0, d.out.size());
    }

    @Test
    void topListsTheLargestFlowsByBytesLikeSortingAModel() {
        Recorder r = new Recorder();
        FlowCache c = new FlowCache(5000, FlowField.DEFAULT_MATCH, EnumSet.noneOf(FlowField.class), 3600 * S,
                3600 * S, S, FlowCache.FullPolicy.EVICT_OLDEST, r);
        assertEquals(0, c.top(5).length, "an empty cache has no top flows");
        SplittableRandom rnd = new SplittableRandom(5);
        Map<String, Long> bytes = new HashMap<>();
        long t = T0;
        for (int i = 0; i < 50_000; i++) {
            int flow = rnd.nextInt(3000);
            String src = "10." + (flow >> 8) + "." + (flow & 255) + ".1";
            int payload = rnd.nextInt(1400);
            boolean fin = rnd.nextInt(400) == 0; // ends the flow: frees its slot for reuse below
            c.update(Frames.tcp(src, "192.0.2.1", 1000 + flow, 80, fin ? 0x11 : 0x10, payload, t), t);
            bytes.merge(src, 40L + payload, Long::sum);
            if (fin) {
                c.expire(t += S); // examine the whole cache: the finished flow is exported and removed
                bytes.remove(src);
            }
            t += 1000;
        }
        List<Long> expected = bytes.values().stream().sorted(java.util.Comparator.reverseOrder()).limit(25).toList();
        int[] top = c.top(25);
        List<Long> got = new ArrayList<>();
        FlowTable flows = c.flows();
        for (int f : top) {
            got.add(flows.bytes(f));
            String src = PacketFormat.address(flows.srcHi(f), flows.srcLo(f), flows.ipVersion(f));
            assertEquals(bytes.get(src), flows.bytes(f), "the listed flow " + src + " has its own byte count");
        }
        assertEquals(expected, got);
        // the slice-by-slice pass (the agent's reports) gives the same list when nothing moves meanwhile
        for (int budget : new int[] {1, 7, 1000, 100_000}) {
            int[] stepped = null;
            int steps = 0;
            while (stepped == null) {
                stepped = c.topStep(25, budget);
                steps++;
            }
            assertArrayEquals(top, stepped, "budget " + budget);
            assertTrue(steps >= flows.highWater() / budget, "it went slice by slice: " + steps + " steps");
        }
        // a flow that grows during a pass ranks by what it had when the pass saw it; one added after its slice
        // waits for the next pass
        int[] first = null;
        int n = 0;
        while (first == null) {
            first = c.topStep(3, 500);
            if (n++ == 1) { // the first slice is behind: a new huge flow lands in a record already looked at or not
                c.update(Frames.tcp("10.99.99.1", "192.0.2.1", 9, 80, 0x10, 1400, t), t);
                for (int k = 0; k < 30; k++) {
                    c.update(Frames.tcp("10.99.99.1", "192.0.2.1", 9, 80, 0x10, 1400, t), t);
                }
            }
        }
        int[] second = null;
        while (second == null) {
            second = c.topStep(3, 500);
        }
        String big = PacketFormat.address(flows.srcHi(second[0]), flows.srcLo(second[0]), flows.ipVersion(second[0]));
        assertEquals("10.99.99.1", big, "the next pass has it first");
        assertEquals(c.size(), c.top(100_000).length, "asking for more than there are lists them all");
        assertThrows(IllegalArgumentException.class, () -> c.top(0));
        // 2^27 flows would overflow the records' array index (it was accepted, then failed to allocate)
        assertThrows(IllegalArgumentException.class, () -> cache(1 << 27, r, FlowCache.FullPolicy.DROP_NEW));
    }

    @Test
    void stagedBurstsAccountExactlyAsPacketByPacket() {
        // the plugin stages each burst and drains it at poll: the same records, in the same order, for the same
        // reasons as updating packet by packet (TCP ends, a full cache evicting, idle expiry, bursts past 32)
        Recorder one = new Recorder();
        Recorder burst = new Recorder();
        FlowCache a = cache(300, one, FlowCache.FullPolicy.EVICT_OLDEST);
        FlowCache b = cache(300, burst, FlowCache.FullPolicy.EVICT_OLDEST);
        SplittableRandom rnd = new SplittableRandom(23);
        long t = T0;
        a.expire(t);
        b.expire(t);
        int inBurst = 0;
        int burstSize = 1;
        for (int i = 0; i < 100_000; i++) {
            t += rnd.nextInt(400_000);
            int flow = rnd.nextInt(500);
            String src = "10.2." + (flow >> 8) + "." + (flow & 255);
            Packet p = rnd.nextBoolean()
                    ? Frames.tcp(src, "192.0.2.7", 2000 + flow, 443, rnd.nextInt(60) == 0 ? 0x04 : 0x18,
                    rnd.nextInt(1000), t)
                    : Frames.udp(src, "192.0.2.7", 3000 + flow % 11, 53, rnd.nextInt(500), t);
            a.update(p, t);
            b.stage(p, t);
            if (++inBurst == burstSize) {
                b.drain();
                inBurst = 0;
                burstSize = 1 + rnd.nextInt(40); // beyond 32: staging drains by itself
                if (rnd.nextInt(4) == 0) {
                    a.expire(t);
                    b.expire(t);
                }
            }
        }
        a.flush();
        b.flush();
        assertTrue(one.out.size() > 1000 && !one.with(FlowCache.REASON_LACK_OF_RESOURCES).isEmpty()
                && !one.with(FlowCache.REASON_END_OF_FLOW).isEmpty(), "ends, evictions: " + one.out.size());
        assertEquals(one.out, burst.out);
        assertEquals(a.created(), b.created());
    }

    @Test
    void randomWorkloadAgreesWithAHashMapModel() {
        Recorder r = new Recorder();
        FlowCache c = new FlowCache(5000, FlowField.DEFAULT_MATCH, EnumSet.noneOf(FlowField.class), 3600 * S,
                2 * S, S / 2, FlowCache.FullPolicy.EVICT_OLDEST, r);
        SplittableRandom rnd = new SplittableRandom(11);
        Map<String, Long> model = new HashMap<>();
        long t = T0;
        c.expire(t);
        for (int i = 0; i < 200_000; i++) {
            t += rnd.nextInt(200_000); // avg 100 us
            int flow = rnd.nextInt(4000);
            String src = "10." + (flow >> 8) + "." + (flow & 255) + ".1";
            Packet p = Frames.udp(src, "192.0.2.1", 1000 + flow % 7, 53, 10, t);
            c.update(p, t);
            model.merge("17 " + src + ":" + (1000 + flow % 7) + " > 192.0.2.1:53", 1L, Long::sum);
            if (i % 50 == 0) {
                c.expire(t);
            }
        }
        c.flush();
        assertEquals(model, r.packetsPerFlow(), "every packet in exactly one exported record of its flow");
        assertTrue(r.with(FlowCache.REASON_IDLE).size() > 100, "idle expiry and slot reuse were exercised");
    }

    /**
     * Flush exports every flow once, then leaves a cache that works as new: with few flows it removes them one by
     * one, with many it clears the index and the expiry lists whole; both paths, then the same flows again.
     */
    @ParameterizedTest(name = "{0} flows")
    @ValueSource(ints = {3, 700})
    void aFlushedCacheExportsEveryFlowOnceAndWorksAsNew(int flows) {
        Recorder r = new Recorder();
        FlowCache c = cache(1000, r, FlowCache.FullPolicy.EVICT_OLDEST);
        for (int round = 0; round < 2; round++) {
            long t = T0 + round * 100 * S;
            c.expire(t);
            for (int i = 0; i < flows; i++) {
                for (int k = 0; k <= round; k++) {
                    c.stage(Frames.udp("10.2." + (i >> 8) + "." + (i & 255), "192.0.2.1", 1000 + i, 53, 10, t), t);
                }
            }
            c.drain();
            assertEquals(flows, c.size());
            if (round == 0) {
                assertEquals(flows, c.flush());
                assertEquals(0, c.size());
                assertEquals(flows, r.with(FlowCache.REASON_FORCED).size());
                assertEquals(1L * flows, r.packetsPerFlow().values().stream().mapToLong(Long::longValue).sum());
            } else {
                runUntil(c, t, t + 20 * S); // 15 s idle timeout: the expiry lists were rebuilt after the flush
                assertEquals(0, c.size(), "every flow of the second round left by its idle timeout");
                assertEquals(flows, r.with(FlowCache.REASON_IDLE).size());
                assertTrue(r.with(FlowCache.REASON_IDLE).stream().allMatch(e -> e.packets() == 2),
                        "the second round's flows counted from zero");
            }
        }
        assertEquals(2L * flows, c.created());
    }

    /**
     * A small, crowded cache (64 flows, 300 conversations, IPv4 and IPv6) with FIN/RST ends, evictions and idle
     * expiry: index entries are removed and shifted back all the time. Every packet must end up in exactly one
     * export of its flow, and without a flush every flow must still leave by its idle timeout (a flow lost from the
     * index or from the expiry lists would stay in the cache forever). With hash mask 3, every key has one of four
     * hashes, so flows are told apart only by comparing their keys, word by word.
     */
    @ParameterizedTest(name = "hash mask {0}")
    @ValueSource(ints = {-1, 0x3})
    void aCrowdedCacheLosesNoPacketAndNoFlow(int hashMask) {
        Recorder r = new Recorder();
        FlowCache c = Crowd.cache(r, hashMask);
        Crowd crowd = new Crowd(23);
        c.expire(crowd.t);
        for (int i = 0; i < 50_000; i++) {
            c.stage(crowd.next(), crowd.t);
            if (i % 7 == 0) {
                c.drain();
            }
            if (i % 20 == 0) {
                c.expire(crowd.t);
            }
        }
        c.drain();
        assertTrue(c.size() > 0);
        runUntil(c, crowd.t, crowd.t + 4 * S);
        assertEquals(0, c.size(), "every flow left by its idle timeout, none was lost from the expiry lists");
        assertEquals(crowd.model, r.packetsPerFlow(), "every packet in exactly one exported record of its flow");
        assertEquals(300, crowd.model.size());
        assertTrue(c.evicted() > 100, "evictions: " + c.evicted());
        assertTrue(r.with(FlowCache.REASON_END_OF_FLOW).size() > 100, "FIN/RST ends");
        assertTrue(r.with(FlowCache.REASON_IDLE).size() > 0, "idle ends");
        assertEquals(0, r.with(FlowCache.REASON_FORCED).size());
    }

    @Test
    void timeoutsFireNeitherEarlyNorLaterThanOnePeriodAndSurviveTimeJumps() {
        // a model of every flow's last packet and active start; each export is checked against it at the time
        // the cache made it: never before the timeout, at most one period (+ the poll step) after it
        long active = 20 * S;
        long inactive = 7 * S;
        long period = S / 2;
        long step = S / 10;
        Map<String, long[]> model = new HashMap<>(); // key -> {last, activeStart, packets}
        long[] now = new long[1];
        long[] gap = {Long.MIN_VALUE, Long.MIN_VALUE}; // the time before the jump, the first tick after it
        List<String> problems = new ArrayList<>();
        int[] byReason = new int[6];
        FlowCache.Sink sink = (c, f, reason) -> {
            String key = PacketFormat.address(c.srcHi(f), c.srcLo(f), c.ipVersion(f)) + ":" + c.srcPort(f);
            long[] m = model.get(key);
            byReason[reason]++;
            if (m == null) {
                problems.add("unknown flow exported: " + key);
                return;
            }
            long due = reason == FlowCache.REASON_IDLE ? m[0] + inactive : m[1] + active;
            if (reason == FlowCache.REASON_IDLE || reason == FlowCache.REASON_ACTIVE) {
                boolean acrossGap = now[0] == gap[1] && due <= gap[1]; // due during the jump: exported right after
                if (now[0] < due || (now[0] > due + period + step && !acrossGap)) {
                    problems.add(key + " reason " + reason + " at " + (now[0] - T0) + " due " + (due - T0));
                }
            }
            if (c.packets(f) != m[2]) {
                problems.add(key + " exported " + c.packets(f) + " packets, model " + m[2]);
            }
            if (reason == FlowCache.REASON_ACTIVE) {
                m[1] = now[0];
                m[2] = 0;
            } else {
                model.remove(key);
            }
        };
        FlowCache c = new FlowCache(10_000, FlowField.DEFAULT_MATCH, EnumSet.noneOf(FlowField.class), active,
                inactive, period, FlowCache.FullPolicy.EVICT_OLDEST, sink);
        SplittableRandom rnd = new SplittableRandom(31);
        long t = T0;
        now[0] = t;
        c.expire(t);
        for (int tick = 0; tick < 3000; tick++) {
            if (tick == 1500) {
                gap[0] = t;
                t += 10 * 3600 * S; // a gap of ten hours in the capture: far beyond the wheel
                gap[1] = t + step;
            }
            t += step;
            int packets = rnd.nextInt(30);
            for (int i = 0; i < packets; i++) {
                int flow = rnd.nextInt(tick < 1000 ? 300 : 2000);
                String src = "10.9." + (flow >> 8) + "." + (flow & 255);
                boolean fin = rnd.nextInt(500) == 0; // a one-packet TCP flow that ends at once
                Packet p = fin ? Frames.tcp(src, "192.0.2.9", 8, 80, 0x11, t)
                        : Frames.udp(src, "192.0.2.9", 7, 53, 10, t);
                String key = src + (fin ? ":8" : ":7");
                long[] m = model.computeIfAbsent(key, k -> new long[] {0, 0, 0});
                if (m[2] == 0 && m[0] == 0) {
                    m[1] = t;
                } else if (m[2] == 0) {
                    // counted nothing since its active-timeout export: the cache drops such a flow, without a
                    // record, once the slot of its idle deadline has been examined; this packet then starts anew
                    long idleSlotEnd = (Math.floorDiv(m[0] + inactive - 1, period) + 1) * period;
                    if (now[0] >= idleSlotEnd) {
                        m[1] = t;
                    }
                }
                m[0] = t;
                m[2]++;
                c.update(p, t);
            }
            now[0] = t;
            c.expire(t);
        }
        now[0] = t;
        c.flush();
        assertTrue(problems.isEmpty(), problems.size() + " problems, first: " + problems.subList(0,
                Math.min(5, problems.size())));
        assertTrue(byReason[FlowCache.REASON_IDLE] > 500 && byReason[FlowCache.REASON_ACTIVE] > 50
                && byReason[FlowCache.REASON_END_OF_FLOW] > 10, java.util.Arrays.toString(byReason));
        model.values().removeIf(m -> m[2] == 0); // nothing counted since an active export: no record due
        assertTrue(model.isEmpty(), model.size() + " flows never exported");
    }

    @Test
    void matchFieldsDecideTheKeyAndCollectFieldsAreKept() {
        Recorder r = new Recorder();
        FlowCache c = new FlowCache(100, EnumSet.of(FlowField.SRC_ADDR, FlowField.DST_ADDR, FlowField.PROTOCOL),
                EnumSet.of(FlowField.VLAN, FlowField.SRC_MAC), 60 * S, 60 * S, S, FlowCache.FullPolicy.DROP_NEW,
                r);
        FrameBuilder b = FrameBuilder.udp("10.0.0.1", "10.0.0.2", 1, 2).vlans(42);
        b.srcMac = 0x0200_0000_00abL;
        c.update(Frames.parse(b.build(), T0), T0);
        c.update(Frames.udp("10.0.0.1", "10.0.0.2", 3, 4, 10, T0 + 1), T0 + 1); // other ports: same flow
        assertEquals(1, c.size());
        c.flush();
        assertEquals(2, r.out.get(0).packets());
        assertEquals(42, r.out.get(0).vlan(), "collected from the first packet");
        assertEquals(0x0200_0000_00abL, r.out.get(0).srcMac());
        assertEquals(0, r.out.get(0).flags());
        assertThrows(IllegalArgumentException.class, () -> FlowField.parse("colour"));
    }

    @Test
    void fieldsByTheirIanaNames() {
        assertEquals(FlowField.SRC_ADDR, FlowField.parse("sourceIPv4Address"));
        assertEquals(FlowField.SRC_ADDR, FlowField.parse("sourceIPv6Address"));
        assertEquals(FlowField.DST_PORT, FlowField.parse("destinationTransportPort"));
        assertEquals(FlowField.TOS, FlowField.parse("ipClassOfService"));
        assertEquals(FlowField.INPUT_INTERFACE, FlowField.parse("ingressInterface"));
        assertEquals(FlowField.VLAN, FlowField.parse("VLANID"));
        assertEquals(FlowField.OBSERVATION_POINT, FlowField.parse("observationPointId"));
        assertEquals(FlowField.SRC_PORT, FlowField.parse("src_port"), "SecMon's own names still work");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FlowField.parse("sourceIPv4Adress"));
        assertTrue(e.getMessage().contains("IANA element names"), e.getMessage());
    }
}
