package org.secmon.tools.bench;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;

import org.secmon.dataplane.dpdk.Dpdk;
import org.secmon.dataplane.dpdk.DpdkPort;
import org.secmon.dataplane.dpdk.DpdkSource;
import org.secmon.dataplane.filter.Action;
import org.secmon.dataplane.filter.Classifier;
import org.secmon.dataplane.filter.IpPrefix;
import org.secmon.dataplane.filter.PortRange;
import org.secmon.dataplane.filter.Rule;
import org.secmon.dataplane.parse.PacketParser;
import org.secmon.dataplane.parse.ParsedPacket;
import org.secmon.dataplane.source.Burst;
import org.secmon.dataplane.source.CaptureFileSource;
import org.secmon.dataplane.source.PacketSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code secmon bench}: in one run, on one generated capture replayed from memory by DPDK's net_pcap
 * ({@code infinite_rx=1}, so disk reads do not hide the data path): the C rx loop of the shim, Java rx only, and
 * Java rx + parse + a 100-rule classifier, with their ratios to C. Plus, for reference, the pure-Java capture
 * source from the page cache.
 */
@Command(name = "secmon bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Data-plane benchmarks: C DPDK rx vs Java rx, parse and classify, on the same capture.")
public final class BenchCommand implements Callable<Integer> {
    private static final String RX_ONLY = "Java DPDK rx only (FFM)";
    private static final String NETFLOW = "Java DPDK rx + parse + NetFlow cache + v9 export";
    private static final String PIPED = "Java DPDK rx + parse, NetFlow cache + export on a 2nd thread";
    /** The NetFlow plugin as the agent runs it: rx agents, the plugin host, an instance per queue. */
    private static final String HOST_NETFLOW = "Java DPDK rx + NetFlow plugin in the agent's host";
    private static final String HOST_SFLOW = "Java DPDK rx + sFlow 1:1000 plugin in the agent's host";
    @Option(names = "--packets", defaultValue = "10000000", description = "packets in the capture (${DEFAULT-VALUE})")
    long packets;

    @Option(names = "--flows", defaultValue = "1000000", description = "flows in the capture (${DEFAULT-VALUE})")
    int flows;

    @Option(names = "--measure", defaultValue = "0",
            description = "packets received per measurement (default: 3 x --packets)")
    long measure;

    @Option(names = "--rules", defaultValue = "100", description = "classifier rules (${DEFAULT-VALUE})")
    int rules;

    @Option(names = "--dir", defaultValue = "${sys:java.io.tmpdir}/secmon-bench",
            description = "where the generated capture is kept (${DEFAULT-VALUE})")
    Path dir;

    @Option(names = "--no-netflow", negatable = false,
            description = "skip the NetFlow lines (secmon replay --netflow vs softflowd, pmacctd and nfpcapd)")
    boolean noNetflow;

    @Option(names = "--no-cold", negatable = false,
            description = "skip the cold-process lines (./secmon replay, nfpcapd -r, softflowd -r as whole processes)")
    boolean noCold;

    @Option(names = "--ingest-only", hidden = true, description = "only the mirror ingest lines (development)")
    boolean ingestOnly;

    @Option(names = "--metadata-only", hidden = true, description = "only the layer-7 metadata lines (development)")
    boolean metadataOnly;

    @Option(names = "--dpdk-only", hidden = true,
            description = "only the DPDK lines, 1 and N queues, with the plugins in the host (development)")
    boolean dpdkOnly;

    @Option(names = "--no-plugins", negatable = false,
            description = "skip the sFlow and raw-forward lines (secmon replay with each plugin vs the count plugin)")
    boolean noPlugins;

    @Option(names = "--queues", defaultValue = "2",
            description = "also measure C rx, Java rx and Java rx + parse + filter with this many rx queues, one thread"
                    + " each, on the capture split by flow as RSS would (${DEFAULT-VALUE}; 1: leave out; at most the"
                    + " machine's cores)")
    int queues;

    @Option(names = "--quick", description = "a small run (200,000 packets, 20,000 flows) to check the bench works")
    boolean quick;

    private final PrintStream out;

    public BenchCommand() {
        this(System.out);
    }

    BenchCommand(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new BenchCommand());
        cl.setExecutionExceptionHandler((ex, line, parse) -> {
            System.err.println("secmon bench: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
            return 2;
        });
        System.exit(cl.execute(args));
    }

    /** One measured line. */
    public record Result(String name, long packets, double seconds) {
        public double mpps() {
            return packets / seconds / 1e6;
        }
    }

    @Override
    public Integer call() throws Exception {
        if (quick) {
            packets = 200_000;
            flows = 20_000;
        }
        if (measure == 0) {
            measure = 3 * packets;
        }
        long t0 = System.nanoTime();
        Path capture = BenchCapture.ensure(dir, packets, flows);
        out.printf(Locale.ROOT, "capture   %,d packets, %,d flows, %d-byte frames: %s (ready in %.1f s)%n", packets,
                flows, BenchCapture.FRAME, capture, (System.nanoTime() - t0) / 1e9);
        Classifier classifier = Classifier.compile(benchRules(rules));
        if (ingestOnly) {
            try (NetflowBench nb = new NetflowBench(out)) {
                printIngest(ingest(nb, capture, Math.max(2_000_000, 2 * flows)));
            }
            return 0;
        }
        if (metadataOnly) {
            try (NetflowBench nb = new NetflowBench(out)) {
                printMeta(metadata(nb, Math.max(2_000_000, 2 * flows)));
            }
            return 0;
        }
        List<Result> results = new ArrayList<>();
        NetflowBench nb = new NetflowBench(out);
        int maxFlows = Math.max(2_000_000, 2 * flows);

        if (!Dpdk.isAvailable()) {
            out.println("DPDK      unavailable (" + Dpdk.availability().reason() + "): C and DPDK lines skipped");
        } else {
            long mbufs = packets + 65_536;
            int dataRoom = 128;
            long perMbuf = 128 + 128 + dataRoom + 64;
            long megabytes = mbufs * perMbuf / (1 << 20) + 512;
            Dpdk.init(List.of("--no-shconf", "--no-telemetry", "--no-huge", "--no-pci", "-m", Long.toString(megabytes),
                    "--log-level=5"));
            t0 = System.nanoTime();
            try (DpdkPort port = DpdkPort.open("net_pcap_bench0,rx_pcap=" + capture.toAbsolutePath()
                    + ",infinite_rx=1", 1, (int) mbufs, dataRoom, 1024)) {
                out.printf(Locale.ROOT, "DPDK      %s, %s loaded in %.1f s (%,d mbufs, -m %d)%n",
                        Dpdk.availability().version(), port, (System.nanoTime() - t0) / 1e9, mbufs, megabytes);
                if (!noNetflow) {
                    nb.prepareDpdk(maxFlows);
                }
                try (DpdkSource src = port.source(0, 0)) {
                    results.addAll(rounds(m -> {
                        List<Result> r = new ArrayList<>(List.of(
                                timed("C DPDK rx (shim loop, burst 32)", () -> port.cRxLoop(0, m, 100_000_000)[0]),
                                timed(RX_ONLY, () -> rxOnly(src, m)),
                                timed("Java DPDK rx + parse + " + rules + "-rule filter",
                                        () -> rxParseClassify(src, classifier, m))));
                        if (!noNetflow) {
                            r.add(timed(NETFLOW, () -> nb.dpdk(src, m)));
                            r.add(timed(PIPED, () -> nb.dpdkPiped(src, m)));
                            r.add(HostBench.run(HOST_NETFLOW + ", 1 queue", "netflow",
                                    HostBench.netflowConfig(nb.port(), maxFlows), List.of(src), m));
                            r.add(HostBench.run(HOST_SFLOW + ", 1 queue", "sflow",
                                    HostBench.sflowConfig(nb.port(), 1000), List.of(src), m));
                        }
                        return r;
                    }));
                }
                if (!noNetflow) {
                    out.printf(Locale.ROOT, "  DPDK + NetFlow: %,d flows in the cache at the end%n", nb.finishDpdk());
                    long[] piped = nb.finishDpdkPiped();
                    out.printf(Locale.ROOT, "  DPDK + NetFlow cache thread: %,d flows in the cache at the end, the rx"
                            + " thread waited for it %,d times%n", piped[0], piped[1]);
                }
            }
            int q = Math.min(queues, Runtime.getRuntime().availableProcessors());
            if (q > 1) {
                multiQueue(q, mbufs, dataRoom, classifier, results, noNetflow ? -1 : nb.port(), maxFlows);
            }
        }
        if (!dpdkOnly) {
            try (CaptureFileSource warm = new CaptureFileSource(capture, 1, 0)) {
                rxParseClassify(warm, classifier, Long.MAX_VALUE);
            }
            long loops = Math.max(1, measure / packets);
            try (CaptureFileSource src = new CaptureFileSource(capture, loops, 0)) {
                results.add(timed("Java pcap file (mmap) + parse + " + rules + "-rule filter",
                        () -> rxParseClassify(src, classifier, Long.MAX_VALUE)));
            }
        }
        List<Result> netflow = new ArrayList<>();
        List<NetflowBench.Cold> cold = List.of();
        Result soft = null;
        if (!noNetflow && !dpdkOnly) {
            out.println("NetFlow   replay with export, softflowd -r and pmacctd/nfprobe on the same capture...");
            // two rounds, the second reported: each replay loads the plugin anew, so the first round also compiles
            // the plugin's path (a cold JVM: docs/performance.md)
            int nq = Math.max(2, Math.min(queues, Runtime.getRuntime().availableProcessors()));
            nb.replay(capture, maxFlows, false);
            nb.replay(capture, maxFlows, true);
            nb.replayQueues(capture, maxFlows, nq);
            Result ours = nb.replay(capture, maxFlows, false);
            Result threaded = nb.replay(capture, maxFlows, true);
            Result queued = nb.replayQueues(capture, maxFlows, nq);
            soft = nb.softflowd(capture, packets);
            Result pm = nb.pmacctd(capture, packets, dir);
            Result nfp = nb.nfpcapd(capture, packets, dir, maxFlows);
            netflow = NetflowBench.nonNull(ours, threaded, queued, soft, pm, nfp);
            if (!noCold) {
                out.println("Cold      whole processes on the same capture (wall time, peak RSS)...");
                cold = nb.cold(capture, dir, maxFlows, nq);
            }
        }
        List<Result> ingest = List.of();
        if (!noNetflow && !dpdkOnly) {
            ingest = ingest(nb, capture, maxFlows);
        }
        List<Result> meta = noNetflow || dpdkOnly ? List.of() : metadata(nb, maxFlows);
        nb.close();
        List<Result> plugins = new ArrayList<>();
        if (!noPlugins && !dpdkOnly) {
            out.println("Plugins   replay with the count plugin, sFlow and raw forward, same 100-rule filter...");
            try (PluginBench pb = new PluginBench(out, dir, benchRules(rules))) {
                pb.baseline(capture, 1); // warm-up (JIT), not reported
                plugins.add(pb.baseline(capture, 1));
                plugins.add(pb.sflow(capture, 1));
                plugins.add(pb.sflow(capture, 1, Math.max(2, Math.min(queues,
                        Runtime.getRuntime().availableProcessors()))));
                plugins.add(pb.rawforward(capture, 1, 32));
                plugins.add(pb.rawforward(capture, 1, 1));
            }
        }
        // each line against the C loop with the same number of queues
        double base = results.getFirst().mpps();
        boolean haveC = results.getFirst().name().startsWith("C ");
        double multiBase = results.stream().filter(r -> r.name().startsWith("C ") && r.name().contains(" queues, "))
                .mapToDouble(Result::mpps).findFirst().orElse(Double.NaN);
        out.println();
        out.printf(Locale.ROOT, "%-62s %14s %9s %s%n", "measurement", "packets", "Mpps", haveC ? "vs C" : "");
        for (Result r : results) {
            double b = r.name().contains(" queues, ") ? multiBase : base;
            out.printf(Locale.ROOT, "%-62s %,14d %9.2f %s%n", r.name(), r.packets(), r.mpps(),
                    haveC ? String.format(Locale.ROOT, "%.2fx", r.mpps() / b) : "");
        }
        double rxOnly = results.stream().filter(r -> r.name().equals(RX_ONLY))
                .mapToDouble(Result::mpps).findFirst().orElse(Double.NaN);
        for (Result r : results) {
            if (r.name().equals(NETFLOW) || r.name().equals(PIPED)) {
                out.printf(Locale.ROOT, "%-62s %24.2fx%n", "  vs Java DPDK rx only: " + (r.name().equals(PIPED)
                        ? "NetFlow with a cache thread" : "NetFlow on the rx thread"), r.mpps() / rxOnly);
            }
        }
        for (String line : List.of(HOST_NETFLOW, HOST_SFLOW)) {
            Result one = results.stream().filter(r -> r.name().equals(line + ", 1 queue")).findFirst().orElse(null);
            for (Result r : results) {
                if (one != null && r != one && r.name().startsWith(line)) {
                    out.printf(Locale.ROOT, "%-62s %24.2fx%n", "  " + (line == HOST_NETFLOW ? "NetFlow" : "sFlow")
                            + " in the host: " + r.name().substring(line.length() + 2) + " vs 1 queue",
                            r.mpps() / one.mpps());
                }
            }
        }
        for (Paired p : paired) {
            out.printf(Locale.ROOT, "  %s in the host: %d threads vs 1 thread on the same %d queues, paired in each"
                    + " round: %s%n", p.plugin(), p.queues(), p.queues(), pairedRatio(p.threads(), p.oneThread()));
        }
        if (!netflow.isEmpty()) {
            out.println();
            NetflowBench.print(out, netflow, soft);
        }
        if (!cold.isEmpty()) {
            out.println();
            NetflowBench.printCold(out, cold, packets);
        }
        printIngest(ingest);
        printMeta(meta);
        if (!plugins.isEmpty()) {
            out.println();
            double pbase = plugins.getFirst().mpps();
            out.printf(Locale.ROOT, "%-52s %14s %9s %s%n", "plugins (pure-Java source, 1 rx thread)", "packets",
                    "Mpps", "vs rx+filter");
            for (Result r : plugins) {
                out.printf(Locale.ROOT, "%-52s %,14d %9.2f %.2fx%n", r.name(), r.packets(), r.mpps(),
                        r.mpps() / pbase);
            }
        }
        return 0;
    }

    /**
     * The same packets mirrored through ERSPAN II: tunnel termination and deduplication on the rx thread, against the
     * plain capture; three alternated rounds after a warm-up.
     */
    private List<Result> ingest(NetflowBench nb, Path capture, int maxFlows) throws Exception {
        Path erspan = BenchCapture.ensureErspan(dir, packets, flows);
        out.printf(Locale.ROOT, "Ingest    the capture ERSPAN-encapsulated (%d-byte frames): %s%n",
                BenchCapture.FRAME + BenchCapture.ERSPAN_OVERHEAD, erspan);
        nb.replay(erspan, maxFlows, false, "--decap auto"); // warm-up
        List<Result> ingest = new ArrayList<>();
        for (int round = 0; round < 3; round++) { // alternated: the three see the same machine state
            ingest.add(nb.replay(capture, maxFlows, false));
            ingest.add(nb.replay(erspan, maxFlows, false, "--decap auto"));
            ingest.add(nb.replay(erspan, maxFlows, false, "--decap auto --dedup 50"));
            ingest.add(nb.replay(capture, maxFlows, true));
            ingest.add(nb.replay(erspan, maxFlows, true, "--decap auto"));
            ingest.add(nb.replay(erspan, maxFlows, true, "--decap auto --dedup 50"));
        }
        return ingest;
    }

    /**
     * The mirror ingest lines: of three alternated rounds of the plain capture, its ERSPAN II copy with decap, and
     * with decap and dedup — on the rx thread alone, then with the flow cache on a second thread — the best of each
     * against the plain capture with the same threads (the runs of one round see the same machine state; this
     * machine's plain line alone moves 2-6 Mpps between runs), with every round's figures below for the spread.
     */
    private void printIngest(List<Result> ingest) {
        if (ingest.isEmpty()) {
            return;
        }
        List<String> names = ingest.stream().map(Result::name).distinct().toList();
        out.println();
        out.printf(Locale.ROOT, "%-60s %14s %9s %s%n", "mirror ingest (best of 3)", "packets", "Mpps",
                "vs unencapsulated");
        double ibase = Double.NaN;
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            Result b = ingest.stream().filter(r -> r.name().equals(name))
                    .max(java.util.Comparator.comparingDouble(Result::mpps)).orElseThrow();
            if (i % 3 == 0) {
                ibase = b.mpps(); // the plain capture of this group (1 rx thread; with the cache thread)
            }
            out.printf(Locale.ROOT, "%-60s %,14d %9.2f %.2fx%n", b.name(), b.packets(), b.mpps(), b.mpps() / ibase);
        }
        for (int g = 0; g + 2 < names.size(); g += 3) {
            StringBuilder rounds = new StringBuilder(String.format(Locale.ROOT, "  rounds (Mpps, plain / decap /"
                    + " decap+dedup%s):", g == 0 ? "" : ", cache thread"));
            for (int i = g; i + 2 < ingest.size(); i += names.size()) {
                rounds.append(String.format(Locale.ROOT, " %.2f/%.2f/%.2f", ingest.get(i).mpps(),
                        ingest.get(i + 1).mpps(), ingest.get(i + 2).mpps()));
            }
            out.println(rounds);
            // each round's tunnelled lines against that round's plain one: adjacent runs see the same machine, so
            // the ratio moves less than the best-of figures (which may pair one run's luck with another's)
            StringBuilder ratios = new StringBuilder("  ratios per round (decap / decap+dedup):");
            List<Double> decap = new ArrayList<>();
            List<Double> dedup = new ArrayList<>();
            for (int i = g; i + 2 < ingest.size(); i += names.size()) {
                double plain = ingest.get(i).mpps();
                decap.add(ingest.get(i + 1).mpps() / plain);
                dedup.add(ingest.get(i + 2).mpps() / plain);
                ratios.append(String.format(Locale.ROOT, " %.2f/%.2f", decap.getLast(), dedup.getLast()));
            }
            out.printf(Locale.ROOT, "%s; median %.2fx / %.2fx%n", ratios, median(decap), median(dedup));
        }
    }

    private static double median(List<Double> v) {
        List<Double> s = v.stream().sorted().toList();
        int n = s.size();
        return n == 0 ? Double.NaN : n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    /** The metadata lines: replay without and with every metadata field, alternated, three rounds after a warm-up. */
    private List<Result> metadata(NetflowBench nb, int maxFlows) throws Exception {
        List<Result> meta = new ArrayList<>();
        Path metaCapture = BenchCapture.ensureMeta(dir, packets, flows);
        out.printf(Locale.ROOT, "Metadata  the capture with each flow's first packet a ClientHello, an HTTP request"
                + " or a DNS query: %s%n", metaCapture);
        nb.replayMeta(metaCapture, maxFlows, flows, false); // warm-up
        nb.replayMeta(metaCapture, maxFlows, flows, true);
        for (int round = 0; round < 3; round++) { // alternated: the two see the same machine state
            meta.add(nb.replayMeta(metaCapture, maxFlows, flows, false));
            meta.add(nb.replayMeta(metaCapture, maxFlows, flows, true));
        }
        return meta;
    }

    private void printMeta(List<Result> meta) {
        if (meta.isEmpty()) {
            return;
        }
        out.println();
        out.printf(Locale.ROOT, "%-66s %14s %9s %s%n", "layer-7 metadata (1 rx thread, best of 3)", "packets",
                "Mpps", "vs without");
        Result off = meta.stream().filter(r -> !r.name().contains("--metadata")).max(
                java.util.Comparator.comparingDouble(Result::mpps)).orElseThrow();
        Result on = meta.stream().filter(r -> r.name().contains("--metadata")).max(
                java.util.Comparator.comparingDouble(Result::mpps)).orElseThrow();
        for (Result r : List.of(off, on)) {
            out.printf(Locale.ROOT, "%-66s %,14d %9.2f %.2fx%n", r.name(), r.packets(), r.mpps(),
                    r.mpps() / off.mpps());
        }
    }

    /**
     * The same three loops with {@code q} rx queues of one port (one part of the capture each, split by flow), one
     * thread per queue: C against Java with the same cores and queues.
     */
    private void multiQueue(int q, long mbufs, int dataRoom, Classifier classifier, List<Result> results,
                            int netflowSink, int maxFlows) throws Exception {
        StringBuilder dev = new StringBuilder("net_pcap_bench1");
        for (int i = 0; i < q; i++) {
            dev.append(",rx_pcap=").append(BenchCapture.ensure(dir, packets, flows, i, q).toAbsolutePath());
        }
        dev.append(",infinite_rx=1");
        long t0 = System.nanoTime();
        try (DpdkPort port = DpdkPort.open(dev.toString(), q, (int) mbufs, dataRoom, 1024)) {
            out.printf(Locale.ROOT, "DPDK      %s loaded in %.1f s (the capture split by flow into %d files)%n", port,
                    (System.nanoTime() - t0) / 1e9, q);
            DpdkSource[] src = new DpdkSource[q];
            Classifier[] cls = new Classifier[q]; // one per thread, as the host gives each rx thread
            for (int i = 0; i < q; i++) {
                src[i] = port.source(i, 0);
                cls[i] = i == 0 ? classifier : classifier.replica();
            }
            try {
                String suffix = ", " + q + " queues, " + q + " threads";
                String oneSuffix = ", " + q + " queues, 1 thread";
                if (netflowSink > 0) {
                    paired.add(new Paired("NetFlow", q, HOST_NETFLOW + suffix, HOST_NETFLOW + oneSuffix));
                    paired.add(new Paired("sFlow", q, HOST_SFLOW + suffix, HOST_SFLOW + oneSuffix));
                }
                results.addAll(rounds(m -> {
                    long per = m / q;
                    List<Result> r = new ArrayList<>(List.of(
                            parallel("C DPDK rx" + suffix, q, i -> port.cRxLoop(i, per, 100_000_000)[0]),
                            parallel("Java DPDK rx only" + suffix, q, i -> rxOnly(src[i], per)),
                            parallel("Java DPDK rx + parse + " + rules + "-rule filter" + suffix, q,
                                    i -> rxParseClassify(src[i], cls[i], per))));
                    if (netflowSink > 0) {
                        // each plugin on q threads and on one thread reading the same q queues, in the same round:
                        // the ratio of these two does not carry the drift between the two ports' rounds
                        List<DpdkSource> all = List.of(src);
                        List<PacketSource> one = List.of(HostBench.oneThread(all));
                        r.add(HostBench.run(HOST_NETFLOW + suffix, "netflow",
                                HostBench.netflowConfig(netflowSink, maxFlows), all, per));
                        r.add(HostBench.run(HOST_NETFLOW + oneSuffix, "netflow",
                                HostBench.netflowConfig(netflowSink, maxFlows), one, m));
                        r.add(HostBench.run(HOST_SFLOW + suffix, "sflow", HostBench.sflowConfig(netflowSink, 1000),
                                all, per));
                        r.add(HostBench.run(HOST_SFLOW + oneSuffix, "sflow", HostBench.sflowConfig(netflowSink, 1000),
                                one, m));
                    }
                    return r;
                }));
            } finally {
                for (DpdkSource s : src) {
                    s.close();
                }
            }
        }
    }

    interface Round {
        List<Result> run(long packets) throws Exception;
    }

    /** Every measured round so far, for ratios of two lines of one round. */
    private final List<List<Result>> roundsSeen = new ArrayList<>();

    /** A plugin's line on {@code queues} threads and its line on one thread reading the same queues. */
    private record Paired(String plugin, int queues, String threads, String oneThread) {
    }

    /** The pairs the multi-queue rounds measured, in the order they were made. */
    private final List<Paired> paired = new ArrayList<>();

    /**
     * {@code a} over {@code b} in each round that measured both (paired: the same minute of this machine), as
     * "best, rounds r1 / r2 / r3".
     */
    private String pairedRatio(String a, String b) {
        List<Double> ratios = new ArrayList<>();
        for (List<Result> round : roundsSeen) {
            Result ra = round.stream().filter(r -> r.name().equals(a)).findFirst().orElse(null);
            Result rb = round.stream().filter(r -> r.name().equals(b)).findFirst().orElse(null);
            if (ra != null && rb != null) {
                ratios.add(ra.mpps() / rb.mpps());
            }
        }
        double best = ratios.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        return String.format(Locale.ROOT, "%.2fx best, rounds %s", best, String.join(" / ", ratios.stream()
                .map(x -> String.format(Locale.ROOT, "%.2fx", x)).toList()));
    }

    /** Measured rounds of the DPDK lines, after the warm-up round. */
    static final int ROUNDS = 3;

    /**
     * Alternating rounds of the same loops, so that no loop profits from going first or last (warm mbufs, JIT): a
     * warm-up round (at most 5,000,000 packets), then {@value #ROUNDS} measured rounds; each line's best is reported
     * — the run least disturbed by what else shares these cores (this machine's C rx loop alone moves 1.4-2.3x
     * between runs) — and every round's figure is printed for the spread.
     */
    private List<Result> rounds(Round round) throws Exception {
        round.run(Math.min(measure, 5_000_000));
        List<List<Result>> all = new ArrayList<>();
        for (int i = 0; i < ROUNDS; i++) {
            all.add(round.run(measure));
        }
        roundsSeen.addAll(all);
        List<Result> best = new ArrayList<>();
        for (int line = 0; line < all.getFirst().size(); line++) {
            final int l = line;
            Result b = all.stream().map(r -> r.get(l)).max(java.util.Comparator.comparingDouble(Result::mpps))
                    .orElseThrow();
            best.add(b);
            out.printf(Locale.ROOT, "  rounds: %-64s %s Mpps%n", b.name(), String.join(" / ", all.stream()
                    .map(r -> String.format(Locale.ROOT, "%.2f", r.get(l).mpps())).toList()));
        }
        return best;
    }

    interface QueueLoop {
        long run(int queue) throws Exception;
    }

    /** Runs {@code loop} on {@code q} threads (EAL-registered), timed from a common start to the last one's end. */
    private static Result parallel(String name, int q, QueueLoop loop) throws Exception {
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(q + 1);
        long[] got = new long[q];
        Throwable[] failed = new Throwable[q];
        Thread[] threads = new Thread[q];
        for (int i = 0; i < q; i++) {
            final int queue = i;
            threads[i] = Thread.ofPlatform().name("bench-q" + i).start(() -> {
                try {
                    DpdkPort.registerThread();
                    try {
                        start.await();
                        got[queue] = loop.run(queue);
                    } finally {
                        DpdkPort.unregisterThread();
                    }
                } catch (Throwable t) {
                    failed[queue] = t;
                    start.reset();
                }
            });
        }
        start.await();
        long t = System.nanoTime();
        long n = 0;
        for (int i = 0; i < q; i++) {
            threads[i].join();
            if (failed[i] != null) {
                throw new IllegalStateException("queue " + i + ": " + failed[i], failed[i]);
            }
            n += got[i];
        }
        return new Result(name, n, (System.nanoTime() - t) / 1e9);
    }

    interface Loop {
        long run() throws Exception;
    }

    private static Result timed(String name, Loop loop) throws Exception {
        long t = System.nanoTime();
        long n = loop.run();
        return new Result(name, n, (System.nanoTime() - t) / 1e9);
    }

    static long rxOnly(DpdkSource src, long max) {
        Burst b = new Burst(32);
        long n = 0;
        long sink = 0;
        while (n < max) {
            int got = src.poll(b);
            if (got <= 0) {
                continue;
            }
            for (int i = 0; i < got; i++) {
                sink += b.captureLength[i];
            }
            src.release(b);
            n += got;
        }
        if (sink == 42) {
            System.out.print(""); // keep the loop's work observable
        }
        return n;
    }

    static long rxParseClassify(PacketSource src, Classifier c, long max) {
        Burst b = new Burst(32);
        ParsedPacket p = new ParsedPacket();
        long n = 0;
        long forwarded = 0;
        while (n < max) {
            int got = src.poll(b);
            if (got == PacketSource.END_OF_STREAM) {
                break;
            }
            if (got == 0) {
                continue;
            }
            for (int i = 0; i < got; i++) {
                p.wrap(b.segment, b.offset[i], b.captureLength[i], b.wireLength[i], b.timestampNanos[i], b.port);
                if (PacketParser.parse(p) == PacketParser.OK && c.classify(p) >= 0) {
                    forwarded++;
                }
            }
            src.release(b);
            n += got;
        }
        if (forwarded < 0) {
            System.out.print("");
        }
        return n;
    }

    /** {@code n} rules over the bench traffic's address and port space, most not matching, then a catch-all. */
    public static List<Rule> benchRules(int n) {
        Random r = new Random(1);
        List<Rule> out = new ArrayList<>();
        for (int i = 0; i < n - 1; i++) {
            String src = "10." + r.nextInt(256) + "." + r.nextInt(256) + ".0/" + (16 + r.nextInt(9));
            String dst = r.nextBoolean() ? "any" : "192.168." + r.nextInt(256) + ".0/24";
            int lo = r.nextInt(60000);
            out.add(new Rule(1 + i, IpPrefix.parse(src), IpPrefix.parse(dst), r.nextBoolean() ? 6 : 17,
                    PortRange.ANY, r.nextBoolean() ? PortRange.ANY : new PortRange(lo, lo + r.nextInt(100)),
                    Rule.ANY_MAC, Rule.ANY_MAC, r.nextInt(4) == 0 ? Action.DROP : Action.FORWARD, 0));
        }
        out.add(new Rule(65535, IpPrefix.ANY, IpPrefix.ANY, Rule.ANY_PROTOCOL, PortRange.ANY, PortRange.ANY,
                Rule.ANY_MAC, Rule.ANY_MAC, Action.FORWARD, 0));
        return out;
    }
}
