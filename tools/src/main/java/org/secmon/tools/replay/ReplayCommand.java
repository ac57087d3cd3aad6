package org.secmon.tools.replay;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.annotation.JsonIgnore;
import org.secmon.agent.CountingPlugin;
import org.secmon.agent.ReplayConfig;
import org.secmon.dataplane.Configuration;
import org.secmon.dataplane.agent.AgentRunner;
import org.secmon.dataplane.agent.IdleStrategy;
import org.secmon.dataplane.host.LoadedPlugin;
import org.secmon.dataplane.host.PluginHost;
import org.secmon.dataplane.host.PluginSetup;
import org.secmon.dataplane.host.RxAgent;
import org.secmon.dataplane.host.RxQueues;
import org.secmon.dataplane.ingest.Ingest;
import org.secmon.dataplane.ingest.ObservationPoints;
import org.secmon.dataplane.ingest.TunnelInterfaces;
import org.secmon.dataplane.parse.Decap;
import org.secmon.dataplane.parse.LinkTypes;
import org.secmon.dataplane.parse.MalformedReason;
import org.secmon.dataplane.source.CaptureFileSource;
import org.secmon.dataplane.source.PacketSource;
import org.secmon.dataplane.source.Sources;
import org.secmon.plugin.CounterNames;
import org.secmon.plugin.PluginState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code secmon replay}: a capture through the appliance's data path, offline, then a summary. */
@Command(name = "secmon replay", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Process a capture file through the SecMon data path (parse, per-plugin 7-tuple filter,",
            "plugins) and print a summary. Plugins come from the plugins directory plus the built-in 'count'."},
        footer = {"", "Examples:", "  ./secmon replay --pcap trace.pcap",
            "  ./secmon replay --pcap trace.pcapng --config filters.yaml --loop 10",
            "  ./secmon replay --pcap trace.pcap --source dpdk",
            "  ./secmon replay --pcap trace.pcap --netflow 127.0.0.1:2055",
            "  ./secmon replay --pcap trace.pcap --ipfix 127.0.0.1:4739 --ipfix 127.0.0.1:4740 --lb round_robin",
            "  ./secmon replay --pcap trace.pcap --sflow 127.0.0.1:6343 --sampling 100",
            "  ./secmon replay --pcap trace.pcap --rawforward 10.0.0.9:4789 --encap vxlan",
            "  ./secmon replay --pcap mirror.pcap --decap auto --dedup 50 --ipfix 127.0.0.1:4739",
            "  ./secmon replay --source dpdk --device net_af_packet0,iface=eth1 --decap auto --ipfix 127.0.0.1:4739",
            "", "Capture files: pcap and pcapng of link types Ethernet, Linux cooked (SLL, SLL2: tcpdump -i any),",
            "raw IP, NULL and LOOP; PPPoE and MPLS on Ethernet.",
            "", "Exit status: 0 done; 2 bad arguments or input; 3 a plugin failed; 4 export records were not",
            "delivered (a collector was down or unreachable); 5 records of a pcapng interface whose link type is",
            "not decoded were skipped (named in the message)."})
public final class ReplayCommand implements Callable<Integer> {
    @Option(names = "--pcap", paramLabel = "FILE", description = "capture file (pcap or pcapng); required unless"
            + " --device")
    Path pcap;

    @Option(names = "--device", paramLabel = "DEVARGS", description = "with --source dpdk: read this DPDK port live"
            + " instead of a capture (e.g. net_af_packet0,iface=eth1); the replay ends after --idle-end without a"
            + " frame")
    String device;

    @Option(names = "--idle-end", paramLabel = "MS", defaultValue = "2000",
            description = "--device: end after this many milliseconds without a frame (default ${DEFAULT-VALUE})")
    long idleEndMillis;

    @Option(names = "--config", paramLabel = "FILE", description = "plugin setup: rules, mode, config (YAML/JSON)")
    Path config;

    @Option(names = "--loop", paramLabel = "N", defaultValue = "1", description = "replay the file N times (pcap)")
    long loop;

    @Option(names = "--rate", paramLabel = "PPS", defaultValue = "0",
            description = "play at this many packets/s with wall-clock timestamps (pcap source; default: as fast "
                    + "as possible, capture timestamps)")
    long rate;

    @Option(names = "--source", paramLabel = "pcap|dpdk", defaultValue = "pcap",
            description = "pcap: pure-Java reader with capture timestamps (default); dpdk: DPDK net_pcap vdev")
    String source;

    @Option(names = "--eal", paramLabel = "ARGS", description = "DPDK EAL arguments (default: ${DEFAULT-VALUE})",
            defaultValue = "--no-shconf --no-telemetry --no-huge --no-pci -m 512 --log-level=5")
    String eal;

    @Option(names = "--plugins", paramLabel = "DIR", description = "plugins directory (default: secmon.plugins.dir)")
    Path plugins;

    @Option(names = "--no-count", description = "do not run the built-in counting plugin")
    boolean noCount;

    @Option(names = "--summary-json", paramLabel = "FILE", description = "also write the summary as JSON (the fields"
            + " of ReplayCommand.Summary: source, records, packets, bytes, malformed, per plugin state and counters)")
    Path summaryJson;

    @Option(names = "--queues", paramLabel = "N", defaultValue = "1", description = "rx queues, a thread each (1..64;"
            + " pcap: the file is read by every queue and each keeps the conversations a symmetric hash gives it;"
            + " queue-local plugins such as netflow run an instance per queue). Default: ${DEFAULT-VALUE}")
    int queues;

    @Option(names = "--burst", paramLabel = "N", defaultValue = "32", description = "rx burst size")
    int burst;

    @Option(names = "--netflow", paramLabel = "HOST:PORT",
            description = "export NetFlow v9 to this collector (repeat for a collector set)")
    List<String> netflow = new ArrayList<>();

    @Option(names = "--ipfix", paramLabel = "HOST:PORT",
            description = "export IPFIX to this collector (repeat for a collector set)")
    List<String> ipfix = new ArrayList<>();

    @Option(names = "--lb", paramLabel = "ALG", defaultValue = "session",
            description = "collector set load balancing: session, round_robin, weighted_round_robin")
    String lb;

    @Option(names = "--active-timeout", paramLabel = "S", defaultValue = "60",
            description = "NetFlow active timeout in seconds (default ${DEFAULT-VALUE})")
    long activeTimeout;

    @Option(names = "--inactive-timeout", paramLabel = "S", defaultValue = "120",
            description = "NetFlow inactive timeout in seconds (default ${DEFAULT-VALUE})")
    long inactiveTimeout;

    @Option(names = "--max-flows", paramLabel = "N", defaultValue = "2000000",
            description = "NetFlow flow cache size (default ${DEFAULT-VALUE})")
    int maxFlows;

    @Option(names = "--pacing", paramLabel = "KBPS", defaultValue = "0",
            description = "NetFlow/IPFIX/sFlow: at most this many kbit/s to each collector (0: no pacing)")
    long pacing;

    @Option(names = "--cache-thread", description = "NetFlow/IPFIX: run the flow cache and the export on a thread"
            + " of their own; the rx thread only reads, parses and encodes each packet for it (one more core)")
    boolean cacheThread;

    @Option(names = "--metadata", paramLabel = "FIELDS", split = ",", description = "NetFlow/IPFIX: layer-7"
            + " metadata in the records of flows that carry it: tls, http, dns, all, or single fields (tls_sni,"
            + " tls_ja4, dns_query ...; docs/netflow.md lists them). IPFIX gets every field, NetFlow v9 those nProbe"
            + " defines")
    List<String> metadata = new ArrayList<>();

    @Option(names = "--metadata-max-bytes", paramLabel = "N", defaultValue = "64", description = "NetFlow/IPFIX:"
            + " the longest metadata string kept (default ${DEFAULT-VALUE})")
    int metadataMaxBytes;

    @Option(names = "--metadata-flows", paramLabel = "N", defaultValue = "131072", description = "NetFlow/IPFIX: flows"
            + " that may hold metadata at the same time, per flow cache (default ${DEFAULT-VALUE}; more are counted in"
            + " metadata_no_room)")
    int metadataFlows;

    @Option(names = "--biflow", description = "IPFIX: RFC 5103 biflows, one record per conversation with the"
            + " responder's packets, bytes and TCP flags in reverse elements (NetFlow v9 collectors keep a record per"
            + " direction)")
    boolean biflow;

    @Option(names = "--ring", description = "run the export plugins given by flags (--netflow/--ipfix, --sflow, "
            + "--rawforward) in ring mode: each on its own thread behind a ring, the rx thread only reads, parses and"
            + " filters (default: the plugins' preference, direct)")
    boolean ring;

    @Option(names = "--dscp", paramLabel = "N", defaultValue = "0",
            description = "DSCP (0..63) of every export datagram, e.g. 46 for EF (default ${DEFAULT-VALUE})")
    int dscp;

    @Option(names = "--sflow", paramLabel = "HOST:PORT",
            description = "export sFlow v5 to this collector (repeat for a collector set)")
    List<String> sflow = new ArrayList<>();

    @Option(names = "--sampling", paramLabel = "N", defaultValue = "1000",
            description = "sFlow: sample 1 in N packets at random (default ${DEFAULT-VALUE}; 1: every packet)")
    long sampling;

    @Option(names = "--header-size", paramLabel = "BYTES", defaultValue = "128",
            description = "sFlow: bytes of each sampled packet sent (default ${DEFAULT-VALUE})")
    int headerSize;

    @Option(names = "--polling-interval", paramLabel = "S", defaultValue = "20",
            description = "sFlow: seconds between counter samples, capture time (default ${DEFAULT-VALUE}; 0: none)")
    long pollingInterval;

    @Option(names = "--rawforward", paramLabel = "HOST:PORT",
            description = "forward every packet to this collector (repeat for a collector set)")
    List<String> rawforward = new ArrayList<>();

    @Option(names = "--encap", paramLabel = "ENCAP", defaultValue = "udp",
            description = "raw forward encapsulation: udp, sflow, vxlan, erspan (GRE; needs CAP_NET_RAW)")
    String encap;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "32",
            description = "raw forward: datagrams per sendmmsg (default ${DEFAULT-VALUE}; 1: one send per packet)")
    int batch;

    @Option(names = "--decap", paramLabel = "SPEC", defaultValue = "none",
            description = "terminate tunnels and process the inner packets: none (default), auto (ERSPAN I/II/III,"
                    + " GRE, VXLAN on 4789/8472, GENEVE on 6081, GTP-U on 2152), or a list such as"
                    + " erspan,gre,vxlan=4789,geneve,gtpu (=PORT/PORT replaces a UDP tunnel's ports)")
    String decap;

    @Option(names = "--decap-depth", paramLabel = "N", defaultValue = "2",
            description = "tunnels nested in tunnels terminated at most (1..8, default ${DEFAULT-VALUE})")
    int decapDepth;

    @Option(names = "--dedup", paramLabel = "MS", defaultValue = "0",
            description = "drop a packet seen again within MS milliseconds of capture time (both ends mirrored);"
                    + " 0: off (default)")
    long dedupMillis;

    @Option(names = "--dedup-entries", paramLabel = "N", defaultValue = "65536",
            description = "deduplication table size in packets (default ${DEFAULT-VALUE}); must hold rate x window:"
                    + " raise it when dedup_evicted_in_window counts")
    int dedupEntries;

    @Option(names = "--tunnel-interface", paramLabel = "ID=IFINDEX",
            description = "a packet that came through tunnel ID (ERSPAN session, GRE key, VNI, TEID) counts as received"
                    + " on interface IFINDEX (NetFlow's ingressInterface), e.g. 100=1; repeat for more")
    List<String> tunnelInterfaces = new ArrayList<>();

    @Option(names = "--seed", paramLabel = "N", hidden = true, defaultValue = "0",
            description = "sFlow: random seed (0: from the clock)")
    long seed;

    private final PrintStream out;
    private final PrintStream err;

    public ReplayCommand() {
        this(System.out, System.err);
    }

    private Summary result;
    /** --decap and --decap-depth, parsed. */
    private Decap tunnels = Decap.NONE;

    ReplayCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Packets and bytes that arrived through one tunnel source, e.g. {@code vxlan 192.0.2.1 vni 100}. */
    public record ObservationPoint(String point, long packets, long bytes) {
    }

    /** What one plugin did during a replay (its state, the host's counters for it and its own). */
    public record PluginSummary(String id, String version, PluginState state, String mode, int instances, int rules,
                                long received, long filtered, long dropped, long errors, long ringWaits,
                                String failure, Map<String, Long> counters) {
        /** One of the plugin's own counters (e.g. {@code records_exported}); fails when it has none of that name. */
        public long counter(String name) {
            Long v = counters.get(name);
            if (v == null) {
                throw new IllegalArgumentException("plugin " + id + " has no counter '" + name + "'; it has "
                        + counters.keySet());
            }
            return v;
        }

        /**
         * The per-collector counter {@code name} (e.g. {@code datagrams}) of the plugin's only collector; fails when
         * it has none or several (then ask {@link #counter} for {@code collector.NAME.name}).
         */
        public long collectorCounter(String name) {
            List<String> keys = counters.keySet().stream()
                    .filter(k -> k.startsWith(CounterNames.COLLECTOR_PREFIX) && k.endsWith("." + name)).toList();
            if (keys.size() != 1) {
                throw new IllegalArgumentException("plugin " + id + ": " + keys.size() + " collector counters '"
                        + name + "' (" + keys + "); name the collector");
            }
            return counters.get(keys.getFirst());
        }
    }

    /**
     * The result of a replay as data: what the source read, what the rx path counted, what every plugin did, and
     * the exit status. {@code out} and {@code err} hold what it printed, for people and for failure messages; tests
     * assert on the fields, never on the text.
     */
    public record Summary(@JsonIgnore int exitCode, String source, long records, long packets, long bytes,
                          long malformed, Map<String, Long> malformedByReason, long skipped, long duplicates,
                          long skippedRecords, List<String> unsupportedInterfaces,
                          List<ObservationPoint> observationPoints, List<Long> queuePackets, double elapsedSeconds,
                          List<PluginSummary> plugins, @JsonIgnore String out, @JsonIgnore String err) {
        /** The plugin {@code id}; fails (naming the plugins there are) when it did not run. */
        public PluginSummary plugin(String id) {
            return plugins.stream().filter(p -> p.id().equals(id)).findFirst().orElseThrow(() ->
                    new IllegalArgumentException("no plugin '" + id + "' in the replay; there are "
                            + plugins.stream().map(PluginSummary::id).toList() + "\n" + out + err));
        }

        /** This summary with the replay's exit code and what it printed. */
        Summary withOutcome(int code, String printed, String errors) {
            return new Summary(code, source, records, packets, bytes, malformed, malformedByReason, skipped,
                    duplicates, skippedRecords, unsupportedInterfaces, observationPoints, queuePackets, elapsedSeconds,
                    plugins,
                    printed, errors);
        }

        /** Shorthand for {@code plugin(plugin).counter(name)}. */
        public long counter(String plugin, String name) {
            return plugin(plugin).counter(name);
        }
    }

    /**
     * Runs a replay in this JVM with {@code args} (as on the command line) and returns its summary; what it printed
     * is kept in the summary, nothing goes to this process's output. A replay that failed before running (bad
     * arguments, unreadable capture) has exit code 2 and no plugins.
     */
    public static Summary replay(String... args) {
        java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream e = new java.io.ByteArrayOutputStream();
        ReplayCommand cmd = new ReplayCommand(new PrintStream(o, true, java.nio.charset.StandardCharsets.UTF_8),
                new PrintStream(e, true, java.nio.charset.StandardCharsets.UTF_8));
        int code = run(cmd, args);
        String out = o.toString(java.nio.charset.StandardCharsets.UTF_8);
        String err = e.toString(java.nio.charset.StandardCharsets.UTF_8);
        Summary s = cmd.result != null ? cmd.result
                : new Summary(code, "", 0, 0, 0, 0, Map.of(), 0, 0, 0, List.of(), List.of(), List.of(), 0, List.of(), "",
                        "");
        return s.withOutcome(code, out, err);
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        return run(new ReplayCommand(out, err), args);
    }

    private static int run(ReplayCommand command, String[] args) {
        PrintStream out = command.out;
        PrintStream err = command.err;
        CommandLine cl = new CommandLine(command);
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        cl.setExecutionExceptionHandler((ex, line, parse) -> {
            err.println("secmon replay: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
            return 2;
        });
        return cl.execute(args);
    }

    @Override
    public Integer call() throws Exception {
        tunnels = Decap.parse(decap, decapDepth); // refused at once when the specification is wrong
        if (device != null && !source.equalsIgnoreCase("dpdk")) {
            throw new IllegalArgumentException("--device reads a DPDK port: add --source dpdk");
        }
        if (device != null && pcap != null) {
            throw new IllegalArgumentException("--device and --pcap: one source, not both");
        }
        if (device == null && pcap == null) {
            throw new IllegalArgumentException("--pcap FILE (or --source dpdk --device DEVARGS) is required");
        }
        if (pcap != null && !Files.isReadable(pcap)) {
            throw new IllegalArgumentException(pcap + ": no such file or not readable");
        }
        if (burst < 1 || burst > 512) {
            throw new IllegalArgumentException("--burst must be 1..512");
        }
        if (loop < 1) {
            throw new IllegalArgumentException("--loop must be >= 1");
        }
        if (rate < 0) {
            throw new IllegalArgumentException("--rate must be >= 0 packets/s");
        }
        Map<String, PluginSetup> setups = new java.util.LinkedHashMap<>(
                config == null ? Map.of() : ReplayConfig.load(config));
        if (!netflow.isEmpty() || !ipfix.isEmpty()) {
            if (setups.containsKey("netflow")) {
                throw new IllegalArgumentException("--netflow/--ipfix and a 'netflow' plugin in --config: use one");
            }
            setups.put("netflow", flagged().withConfig(netflowConfig()));
        }
        if (!sflow.isEmpty()) {
            if (setups.containsKey("sflow")) {
                throw new IllegalArgumentException("--sflow and an 'sflow' plugin in --config: use one");
            }
            setups.put("sflow", flagged().withConfig(sflowConfig()));
        }
        if (!rawforward.isEmpty()) {
            if (setups.containsKey("rawforward")) {
                throw new IllegalArgumentException("--rawforward and a 'rawforward' plugin in --config: use one");
            }
            List<Map<String, Object>> cols = new ArrayList<>();
            for (String hp : rawforward) {
                cols.add(collector(hp, "rawforward"));
            }
            setups.put("rawforward", flagged().withConfig(org.secmon.plugin.PluginConfig.of(Map.of(
                    "collectors", cols, "lb", lb, "encapsulation", encap, "batch_size", batch, "dscp", dscp))));
        }
        if (!noCount) {
            setups.putIfAbsent(CountingPlugin.ID, PluginSetup.defaults());
        }
        Path pluginsDir = plugins != null ? plugins : Path.of(Configuration.pluginsDir());
        if (plugins != null && !Files.isDirectory(plugins)) {
            throw new IllegalArgumentException("--plugins " + plugins + ": not a directory");
        }

        Sources.Spec spec = switch (source.toLowerCase(Locale.ROOT)) {
            case "pcap" -> new Sources.CaptureFile(pcap, loop);
            case "dpdk" -> {
                if (loop != 1) {
                    throw new IllegalArgumentException("--loop is only supported with --source pcap");
                }
                if (device != null) {
                    // a live port: --vdev creates a virtual device (af_packet, pcap...); a PCI address is allowed
                    String name = device.split(",")[0];
                    List<String> args = new ArrayList<>(List.of(eal.trim().split("\\s+")));
                    boolean pci = name.matches("[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]");
                    args.removeIf(a -> pci && a.equals("--no-pci"));
                    args.addAll(List.of(pci ? "-a" : "--vdev", device));
                    yield new Sources.DpdkDevice(args, name, idleEndMillis);
                }
                // the capture through DPDK's net_pcap virtual device; the source ends 500 ms after its last frame
                yield new Sources.DpdkDevice(List.of(eal.trim().split("\\s+")), "net_pcap_replay0,rx_pcap="
                        + pcap.toAbsolutePath(), 500);
            }
            default -> throw new IllegalArgumentException("--source must be pcap or dpdk, not '" + source + "'");
        };
        Ingest ingest = new Ingest(tunnels, dedupMillis * 1_000_000L, dedupEntries,
                TunnelInterfaces.parse(tunnelInterfaces));
        if (queues > 1 && spec instanceof Sources.DpdkDevice d && d.device().startsWith("net_pcap_replay")) {
            throw new IllegalArgumentException("--queues with --source dpdk needs a port with RSS (--device); a"
                    + " capture through net_pcap has one queue: use --source pcap for several");
        }
        RxQueues opened = RxQueues.open(spec, queues, rate, burst, ingest);
        List<RxAgent> rxs = opened.agents();
        Path state = Files.createTempDirectory("secmon-replay");
        long started;
        long elapsed;
        try (PluginHost host = new PluginHost(rxs, Files.isDirectory(pluginsDir) ? pluginsDir : null,
                state)) {
            host.requireSetup(true);
            for (Map.Entry<String, PluginSetup> e : setups.entrySet()) {
                host.setup(e.getKey(), e.getValue());
            }
            if (!noCount) {
                host.register(new CountingPlugin());
            }
            PluginHost.ScanResult scan = host.scan();
            for (PluginHost.Rejected r : scan.rejected()) {
                err.println("secmon replay: plugin jar " + r.jar() + " rejected: " + r.reason());
            }
            for (String id : setups.keySet()) {
                if (host.plugin(id) == null) {
                    err.println("secmon replay: warning: --config names plugin '" + id
                            + "', which is not installed");
                }
            }
            if (host.plugins().stream().noneMatch(p -> p.state() == PluginState.STARTED)) {
                throw new IllegalArgumentException("no plugin to run (none in " + pluginsDir + " and --no-count)");
            }
            started = System.nanoTime();
            List<AgentRunner> runners = new ArrayList<>();
            for (RxAgent rx : rxs) {
                runners.add(new AgentRunner(rx, IdleStrategy.busySpin()).start());
            }
            Progress progress = Progress.onTerminal(err, opened.captures().isEmpty() ? null
                    : opened.captures().get(0));
            for (AgentRunner runner : runners) {
                while (!runner.awaitFinished(200, TimeUnit.MILLISECONDS)) {
                    progress.show(opened.rxPackets(), System.nanoTime() - started);
                }
            }
            progress.done();
            host.awaitRingsDrained(Duration.ofSeconds(60));
            elapsed = System.nanoTime() - started;
            for (AgentRunner runner : runners) {
                runner.close();
                if (runner.failure() != null) {
                    throw new IllegalStateException("rx failed: " + runner.failure());
                }
            }
            result = summarize(opened, host, elapsed);
            print(result);
            if (summaryJson != null) {
                writeJson(result, summaryJson);
            }
            boolean failed = host.plugins().stream().anyMatch(p -> p.state() == PluginState.FAILED);
            if (failed) {
                return 3;
            }
            if (result.skippedRecords() > 0) {
                err.printf(Locale.ROOT, "secmon replay: %,d records were not read: their pcapng interfaces have link"
                        + " types SecMon does not decode (%s); it reads %s%n", result.skippedRecords(),
                        String.join("; ", result.unsupportedInterfaces()), LinkTypes.supportedList());
                return 5;
            }
            long undelivered = 0;
            for (LoadedPlugin p : host.plugins()) {
                Map<String, Long> c = p.customCounters();
                for (String k : CounterNames.UNDELIVERED) {
                    undelivered += c.getOrDefault(k, 0L);
                }
            }
            if (undelivered > 0) {
                err.printf(Locale.ROOT, "secmon replay: %,d export records were not delivered (collector"
                        + " down or unreachable; see the collector counters above)%n", undelivered);
                return 4;
            }
            return 0;
        } finally {
            opened.close();
            deleteQuietly(state);
        }
    }

    /** The setup of a plugin given by flags: ring mode with --ring. */
    private PluginSetup flagged() {
        return ring ? PluginSetup.defaults().withMode(org.secmon.plugin.DeliveryMode.RING) : PluginSetup.defaults();
    }

    /** The netflow plugin's configuration from the command-line flags. */
    private org.secmon.plugin.PluginConfig netflowConfig() {
        List<Map<String, Object>> cols = new ArrayList<>();
        for (String hp : netflow) {
            cols.add(collector(hp, "netflow"));
        }
        for (String hp : ipfix) {
            cols.add(collector(hp, "ipfix"));
        }
        Map<String, Object> c = new java.util.LinkedHashMap<>();
        c.put("collectors", cols);
        c.put("lb", lb);
        c.put("active_timeout", activeTimeout);
        c.put("inactive_timeout", inactiveTimeout);
        c.put("max_flows", maxFlows);
        c.put("pacing_kbps", pacing);
        c.put("cache_thread", cacheThread);
        c.put("dscp", dscp);
        if (biflow) {
            if (ipfix.isEmpty()) {
                throw new IllegalArgumentException("--biflow needs an --ipfix collector (RFC 5103 is IPFIX only)");
            }
            c.put("biflow", true);
        }
        if (!metadata.isEmpty()) {
            c.put("metadata", metadata);
            c.put("metadata_max_bytes", metadataMaxBytes);
            c.put("metadata_flows", metadataFlows);
        }
        if (tunnels.enabled()) {
            // inner flows of different tunnels stay apart, and records carry their observation point
            c.put("match", List.of("src_addr", "dst_addr", "protocol", "src_port", "dst_port", "tos",
                    "input_interface", "direction", "observation_point"));
        }
        return org.secmon.plugin.PluginConfig.of(c);
    }

    /** The sflow plugin's configuration from the command-line flags. */
    private org.secmon.plugin.PluginConfig sflowConfig() {
        List<Map<String, Object>> cols = new ArrayList<>();
        for (String hp : sflow) {
            cols.add(collector(hp, "sflow"));
        }
        Map<String, Object> c = new java.util.LinkedHashMap<>();
        c.put("collectors", cols);
        c.put("lb", lb);
        c.put("sampling_rate", sampling);
        c.put("header_size", headerSize);
        c.put("polling_interval", pollingInterval);
        c.put("pacing_kbps", pacing);
        c.put("dscp", dscp);
        if (seed != 0) {
            c.put("seed", seed);
        }
        return org.secmon.plugin.PluginConfig.of(c);
    }

    private static Map<String, Object> collector(String hostPort, String type) {
        org.secmon.transport.Collector c = org.secmon.transport.Collector.parse(hostPort,
                org.secmon.transport.CollectorType.parse(type));
        return Map.of("name", c.name(), "address", c.host(), "port", c.port(), "type", type);
    }

    private static Summary summarize(RxQueues q, PluginHost host, long elapsedNanos) {
        List<RxAgent> rxs = q.agents();
        Map<String, Long> byReason = new java.util.LinkedHashMap<>();
        for (MalformedReason r : MalformedReason.values()) {
            long n = q.malformed(r);
            if (r != MalformedReason.NONE && n > 0) {
                byReason.put(r.key(), n);
            }
        }
        long malformed = q.malformed();
        List<PluginSummary> plugins = new ArrayList<>();
        for (LoadedPlugin p : host.plugins()) {
            boolean ran = p.state() != PluginState.CREATED;
            plugins.add(new PluginSummary(p.name(), p.descriptor().version(), p.state(), ran ? p.mode().toString()
                    : "", p.instanceCount(), ran ? p.classifier().size() : 0, p.received(), p.filtered(), p.dropped(), p.errors(),
                    p.stalls(), p.failure() == null ? null : p.failure().toString(),
                    java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(p.customCounters()))));
        }
        CaptureFileSource c = q.captures().isEmpty() ? null : q.captures().get(0); // each queue reads the whole file
        long records = c != null ? c.records() : q.rxPackets() + malformed;
        String source = q.first().source().describe() + (c != null && c.badRecords() > 0
                ? " (damaged file: " + c.damage() + ")" : "") + (rxs.size() > 1 ? ", " + rxs.size() + " rx queues"
                + (q.software() ? " (flows placed by a symmetric hash)" : " (RSS)") : "");
        List<ObservationPoint> points = new ArrayList<>();
        for (ObservationPoints.Point pt : q.observationPoints()) { // merged over the queues
            points.add(new ObservationPoint(pt.describe(), pt.packets(), pt.bytes()));
        }
        points.sort(java.util.Comparator.comparing(ObservationPoint::point));
        return new Summary(0, source, records, q.rxPackets(), q.rxBytes(), malformed, byReason, q.skipped(),
                q.duplicatesDropped(), c != null ? c.skippedRecords() : 0,
                c != null ? c.unsupportedInterfaces() : List.of(), points,
                rxs.stream().map(RxAgent::rxPackets).toList(), elapsedNanos / 1e9, plugins, "", "");
    }

    /**
     * The summary as JSON (its fields in snake_case, without the exit code and the printed text), for scripts and
     * for tests that run replay as a separate process.
     */
    private static void writeJson(Summary s, Path file) throws java.io.IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        new com.fasterxml.jackson.databind.ObjectMapper()
                .setPropertyNamingStrategy(com.fasterxml.jackson.databind.PropertyNamingStrategies.SNAKE_CASE)
                .writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), s);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** The summary for people (the format may change; tests read {@link Summary}). */
    private void print(Summary s) {
        double secs = s.elapsedSeconds();
        out.printf(Locale.ROOT, "source        %s%n", s.source());
        out.printf(Locale.ROOT, "records       %,d%n", s.records());
        out.printf(Locale.ROOT, "packets       %,d%n", s.packets());
        out.printf(Locale.ROOT, "bytes         %,d%n", s.bytes());
        out.printf(Locale.ROOT, "malformed     %,d%n", s.malformed());
        for (MalformedReason r : MalformedReason.values()) {
            Long n = s.malformedByReason().get(r.key());
            if (n != null && r.malformed()) {
                out.printf(Locale.ROOT, "  %-22s %,d  (%s)%n", r.key(), n, r.description());
            }
        }
        if (s.skipped() > 0) {
            out.printf(Locale.ROOT, "skipped       %,d%n", s.skipped());
            for (MalformedReason r : MalformedReason.values()) {
                Long n = s.malformedByReason().get(r.key());
                if (n != null && !r.malformed()) {
                    out.printf(Locale.ROOT, "  %-22s %,d  (%s)%n", r.key(), n, r.description());
                }
            }
        }
        if (s.skippedRecords() > 0) {
            out.printf(Locale.ROOT, "not read      %,d records of %s: link type not decoded%n", s.skippedRecords(),
                    String.join("; ", s.unsupportedInterfaces()));
        }
        if (dedupMillis > 0) {
            out.printf(Locale.ROOT, "duplicates    %,d dropped (window %d ms)%n", s.duplicates(), dedupMillis);
        }
        for (ObservationPoint op : s.observationPoints()) {
            out.printf(Locale.ROOT, "tunnel        %s: %,d packets, %,d bytes%n", op.point(), op.packets(),
                    op.bytes());
        }
        if (s.queuePackets().size() > 1) {
            List<String> per = new ArrayList<>();
            for (int i = 0; i < s.queuePackets().size(); i++) {
                per.add(String.format(Locale.ROOT, "q%d %,d", i, s.queuePackets().get(i)));
            }
            out.printf(Locale.ROOT, "queues        %s%n", String.join(", ", per));
        }
        out.printf(Locale.ROOT, "elapsed       %.3f s%n", secs);
        out.printf(Locale.ROOT, "rate          %.3f Mpps%n", secs > 0 ? (s.packets() + s.malformed()) / secs / 1e6
                : 0.0);
        for (PluginSummary p : s.plugins()) {
            if (p.state() == PluginState.CREATED) {
                out.printf("plugin %s %s installed, not configured (not run)%n", p.id(), p.version());
                continue;
            }
            out.printf(Locale.ROOT, "plugin %s %s %s (%s%s, %d rules): received %,d, filtered %,d, dropped %,d,"
                            + " errors %,d%s%n", p.id(), p.version(), p.state(), p.mode(), p.instances() > 1
                            ? ", an instance on each of " + p.instances() + " queues" : "", p.rules(), p.received(),
                    p.filtered(), p.dropped(), p.errors(),
                    p.ringWaits() > 0 ? String.format(Locale.ROOT, ", waited for ring %,d times", p.ringWaits()) : "");
            if (p.failure() != null) {
                out.printf("  failure: %s%n", p.failure());
            }
            List<String> cs = new ArrayList<>();
            p.counters().forEach((k, v) -> cs.add(k + "=" + v));
            if (!cs.isEmpty()) {
                out.printf("  %s%n", String.join(" ", cs));
            }
        }
    }

    private static void deleteQuietly(Path dir) {
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException ignored) {
            // temporary directory; nothing to do
        }
    }
}
