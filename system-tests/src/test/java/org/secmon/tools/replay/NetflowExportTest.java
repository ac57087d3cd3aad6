package org.secmon.tools.replay;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.secmon.testkit.CaptureWriter;
import org.secmon.testkit.Nfcapd;
import org.secmon.testkit.Ports;
import org.secmon.testkit.Tools;
import org.secmon.testkit.TrafficGenerator;
import org.secmon.testkit.UdpCapture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code secmon replay --netflow/--ipfix} against a real nfcapd: every flow of a generated capture (IPv4, IPv6 with
 * extension headers, VLAN and QinQ, TCP with SYN..FIN, UDP, ICMP, ICMPv6, SCTP, IPv4 options, later fragments,
 * non-IP and malformed frames) must come out of nfdump with the packets, bytes and TCP flags computed from the
 * generator, with no sequence errors; and tshark must decode every export packet without a warning.
 */
class NetflowExportTest {
    static final Path PLUGINS = Path.of("target/plugins");

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"netflow", "ipfix", "netflow --ring", "ipfix --cache-thread", "netflow --queues",
        "ipfix --queues", "ipfix --queues --cache-thread"})
    void nfdumpAndTsharkDecodeEveryFlow(String variant) throws Exception {
        String format = variant.split(" ")[0];
        boolean ring = variant.endsWith("--ring"); // the plugin on its own thread: the same flows
        boolean cacheThread = variant.endsWith("--cache-thread"); // the cache on its own thread: the same flows
        // two rx queues, a NetFlow instance (cache, exporter) each, one socket and sequence: the same flows, each in
        // one record (its packets all on one queue), and nfdump sees one exporter without a sequence failure
        boolean queues = variant.contains("--queues");
        Path tshark = Tools.require("tshark");
        Path pcap = dir.resolve("in.pcapng");
        TrafficGenerator.Expected exp = TrafficGenerator.generate(pcap, 3000, 12, 42, true,
                CaptureWriter.Format.PCAPNG_LE);
        ReplayCommand.Summary r;
        Path file;
        int copyPort;
        try (UdpCapture copy = new UdpCapture(); Nfcapd nfcapd = new Nfcapd(dir.resolve("flows"), copy.port)) {
            copyPort = copy.port;
            List<String> args = new ArrayList<>(List.of("--pcap", pcap.toString(), "--" + format, "127.0.0.1:"
                    + nfcapd.port, "--plugins", PLUGINS.toString(), "--no-count"));
            if (ring) {
                args.add("--ring");
            }
            if (cacheThread) {
                args.add("--cache-thread");
            }
            if (queues) {
                args.addAll(List.of("--queues", "2"));
            }
            r = ReplayCommand.replay(args.toArray(String[]::new));
            assertEquals(0, r.exitCode(), r.out() + r.err());
            assertEquals(queues ? 2 : 1, r.plugin("netflow").instances(), r.out());
            assertEquals(ring ? "RING" : "DIRECT", r.plugin("netflow").mode(), r.out());
            assertEquals(cacheThread, r.plugin("netflow").counters().containsKey("cache_thread_full_waits"), r.out());
            long sent = r.plugin("netflow").collectorCounter("datagrams");
            assertEquals(sent, copy.await((int) sent, 10_000), "datagrams repeated by nfcapd");
            copy.writePcap(dir.resolve("export.pcap")); // the export only, before drain's barrier datagram
            nfcapd.drain(copy);
            file = nfcapd.stop();
            assertEquals(0, r.counter("netflow", "records_lost"));
            assertEquals(0, r.plugin("netflow").collectorCounter("errors"));
        }

        // nfdump: the same flows, packets, bytes and flags as computed from the generator
        Map<String, Nfcapd.Flow> got = Nfcapd.flows(file);
        Map<String, long[]> want = new HashMap<>();
        for (Map.Entry<String, long[]> e : exp.flows().entrySet()) {
            want.put(canonicalKey(e.getKey(), e.getValue()[4]), e.getValue());
        }
        List<String> problems = new ArrayList<>();
        for (String k : new TreeSet<>(want.keySet())) {
            long[] w = want.get(k);
            Nfcapd.Flow g = got.get(k);
            if (g == null) {
                problems.add("missing " + k);
            } else if (g.packets() != w[0] || g.bytes() != w[2] || g.tcpFlags() != (int) w[3]) {
                problems.add(k + ": nfdump " + g + ", expected packets=" + w[0] + " bytes=" + w[2] + " flags="
                        + w[3]);
            }
        }
        for (String k : got.keySet()) {
            if (!want.containsKey(k)) {
                problems.add("unexpected " + k + " " + got.get(k));
            }
        }
        if (!problems.isEmpty()) {
            fail(problems.size() + " of " + want.size() + " flows differ, e.g. "
                    + problems.subList(0, Math.min(8, problems.size())));
        }
        Map<String, String> stats = Nfcapd.stats(file);
        assertEquals("0", stats.get("Sequence failures"), stats.toString());
        assertEquals(Long.toString(want.size()), stats.get("Flows"));
        assertEquals(want.size(), r.counter("netflow", "records_exported"));

        // tshark: every export packet decodes, no malformed packet, no missing template, all records seen
        List<String> lines = Nfcapd.run(List.of(tshark.toString(), "-r", dir.resolve("export.pcap").toString(),
                "-d", "udp.port==" + copyPort + ",cflow", "-T", "fields", "-E", "separator=/t",
                "-e", "frame.number", "-e", "cflow.version", "-e", "cflow.packets", "-e", "_ws.expert.message",
                "-e", "_ws.malformed"));
        long packets = 0;
        int frames = 0;
        for (String line : lines) {
            String[] f = line.split("\t", -1);
            frames++;
            assertEquals(format.equals("ipfix") ? "10" : "9", f[1], "frame " + line);
            if (f.length > 3 && !f[3].isEmpty()) {
                fail("tshark warns on frame " + f[0] + ": " + f[3]);
            }
            if (f.length > 4 && !f[4].isEmpty()) {
                fail("tshark: malformed frame " + f[0]);
            }
            for (String n : f[2].split(",")) {
                if (!n.isEmpty()) {
                    packets += Long.parseLong(n);
                }
            }
        }
        assertTrue(frames > 10, "export packets: " + frames);
        long wantPackets = want.values().stream().mapToLong(v -> v[0]).sum();
        assertEquals(wantPackets, packets, "packets in all records decoded by tshark");
    }

    /** Generator key with addresses in Java's canonical form, ICMP type/code in the destination port. */
    static String canonicalKey(String k, long icmp) throws Exception {
        String[] f = k.split("\\|");
        boolean isIcmp = f[1].equals("1") || f[1].equals("58");
        return f[0] + "|" + f[1] + "|" + Nfcapd.canonical(f[2]) + "|" + f[3] + "|" + Nfcapd.canonical(f[4]) + "|"
                + (isIcmp ? icmp : f[5]);
    }

    /**
     * Pacing: the export of a capture with many flows is held to the configured rate — it cannot take less time
     * than its bytes at that rate (minus the allowed burst) — and nothing is lost on the way.
     */
    @org.junit.jupiter.api.Test
    void pacingHoldsTheExportToItsRateAndLosesNothing() throws Exception {
        Path pcap = dir.resolve("many.pcap");
        TrafficGenerator.generate(pcap, 4000, 3, 9, false, CaptureWriter.Format.PCAP_LE_MICROS);
        long kbps = 800; // 100,000 bytes/s
        try (UdpCapture cap = new UdpCapture()) {
            long t0 = System.nanoTime();
            ReplayCommand.Summary r = ReplayCommand.replay("--pcap", pcap.toString(), "--netflow", "127.0.0.1:" + cap.port,
                    "--pacing", Long.toString(kbps), "--plugins", PLUGINS.toString(), "--no-count");
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertEquals(0, r.exitCode(), r.out() + r.err());
            long datagrams = r.plugin("netflow").collectorCounter("datagrams");
            long bytes = r.plugin("netflow").collectorCounter("bytes");
            long paced = r.plugin("netflow").collectorCounter("paced");
            assertEquals(0, r.plugin("netflow").collectorCounter("errors"), r.out());
            assertEquals(datagrams, cap.await((int) datagrams, 20_000), "every datagram arrived");
            assertTrue(paced > 0, "datagrams waited for the rate: " + r.out());
            double minimum = (bytes - 4 * 1400) / (kbps * 1000 / 8.0); // the bucket lets a 4-datagram burst through
            assertTrue(seconds >= minimum * 0.95, String.format(java.util.Locale.ROOT,
                    "%d bytes at %d kbit/s need at least %.2f s, took %.2f s", bytes, kbps, minimum, seconds));
        }
    }

    @org.junit.jupiter.api.Test
    void anUnreachableCollectorIsReportedAndTheExitStatusSaysSo() throws Exception {
        Path pcap = dir.resolve("small.pcap");
        TrafficGenerator.generate(pcap, 200, 6, 3, false, CaptureWriter.Format.PCAP_LE_MICROS);
        int closed = Ports.freeUdp(); // nothing listens: the kernel answers ICMP port unreachable
        ReplayCommand.Summary r = ReplayCommand.replay("--pcap", pcap.toString(), "--netflow", "127.0.0.1:" + closed, "--plugins",
                PLUGINS.toString(), "--no-count");
        assertEquals(4, r.exitCode(), r.out() + r.err());
        assertTrue(r.err().contains("export records were not delivered"), r.err());
        long exported = r.counter("netflow", "records_exported");
        long lost = r.counter("netflow", "records_lost");
        long none = r.counter("netflow", "records_no_collector");
        assertEquals(r.counter("netflow", "flows_created"), exported + lost + none, "every flow accounted for once");
        assertTrue(lost + none > 0);

        ReplayCommand.Summary bad = ReplayCommand.replay("--pcap", pcap.toString(), "--netflow", "127.0.0.1:70000", "--plugins", PLUGINS.toString());
        assertEquals(2, bad.exitCode());
        assertTrue(bad.err().contains("port must be 1..65535"), bad.err());
    }
}
