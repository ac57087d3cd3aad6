package org.secmon.tools.replay;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.secmon.testkit.CaptureWriter;
import org.secmon.testkit.FrameBuilder;
import org.secmon.testkit.Nfcapd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * NetFlow on two rx queues with conversations in both directions, exported to a set of two nfcapd collectors
 * balanced round robin: both directions of every conversation are accounted on one queue (each direction comes out
 * as one record, never split over two caches), and they reach the same collector — the session stickiness of the
 * load balancer holds across queues because a conversation never spans two (each queue balances its own sessions).
 * Neither collector counts a sequence failure.
 */
class MultiQueueNetflowTest {
    private static final int CONVERSATIONS = 600;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"netflow", "ipfix"})
    void bothDirectionsOnOneQueueAndOneCollector(String format) throws Exception {
        Path pcap = dir.resolve("conversations.pcap");
        Map<String, long[]> want = writeConversations(pcap);
        ReplayCommand.Summary r;
        Path fileA;
        Path fileB;
        try (Nfcapd a = new Nfcapd(dir.resolve("a"), 0); Nfcapd b = new Nfcapd(dir.resolve("b"), 0)) {
            r = ReplayCommand.replay(new String[] {"--pcap", pcap.toString(), "--" + format, "127.0.0.1:" + a.port,
                "--" + format, "127.0.0.1:" + b.port, "--lb", "round_robin", "--queues", "2", "--plugins",
                NetflowExportTest.PLUGINS.toString(), "--no-count"});
            assertEquals(0, r.exitCode(), r.out() + r.err());
            Thread.sleep(500); // loopback: what was sent is in nfcapd's socket buffer; let it read before SIGTERM
            fileA = a.stop();
            fileB = b.stop();
        }
        assertEquals(2, r.plugin("netflow").instances(), r.out());
        long total = r.queuePackets().stream().mapToLong(Long::longValue).sum();
        assertEquals(r.packets(), total, r.out());
        for (long q : r.queuePackets()) {
            assertTrue(q > total / 4, "both queues carry a fair share of the conversations: " + r.queuePackets());
        }

        Map<String, Nfcapd.Flow> atA = Nfcapd.flows(fileA);
        Map<String, Nfcapd.Flow> atB = Nfcapd.flows(fileB);
        assertTrue(atA.size() > CONVERSATIONS / 2 && atB.size() > CONVERSATIONS / 2,
                "round robin used both collectors: " + atA.size() + " / " + atB.size());
        List<String> problems = new ArrayList<>();
        Map<String, Nfcapd.Flow> all = new HashMap<>();
        for (Map<String, Nfcapd.Flow> m : List.of(atA, atB)) {
            for (Map.Entry<String, Nfcapd.Flow> e : m.entrySet()) {
                if (all.put(e.getKey(), e.getValue()) != null) {
                    problems.add("at both collectors: " + e.getKey());
                }
            }
        }
        for (Map.Entry<String, long[]> e : want.entrySet()) {
            Nfcapd.Flow g = all.get(e.getKey());
            if (g == null) {
                problems.add("missing " + e.getKey());
            } else if (g.records() != 1 || g.packets() != e.getValue()[0] || g.bytes() != e.getValue()[1]) {
                problems.add(e.getKey() + ": " + g + ", expected one record of " + e.getValue()[0] + " packets, "
                        + e.getValue()[1] + " bytes");
            }
        }
        assertEquals(want.size(), all.size(), "records: " + all.size());
        for (int c = 0; c < CONVERSATIONS; c++) {
            String fwd = key(c, true);
            String rev = key(c, false);
            if (!want.containsKey(rev)) {
                continue; // every packet of this one went forward
            }
            boolean fwdAtA = atA.containsKey(fwd);
            if (fwdAtA != atA.containsKey(rev)) {
                problems.add("conversation " + c + ": its two directions at two collectors");
            }
        }
        if (!problems.isEmpty()) {
            fail(problems.size() + " problems, e.g. " + problems.subList(0, Math.min(8, problems.size())));
        }
        for (Path f : List.of(fileA, fileB)) {
            Map<String, String> stats = Nfcapd.stats(f);
            assertEquals("0", stats.get("Sequence failures"), f + ": " + stats);
        }
    }

    /** Client address and port of conversation {@code c} (UDP and TCP alternate). */
    private static String key(int c, boolean forward) {
        String client = "10.1." + (c / 200) + "." + (c % 200 + 1);
        String server = "192.0.2." + (c % 50 + 1);
        int cport = 20_000 + c;
        int sport = c % 2 == 0 ? 443 : 53;
        int proto = c % 2 == 0 ? 6 : 17;
        return forward ? "4|" + proto + "|" + client + "|" + cport + "|" + server + "|" + sport
                : "4|" + proto + "|" + server + "|" + sport + "|" + client + "|" + cport;
    }

    /**
     * Conversations whose packets go both ways, interleaved with the others' (the order a mirror sees them in);
     * returns key -> {packets, IP bytes} per direction.
     */
    private static Map<String, long[]> writeConversations(Path pcap) throws Exception {
        Random rnd = new Random(7);
        Map<String, long[]> want = new HashMap<>();
        List<byte[]> frames = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        for (int c = 0; c < CONVERSATIONS; c++) {
            String client = "10.1." + (c / 200) + "." + (c % 200 + 1);
            String server = "192.0.2." + (c % 50 + 1);
            int cport = 20_000 + c;
            int sport = c % 2 == 0 ? 443 : 53;
            int n = 2 + rnd.nextInt(10);
            for (int i = 0; i < n; i++) {
                boolean forward = i % 2 == 0 || rnd.nextInt(4) == 0;
                FrameBuilder fb = c % 2 == 0
                        ? FrameBuilder.tcp(forward ? client : server, forward ? server : client,
                        forward ? cport : sport, forward ? sport : cport).flags(0x18)
                        : FrameBuilder.udp(forward ? client : server, forward ? server : client,
                        forward ? cport : sport, forward ? sport : cport);
                fb.payload(rnd.nextInt(300));
                byte[] frame = fb.build();
                frames.add(frame);
                String k = key(c, forward);
                keys.add(k);
                long[] w = want.computeIfAbsent(k, x -> new long[2]);
                w[0]++;
                w[1] += fb.lastIpLength;
            }
        }
        // interleave: shuffle the frames but keep each conversation's own order (a stable shuffle by random keys)
        Integer[] order = new Integer[frames.size()];
        double[] at = new double[frames.size()];
        Map<String, Double> lastAt = new HashMap<>();
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
            String conv = keys.get(i).compareTo(reverse(keys.get(i))) < 0 ? keys.get(i) : reverse(keys.get(i));
            double t = lastAt.getOrDefault(conv, 0.0) + rnd.nextDouble();
            lastAt.put(conv, t);
            at[i] = t;
        }
        java.util.Arrays.sort(order, java.util.Comparator.comparingDouble(i -> at[i]));
        long ts = 1_700_000_000_000_000_000L;
        try (CaptureWriter w = new CaptureWriter(pcap, CaptureWriter.Format.PCAP_LE_NANOS, 65535)) {
            for (int i : order) {
                ts += 10_000;
                w.write(frames.get(i), ts);
            }
        }
        return want;
    }

    private static String reverse(String key) {
        String[] f = key.split("\\|");
        return f[0] + "|" + f[1] + "|" + f[4] + "|" + f[5] + "|" + f[2] + "|" + f[3];
    }
}
