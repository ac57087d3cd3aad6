package org.secmon.tools.bench;

import java.io.PrintStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.secmon.dataplane.dpdk.DpdkSource;
import org.secmon.dataplane.parse.PacketParser;
import org.secmon.dataplane.parse.ParsedPacket;
import org.secmon.dataplane.source.Burst;
import org.secmon.plugin.CounterNames;
import org.secmon.plugins.netflow.cache.FlowCache;
import org.secmon.plugins.netflow.cache.FlowField;
import org.secmon.plugins.netflow.cache.FlowPipe;
import org.secmon.plugins.netflow.codec.FlowExporter;
import org.secmon.tools.replay.ReplayCommand;
import org.secmon.transport.Collector;
import org.secmon.transport.CollectorSet;
import org.secmon.transport.CollectorType;
import org.secmon.transport.LoadBalancer;
import org.secmon.transport.UdpSender;

/**
 * The NetFlow lines of {@code secmon bench}: the same capture through {@code secmon replay --netflow}, softflowd
 * ({@code -r}) and pmacctd (nfprobe plugin, NetFlow v9), each exporting to a UDP sink on loopback; plus the flow
 * cache and exporter behind DPDK's in-memory vdev. External tools that are not installed are reported as such.
 */
final class NetflowBench implements AutoCloseable {
    private final DatagramSocket sink;
    private final PrintStream out;

    NetflowBench(PrintStream out) throws Exception {
        this.out = out;
        // a bound socket nobody reads: datagrams are dropped by the kernel quietly (no ICMP, no back-pressure)
        sink = new DatagramSocket(0, InetAddress.getLoopbackAddress());
    }

    int port() {
        return sink.getLocalPort();
    }

    /**
     * {@code secmon replay --pcap capture --netflow 127.0.0.1:sink [--cache-thread]}, in this JVM, timed by replay
     * itself.
     */
    BenchCommand.Result replay(Path capture, int maxFlows, boolean cacheThread) {
        return replay(capture, maxFlows, cacheThread, null);
    }

    /**
     * A replay with {@code ingest} (e.g. {@code --decap auto --dedup 50}) added to its arguments, named after them;
     * null: the plain replay's name.
     */
    BenchCommand.Result replay(Path capture, int maxFlows, boolean cacheThread, String ingest) {
        return replay(capture, maxFlows, cacheThread, ingest, 1);
    }

    /** {@code secmon replay --netflow --queues N}: N rx threads reading the file, flows placed by a symmetric hash. */
    BenchCommand.Result replayQueues(Path capture, int maxFlows, int queues) {
        return replay(capture, maxFlows, false, null, queues);
    }

    private BenchCommand.Result replay(Path capture, int maxFlows, boolean cacheThread, String ingest, int queues) {
        List<String> args = new java.util.ArrayList<>(List.of("--pcap", capture.toString(), "--netflow",
            "127.0.0.1:" + port(), "--no-count", "--max-flows", Integer.toString(maxFlows), "--queues",
            Integer.toString(queues)));
        if (cacheThread) {
            args.add("--cache-thread");
        }
        if (ingest != null) {
            args.addAll(List.of(ingest.split(" ")));
        }
        ReplayCommand.Summary r = ReplayCommand.replay(args.toArray(String[]::new));
        if (r.exitCode() != 0) {
            throw new IllegalStateException("replay failed (" + r.exitCode() + "): " + r.out() + r.err());
        }
        long packets = r.packets();
        double secs = r.elapsedSeconds();
        out.printf(Locale.ROOT, "  secmon replay%s: %,d records exported%n", cacheThread ? " --cache-thread" : "",
                r.counter("netflow", CounterNames.RECORDS_EXPORTED));
        if (ingest != null) {
            if (r.packets() + r.skipped() + r.malformed() + r.duplicates() != r.records() || r.malformed() != 0) {
                throw new IllegalStateException("replay " + ingest + " did not take every packet in: " + r.out());
            }
            // the rate the capture was taken in at: every packet read, the duplicates dropped included (the --quick
            // capture repeats each flow's frame every 20 ms, inside the window: most are dropped there, rightly)
            return new BenchCommand.Result("secmon replay --netflow " + (cacheThread ? "--cache-thread " : "")
                    + ingest + " (ERSPAN II capture)", r.records(), secs);
        }
        if (queues > 1) {
            return new BenchCommand.Result("secmon replay --netflow --queues " + queues + " (software placement)",
                    packets, secs);
        }
        return new BenchCommand.Result(cacheThread ? "secmon replay --netflow --cache-thread (rx + cache thread)"
                : "secmon replay --netflow (pcap file, 1 rx thread)", packets, secs);
    }

    /**
     * {@code secmon replay --ipfix} of the metadata capture ({@link BenchCapture#ensureMeta}), with every metadata
     * field ({@code --metadata all}, room for every flow's) or without. With metadata, checks that every flow that
     * opened with a ClientHello, a request or a query got its record.
     */
    BenchCommand.Result replayMeta(Path capture, int maxFlows, int flows, boolean metadata) {
        // IPFIX: what metadata is read with (variable-length strings; NetFlow v9 pads each to its fixed length)
        List<String> args = new java.util.ArrayList<>(List.of("--pcap", capture.toString(), "--ipfix",
            "127.0.0.1:" + port(), "--no-count", "--max-flows", Integer.toString(maxFlows)));
        if (metadata) {
            args.addAll(List.of("--metadata", "all", "--metadata-flows", Integer.toString(flows)));
        }
        ReplayCommand.Summary r = ReplayCommand.replay(args.toArray(String[]::new));
        if (r.exitCode() != 0) {
            throw new IllegalStateException("replay failed (" + r.exitCode() + "): " + r.out() + r.err());
        }
        if (metadata) {
            long got = r.counter("netflow", "metadata_flows");
            long want = flows - flows / 4; // every flow but those to port 8080
            if (got < want) {
                throw new IllegalStateException("metadata for " + got + " flows, expected " + want + ": " + r.out());
            }
            out.printf(Locale.ROOT, "  secmon replay --metadata all: metadata for %,d flows (%,d TLS, %,d HTTP, %,d"
                    + " DNS)%n", got, r.counter("netflow", "metadata_tls_hellos"), r.counter("netflow",
                    "metadata_http_requests"), r.counter("netflow", "metadata_dns_messages"));
        }
        return new BenchCommand.Result("secmon replay --ipfix" + (metadata ? " --metadata all" : "")
                + " (flows open with TLS/HTTP/DNS)", r.packets(), r.elapsedSeconds());
    }

    /**
     * nfdump's own pcap-to-flows tool: {@code nfpcapd -r} writes nfcapd files (it has no NetFlow export to time
     * against ours, so this is its whole job: the flow cache and its own file output); a node cache of
     * {@code maxFlows}, timeouts as the others'.
     */
    BenchCommand.Result nfpcapd(Path capture, long packets, Path dir, int maxFlows) throws Exception {
        if (!Files.isExecutable(Path.of("/usr/bin/nfpcapd"))) {
            out.println("  nfpcapd not installed (nfdump): skipped");
            return null;
        }
        Path flows = Files.createDirectories(dir.resolve("nfpcapd-out"));
        try {
            double secs = timedProcess(nfpcapdCommand(capture, flows, maxFlows), null);
            return new BenchCommand.Result("nfpcapd -r (nfdump 1.7, flows to nfcapd files)", packets, secs);
        } finally {
            deleteTree(flows);
        }
    }

    static List<String> nfpcapdCommand(Path capture, Path flows, int maxFlows) {
        return List.of("/usr/bin/nfpcapd", "-r", capture.toString(), "-w", flows.toString(), "-B",
                Integer.toString(maxFlows), "-e", "60,120");
    }

    static void deleteTree(Path dir) throws java.io.IOException {
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** One whole process timed by GNU time: wall seconds and peak resident memory. */
    record Cold(String name, double seconds, long maxRssKb) {
    }

    /**
     * Cold processes, each as a user starts it: {@code ./secmon replay} (a fresh JVM with its AOT cache; the first
     * run after a build records the cache and is not counted), {@code nfpcapd -r}, {@code softflowd -r}. Wall time
     * and peak RSS from {@code /usr/bin/time}.
     */
    List<Cold> cold(Path capture, Path dir, int maxFlows, int queues) throws Exception {
        List<Cold> out = new ArrayList<>();
        Path time = Path.of("/usr/bin/time");
        String home = System.getProperty("secmon.home");
        if (!Files.isExecutable(time) || home == null) {
            this.out.println("  cold processes: " + (home == null ? "not started by ./secmon" : "/usr/bin/time"
                    + " missing (Debian package time)") + ": skipped");
            return out;
        }
        List<String> replay = new ArrayList<>(List.of(home + "/secmon", "replay", "--pcap", capture.toString(),
                "--netflow", "127.0.0.1:" + port(), "--no-count", "--max-flows", Integer.toString(maxFlows)));
        timedCold("warm-up", replay, dir); // records the AOT cache once after a build
        out.add(timedCold("./secmon replay --netflow (cold JVM, AOT cache)", replay, dir));
        List<String> threaded = new ArrayList<>(replay);
        threaded.add("--cache-thread");
        out.add(timedCold("./secmon replay --netflow --cache-thread", threaded, dir));
        if (queues > 1) {
            List<String> q = new ArrayList<>(replay);
            q.addAll(List.of("--queues", Integer.toString(queues)));
            out.add(timedCold("./secmon replay --netflow --queues " + queues, q, dir));
        }
        if (Files.isExecutable(Path.of("/usr/bin/nfpcapd"))) {
            Path flows = Files.createDirectories(dir.resolve("nfpcapd-cold"));
            try {
                out.add(timedCold("nfpcapd -r (to nfcapd files)", nfpcapdCommand(capture, flows, maxFlows), dir));
            } finally {
                deleteTree(flows);
            }
        }
        if (Files.isExecutable(Path.of("/usr/sbin/softflowd"))) {
            out.add(timedCold("softflowd -r (NetFlow v9)", List.of("/usr/sbin/softflowd", "-r", capture.toString(),
                    "-n", "127.0.0.1:" + port(), "-v", "9", "-D", "-m", Integer.toString(maxFlows), "-t",
                    "maxlife=60", "-t", "general=120"), dir));
        }
        return out;
    }

    private Cold timedCold(String name, List<String> cmd, Path dir) throws Exception {
        Path report = dir.resolve("time.out");
        List<String> full = new ArrayList<>(List.of("/usr/bin/time", "-f", "%e %M", "-o", report.toString()));
        full.addAll(cmd);
        timedProcess(full, null);
        String[] f = Files.readString(report).trim().split("\\s+");
        Files.deleteIfExists(report);
        return new Cold(name, Double.parseDouble(f[f.length - 2]), Long.parseLong(f[f.length - 1]));
    }

    static void printCold(PrintStream out, List<Cold> cs, long packets) {
        out.printf(Locale.ROOT, "%-52s %9s %9s %12s%n", "cold process (whole run, " + String.format(Locale.ROOT,
                "%,d", packets) + " packets)", "wall s", "Mpps", "peak RSS MB");
        for (Cold c : cs) {
            out.printf(Locale.ROOT, "%-52s %9.2f %9.2f %12d%n", c.name(), c.seconds(), packets / c.seconds() / 1e6,
                    c.maxRssKb() / 1024);
        }
    }

    /** softflowd -r: the whole run, including its start and its final flush. */
    BenchCommand.Result softflowd(Path capture, long packets) throws Exception {
        if (!Files.isExecutable(Path.of("/usr/sbin/softflowd"))) {
            out.println("  softflowd not installed (./secmon deps): skipped");
            return null;
        }
        double secs = timedProcess(List.of("/usr/sbin/softflowd", "-r", capture.toString(), "-n",
                "127.0.0.1:" + port(), "-v", "9", "-D", "-m", "2000000", "-t", "maxlife=60", "-t", "general=120"),
                null);
        return new BenchCommand.Result("softflowd -r (NetFlow v9)", packets, secs);
    }

    /** pmacctd reading the capture (pcap_savefile) with the nfprobe plugin exporting NetFlow v9. */
    BenchCommand.Result pmacctd(Path capture, long packets, Path dir) throws Exception {
        if (!Files.isExecutable(Path.of("/usr/sbin/pmacctd"))) {
            out.println("  pmacctd not installed (./secmon deps): skipped");
            return null;
        }
        Path conf = dir.resolve("pmacctd-bench.conf");
        Files.writeString(conf, String.join("\n",
                "daemonize: false",
                "pcap_savefile: " + capture.toAbsolutePath(),
                "pcap_savefile_wait: false",
                "plugins: nfprobe",
                "nfprobe_receiver: 127.0.0.1:" + port(),
                "nfprobe_version: 9",
                "nfprobe_maxflows: 2000000",
                "nfprobe_timeouts: general=120:maxlife=60",
                "plugin_pipe_size: 102400000",
                "plugin_buffer_size: 102400",
                ""));
        double secs = timedProcess(List.of("/usr/sbin/pmacctd", "-f", conf.toString()), null);
        return new BenchCommand.Result("pmacctd + nfprobe (NetFlow v9)", packets, secs);
    }

    private double timedProcess(List<String> cmd, Path log) throws Exception {
        Path l = log != null ? log : Files.createTempFile("secmon-bench", ".log");
        long t = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(l.toFile()).start();
        if (!p.waitFor(30, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException(cmd.get(0) + " did not finish in 30 minutes");
        }
        double secs = (System.nanoTime() - t) / 1e9;
        if (p.exitValue() != 0) {
            throw new IllegalStateException(cmd + " exited " + p.exitValue() + ": " + tail(l));
        }
        if (log == null) {
            Files.deleteIfExists(l);
        }
        return secs;
    }

    /*
     * DPDK rx + parse + flow cache + NetFlow v9 encoding and sending, one thread, from the in-memory vdev: the
     * plugin's work without the host around it (the host adds one virtual call per packet in direct mode).
     */
    private FlowCache cache;
    private FlowExporter exporter;
    // the same with the cache on a thread of its own (FlowPipe), as the plugin's cache_thread runs it
    private FlowCache pipedCache;
    private FlowExporter pipedExporter;
    private FlowPipe pipe;

    /** Allocate the flow caches (about 150 bytes a flow) before anything is timed. */
    void prepareDpdk(int maxFlows) {
        exporter = exporter(maxFlows);
        cache = cache(maxFlows, exporter);
        exporter.boot(System.currentTimeMillis() * 1_000_000L);
        pipedExporter = exporter(maxFlows);
        pipedCache = cache(maxFlows, pipedExporter);
        pipe = new FlowPipe(pipedCache, new FlowPipe.Owner() {
            private long next;

            @Override
            public void boot(long firstNanos) {
                pipedExporter.boot(firstNanos);
            }

            @Override
            public void housekeeping(long nowNanos) {
                if (nowNanos != 0 && nowNanos - next >= 0) { // as the plugin: every 10 ms
                    next = nowNanos + 10_000_000L;
                    pipedCache.expire(nowNanos);
                    pipedExporter.tick(nowNanos);
                }
            }

            @Override
            public void finish() {
                pipedCache.flush();
                pipedExporter.flush();
            }
        }, FlowPipe.DEFAULT_CAPACITY, "bench-cache");
    }

    private FlowExporter exporter(int maxFlows) {
        CollectorSet set = CollectorSet.of(new Collector("sink", "127.0.0.1", port(), CollectorType.NETFLOW, 1));
        return new FlowExporter(set, FlowExporter.Settings.defaults(), new UdpSender(set, 5_000_000_000L),
                new LoadBalancer(set, maxFlows, 300_000_000_000L));
    }

    private static FlowCache cache(int maxFlows, FlowCache.Sink sink) {
        return new FlowCache(maxFlows, FlowField.DEFAULT_MATCH, EnumSet.noneOf(FlowField.class), 60_000_000_000L,
                120_000_000_000L, 1_000_000_000L, FlowCache.FullPolicy.EVICT_OLDEST, sink);
    }

    long dpdk(DpdkSource src, long max) {
        return dpdk(src, max, false);
    }

    /**
     * DPDK rx + parse on this thread, each packet encoded for the cache thread, which does the flow cache and the
     * v9 export: the plugin with {@code cache_thread: true}, without the host around it.
     */
    long dpdkPiped(DpdkSource src, long max) {
        return dpdk(src, max, true);
    }

    private long dpdk(DpdkSource src, long max, boolean piped) {
        Burst b = new Burst(32);
        ParsedPacket p = new ParsedPacket();
        long n = 0;
        while (n < max) {
            int got = src.poll(b);
            if (got <= 0) {
                continue;
            }
            // a live port has no capture time: as the host does, every packet of a burst gets its arrival time
            final long arrival = System.currentTimeMillis() * 1_000_000L;
            for (int i = 0; i < got; i++) {
                p.wrap(b.segment, b.offset[i], b.captureLength[i], b.wireLength[i], arrival, b.port);
                if (PacketParser.parse(p) == PacketParser.OK) {
                    if (piped) {
                        pipe.offer(p, arrival);
                    } else {
                        cache.stage(p, arrival);
                    }
                }
            }
            if (piped) {
                pipe.publish(arrival); // the cache thread expires and exports by this clock
            } else {
                cache.drain(); // the burst's lookups together, as the plugin does at poll
            }
            src.release(b);
            n += got;
            if (!piped && (n & 1023) < got) {
                long now = System.currentTimeMillis() * 1_000_000L;
                cache.expire(now);
                exporter.tick(now);
            }
        }
        return n;
    }

    /** Flows the DPDK loop left in the cache, exported now (not timed). */
    long finishDpdk() {
        int left = cache.flush();
        exporter.flush();
        exporter.close();
        return left;
    }

    /** The same for the cache thread's loop: its flows left, how often the rx thread waited for it. */
    long[] finishDpdkPiped() {
        long left = pipe.call(pipedCache::size, 60_000);
        pipe.finish(60_000);
        pipe.close();
        pipedExporter.close();
        return new long[] {left, pipe.fullWaits()};
    }

    private static String tail(Path l) throws Exception {
        List<String> lines = Files.readAllLines(l);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
    }

    static void print(PrintStream out, List<BenchCommand.Result> rs, BenchCommand.Result base) {
        out.printf(Locale.ROOT, "%-60s %14s %9s %s%n", "NetFlow export", "packets", "Mpps",
                base != null ? "vs softflowd" : "");
        for (BenchCommand.Result r : rs) {
            out.printf(Locale.ROOT, "%-60s %,14d %9.2f %s%n", r.name(), r.packets(), r.mpps(),
                    base != null ? String.format(Locale.ROOT, "%.1fx", r.mpps() / base.mpps()) : "");
        }
    }

    static List<BenchCommand.Result> nonNull(BenchCommand.Result... rs) {
        List<BenchCommand.Result> out = new ArrayList<>();
        for (BenchCommand.Result r : rs) {
            if (r != null) {
                out.add(r);
            }
        }
        return out;
    }

    @Override
    public void close() {
        sink.close();
    }
}
