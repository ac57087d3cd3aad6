package org.secmon.agent;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.secmon.agent.ems.ApplianceAgent;
import org.secmon.agent.ems.NotificationServer;
import org.secmon.dataplane.Configuration;
import org.secmon.dataplane.agent.AgentRunner;
import org.secmon.dataplane.agent.IdleStrategy;
import org.secmon.dataplane.host.LoadedPlugin;
import org.secmon.dataplane.host.PluginHost;
import org.secmon.dataplane.host.RxQueues;
import org.secmon.dataplane.ingest.Ingest;
import org.secmon.dataplane.ingest.ObservationPoints;
import org.secmon.dataplane.ingest.TunnelInterfaces;
import org.secmon.dataplane.parse.Decap;
import org.secmon.dataplane.source.Sources;
import org.secmon.ems.api.Json;
import org.secmon.plugin.PacketFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code secmon agent}: the appliance. Runs until SIGTERM/SIGINT. */
@Command(name = "secmon agent", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The SecMon appliance agent: receives mirrored traffic, filters it per plugin and runs the",
            "monitoring plugins, configured by the EMS (registration, notifications, periodic resync). The last",
            "applied configuration is kept in the state directory, so monitoring goes on while the EMS is away."},
        footer = {"", "Examples:",
            "  ./secmon agent --ems http://127.0.0.1:8080 --scope tenant-a --user admin --password-file pw \\",
            "      --source pcap:trace.pcap --rate 5000",
            "  ./secmon agent --ems http://ems:8080 --scope tenant-a --source 'dpdk:--vdev net_af_packet0,iface=eth1'",
            "  ./secmon agent --config /etc/secmon/agent.yaml      (keys: the long option names, e.g. ems: URL)",
            "", "The password can also come from SECMON_PASSWORD. Only needed for the first registration: the",
            "credentials the EMS issues are kept in the state directory (mode 0600)."})
public final class AgentCommand implements Runnable {
    @Option(names = "--config", paramLabel = "FILE", description = "YAML file with any of these options")
    Path configFile;

    @Option(names = "--ems", paramLabel = "URL[,URL...]", split = ",", description = "the EMS, e.g."
            + " http://10.0.0.2:8080; several instances of one EMS (sharing a Consul store): each tried in turn when"
            + " the one in use does not answer")
    List<URI> ems;

    @Option(names = "--ssh-port", paramLabel = "PORT",
            description = "SSH CLI port (default 2222; 0: any free port; -1: no SSH CLI)")
    Integer sshPort;

    @Option(names = "--ssh-address", paramLabel = "ADDR",
            description = "SSH CLI address (default: --notify-address, else 127.0.0.1)")
    String sshAddress;

    @Option(names = "--metrics-port", paramLabel = "PORT",
            description = "Prometheus metrics port (default 9465; 0: any free port; -1: no metrics endpoint)")
    Integer metricsPort;

    @Option(names = "--metrics-address", paramLabel = "ADDR",
            description = "metrics address (default: --ssh-address, else --notify-address, else 127.0.0.1)")
    String metricsAddress;

    @Option(names = "--metrics-token-file", paramLabel = "FILE", description = "a scrape token accepted besides the "
            + "EMS's scrape tokens (Authorization: Bearer), for an agent without an EMS scrape token")
    Path metricsTokenFile;

    @Option(names = "--ipsec-vici", paramLabel = "URI",
            description = "run the IPsec enforcer against this strongSwan charon (e.g. unix:///var/run/charon.vici)")
    String ipsecVici;

    /** Ignored (said so at start): the enforcer loads over VICI and leaves other connections alone. */
    @Option(names = "--ipsec-include", paramLabel = "GLOB", hidden = true)
    List<String> ipsecIncludes = new ArrayList<>();

    @Option(names = "--ipsec-nft", paramLabel = "CMD",
            description = "the nftables command the enforcer installs DSCP tunnels' marking rules with (default nft;"
                    + " none: the node marks packets itself)")
    String ipsecNft;

    @Option(names = "--ems-fingerprint", paramLabel = "SHA256",
            description = "an https EMS with its own certificate: its SHA-256 fingerprint (./secmon ems prints it)")
    String emsFingerprint;

    @Option(names = "--scope", paramLabel = "NAME", description = "the scope (monitoring domain) of this appliance")
    String scope;

    @Option(names = "--name", paramLabel = "NAME", description = "appliance name (default: the host name)")
    String name;

    @Option(names = "--source", paramLabel = "SPEC",
            description = "pcap:FILE (looped, paced by --rate) or dpdk:EAL-ARGS (the port named by --vdev or -a PCI)")
    String source;

    @Option(names = "--queues", paramLabel = "N", description = "rx queues, a thread each (1..64, default 1): a DPDK"
            + " port's RSS queues (symmetric key), or a pcap source read by every queue, each keeping the"
            + " conversations a symmetric hash gives it; queue-local plugins (netflow, sflow, rawforward) run an"
            + " instance per queue")
    Integer queues;

    @Option(names = "--rate", paramLabel = "PPS", description = "packets/s for a pcap source (0: unpaced; default"
            + " 2000)")
    Long rate;

    @Option(names = "--decap", paramLabel = "SPEC", description = "tunnels the mirror delivers, terminated before"
            + " filtering: none (default), auto (ERSPAN I/II/III, GRE, VXLAN 4789/8472, GENEVE 6081, GTP-U 2152) or a"
            + " list, e.g. erspan,gre or vxlan=4789/4790")
    String decap;

    @Option(names = "--decap-depth", paramLabel = "N", description = "nested tunnels terminated at most (1..8,"
            + " default 2)")
    Integer decapDepth;

    @Option(names = "--dedup", paramLabel = "MS", description = "drop a packet seen again within MS ms (both ends of"
            + " a conversation mirrored; 0: off, the default)")
    Long dedupMillis;

    @Option(names = "--tunnel-interface", paramLabel = "ID=IFINDEX", description = "a packet from tunnel ID (ERSPAN"
            + " session, GRE key, VNI, TEID) counts as received on interface IFINDEX (NetFlow's ingressInterface);"
            + " repeatable")
    List<String> tunnelInterfaces = new ArrayList<>();

    @Option(names = "--enrollment-token-file", paramLabel = "FILE", description = "single-use enrollment token "
            + "(secmonctl enroll) to register with; deleted once used. The way to join an EMS: no user password on "
            + "the appliance")
    Path enrollmentTokenFile;

    @Option(names = "--user", paramLabel = "NAME", description = "EMS user with appliances:add, for registering "
            + "(development only: prefer --enrollment-token-file)")
    String user;

    @Option(names = "--password-file", paramLabel = "FILE", description = "that user's password")
    Path passwordFile;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "credentials and last configuration "
            + "(default ~/.secmon/agent/NAME)")
    Path stateDir;

    @Option(names = "--plugins", paramLabel = "DIR", description = "plugins directory (default: secmon.plugins.dir)")
    Path plugins;

    @Option(names = "--notify-address", paramLabel = "ADDR",
            description = "address the EMS reaches this agent at (default 127.0.0.1)")
    String notifyAddress;

    @Option(names = "--notify-port", paramLabel = "PORT", description = "notification server port (default 7070; 0:"
            + " any free port)")
    Integer notifyPort;

    @Option(names = "--resync-interval", paramLabel = "DURATION", description = "full resync period (default PT60S)")
    Duration resyncInterval;

    @Option(names = "--report-interval", paramLabel = "DURATION",
            description = "counters report period (default PT5S)")
    Duration reportInterval;

    @Option(names = "--report-flows", paramLabel = "N", description = "the N largest flows of each flow cache sent"
            + " with every report, for the console and secmonctl flows (default 20; 0: none)")
    Integer reportFlows;

    @Option(names = "--retry-max", paramLabel = "DURATION",
            description = "longest wait between attempts to reach the EMS (default PT30S)")
    Duration retryMax;

    @Option(names = "--status-file", paramLabel = "FILE", hidden = true,
            description = "write the notification port here once listening (tests, demo)")
    Path statusFile;

    @Option(names = "--metrics-status-file", paramLabel = "FILE", hidden = true,
            description = "write the metrics port here once listening (tests)")
    Path metricsStatusFile;

    private final PrintStream err;
    private final CountDownLatch stop = new CountDownLatch(1);

    public AgentCommand() {
        this(System.err);
    }

    /** An agent whose messages go to {@code err} (tests run several in one JVM). */
    public AgentCommand(PrintStream err) {
        this.err = err;
    }

    public static void main(String[] args) {
        // one line per log record: time, level, source, message
        System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tF %1$tT %4$s %3$s: %5$s%6$s%n");
        CommandLine cl = new CommandLine(new AgentCommand());
        cl.setExecutionExceptionHandler((ex, line, parse) -> {
            // the agent's fatal error: the only line that starts "secmon agent: " — the appliance's init reports it
            // as "the agent cannot start" (everything else the agent says starts "[agent] ")
            System.err.println("secmon agent: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
            return 2;
        });
        System.exit(cl.execute(args));
    }

    /** Stops a running agent (as SIGTERM does). */
    public void stop() {
        stop.countDown();
    }

    @Override
    public void run() {
        try {
            runAgent();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    private void runAgent() throws Exception {
        if (configFile != null) {
            readConfigFile();
        }
        if (ems == null || ems.isEmpty() || scope == null || source == null) {
            throw new IllegalArgumentException("--ems, --scope and --source are required (or in --config)");
        }
        if (reportFlows != null && (reportFlows < 0 || reportFlows > ApplianceAgent.MAX_REPORT_FLOWS)) {
            throw new IllegalArgumentException("--report-flows must be 0.." + ApplianceAgent.MAX_REPORT_FLOWS
                    + ", not " + reportFlows);
        }
        String host = name != null ? name : InetAddress.getLocalHost().getHostName();
        String password = System.getenv("SECMON_PASSWORD");
        if (passwordFile != null) {
            password = Files.readString(passwordFile).strip();
        }
        Path state = stateDir != null ? stateDir : Path.of(System.getProperty("user.home"), ".secmon", "agent", host);
        Files.createDirectories(state);
        Path pluginsDir = plugins != null ? plugins : Path.of(Configuration.pluginsDir());

        Sources.Spec spec = Sources.parse(source);
        // a capture is played as live traffic, at 2,000 packets/s unless --rate says otherwise; a port as it comes
        long pps = rate != null ? rate : spec instanceof Sources.CaptureFile ? 2000 : 0;
        Ingest ingest = Ingest.of(Decap.parse(decap, decapDepth != null ? decapDepth : Decap.DEFAULT_MAX_DEPTH),
                dedupMillis != null ? dedupMillis : 0).withInterfaces(TunnelInterfaces.parse(tunnelInterfaces));
        RxQueues rx = RxQueues.open(spec, queues != null ? queues : 1, pps, Configuration.burstSize(), ingest);
        if (ingest.decap().enabled() || ingest.dedup()) {
            err.println("[agent] ingest: " + ingest.describe()); // not "secmon agent: ", the fatal error's prefix
        }
        Path pluginState = Files.createDirectories(state.resolve("plugins"));
        List<LoadedPlugin> last = null; // the plugins at stop: counted once they have flushed
        org.secmon.agent.ssh.SshCli ssh = null;
        org.secmon.agent.metrics.MetricsEndpoint metrics = null;
        try (PluginHost plugins = new PluginHost(rx.agents(), Files.isDirectory(pluginsDir) ? pluginsDir : null,
                pluginState)) {
            plugins.requireSetup(true);
            plugins.register(new CountingPlugin());
            plugins.setup(CountingPlugin.ID, org.secmon.dataplane.host.PluginSetup.defaults()
                    .withRules(List.of(org.secmon.dataplane.filter.Rule.forwardAll())));
            for (PluginHost.Rejected r : plugins.scan().rejected()) {
                err.println("[agent] warning: plugin jar " + r.jar() + " rejected: " + r.reason());
            }
            plugins.watch(Duration.ofMillis(Configuration.pluginsScanMillis())); // plugins added or removed at run time
            ApplianceAgent.Settings settings = new ApplianceAgent.Settings(ems.get(0), scope, host,
                    notifyAddress == null ? List.of() : List.of(notifyAddress), user, password, state,
                    resyncInterval == null ? Duration.ofSeconds(60) : resyncInterval,
                    reportInterval == null ? Duration.ofSeconds(5) : reportInterval,
                    retryMax == null ? Duration.ofSeconds(30) : retryMax, emsFingerprint, enrollmentTokenFile,
                    ems.subList(1, ems.size()));
            try (ApplianceAgent agent = new ApplianceAgent(settings, plugins, () -> counters(rx, plugins))) {
                agent.reportFlows(reportFlows == null ? ApplianceAgent.DEFAULT_REPORT_FLOWS : reportFlows);
                if (ipsecVici != null) {
                    if (!ipsecIncludes.isEmpty()) {
                        err.println("[agent] warning: ipsec-include is ignored and no longer needed: the enforcer loads"
                                + " its tunnels over VICI and leaves the connections others loaded as they are");
                    }
                    agent.enforcer(new org.secmon.agent.ipsec.Enforcer(ipsecVici, state.resolve("ipsec"),
                            ipsecNft != null ? ipsecNft : "nft"));
                }
                long saved = agent.applySaved();
                if (saved >= 0) {
                    err.println("[agent] monitoring with the saved configuration, version " + saved);
                }
                String addr = notifyAddress == null ? "127.0.0.1" : notifyAddress;
                try (NotificationServer notify = new NotificationServer(
                        new InetSocketAddress(notifyAddress == null ? "127.0.0.1" : "0.0.0.0",
                                notifyPort == null ? 7070 : notifyPort),
                        agent::notificationToken, agent::onNotification, agent::status);
                     Runners runner = new Runners(rx)) {
                    String url = "http://" + (addr.contains(":") ? "[" + addr + "]" : addr) + ":" + notify.port()
                            + "/notify";
                    agent.start(url);
                    ssh = startSsh(state, plugins, rx, agent, rx.describe());
                    metrics = startMetrics(rx, plugins, agent);
                    err.printf(Locale.ROOT, "[agent] %s: source %s; notifications at %s; EMS %s, scope %s%n", host,
                            rx.describe(), url, ems.size() == 1 ? ems.get(0) : ems, scope);
                    if (statusFile != null) {
                        Files.writeString(statusFile, Integer.toString(notify.port()));
                    }
                    Thread hook = new Thread(this::stop, "secmon-agent-stop");
                    Runtime.getRuntime().addShutdownHook(hook);
                    while (!stop.await(1, java.util.concurrent.TimeUnit.SECONDS)) {
                        if (!runner.isRunning()) {
                            throw new IllegalStateException("rx stopped: " + runner.failure());
                        }
                    }
                    err.println("[agent] stopping");
                    if (ssh != null) {
                        ssh.close();
                    }
                    if (metrics != null) {
                        metrics.close();
                        metrics = null;
                    }
                    runner.close(); // rx stops between two bursts
                    last = plugins.plugins();
                }
            }
        } finally {
            if (ssh != null) {
                ssh.close();
            }
            if (metrics != null) {
                metrics.close();
            }
            rx.close();
        }
        // the host has stopped every plugin (their flows flushed to the collectors): these counters are final
        err.println("[agent] final counters " + counters(rx, last));
    }

    /** One rx thread per queue, started together, stopped together (between two bursts each). */
    private static final class Runners implements AutoCloseable {
        private final List<AgentRunner> runners = new java.util.ArrayList<>();

        Runners(RxQueues rx) {
            for (org.secmon.dataplane.host.RxAgent a : rx.agents()) {
                runners.add(new AgentRunner(a, IdleStrategy.backoff(1_000_000)).start());
            }
        }

        boolean isRunning() {
            return runners.stream().allMatch(AgentRunner::isRunning);
        }

        String failure() {
            return runners.stream().filter(r -> !r.isRunning()).map(r -> String.valueOf(r.failure())).findFirst()
                    .orElse("");
        }

        @Override
        public void close() {
            for (AgentRunner r : runners) {
                r.close();
            }
        }
    }

    /** The SSH CLI, or null (turned off, or its port is taken: monitoring goes on without it). */
    private org.secmon.agent.ssh.SshCli startSsh(Path state, PluginHost plugins, RxQueues rx, ApplianceAgent agent,
            String source) {
        int port = sshPort == null ? 2222 : sshPort;
        if (port < 0) {
            return null;
        }
        String address = sshAddress != null ? sshAddress : notifyAddress != null ? notifyAddress : "127.0.0.1";
        try {
            org.secmon.agent.ssh.SshCli cli = new org.secmon.agent.ssh.SshCli(address, port, state,
                    new org.secmon.agent.ssh.ApplianceShell.Context(plugins, () -> counters(rx, plugins), agent,
                            source, version()), agent::sshUsers);
            err.printf(Locale.ROOT, "[agent] SSH CLI on %s:%d (keys users registered in the EMS), host key %s%n",
                    address, cli.port(), cli.hostKeyFingerprint());
            agent.sshHostKey(cli.hostKeyFingerprint());
            return cli;
        } catch (IOException | RuntimeException e) {
            err.println("[agent] SSH CLI not started (" + e.getMessage() + "); monitoring goes on without it");
            return null;
        }
    }

    /** The Prometheus endpoint, or null (turned off, or its port is taken: monitoring goes on without it). */
    private org.secmon.agent.metrics.MetricsEndpoint startMetrics(RxQueues rx, PluginHost plugins,
            ApplianceAgent agent) throws IOException {
        int port = metricsPort == null ? 9465 : metricsPort;
        if (port < 0) {
            return null;
        }
        String local = null;
        if (metricsTokenFile != null) {
            String t = Files.readString(metricsTokenFile).strip(); // unreadable or empty: refuse to start
            if (t.length() < 16) {
                throw new IllegalArgumentException("--metrics-token-file " + metricsTokenFile
                        + ": a token of at least 16 characters is needed");
            }
            local = org.secmon.agent.metrics.MetricsEndpoint.sha256(t);
        }
        String localHash = local;
        String address = metricsAddress != null ? metricsAddress : sshAddress != null ? sshAddress
                : notifyAddress != null ? notifyAddress : "127.0.0.1";
        try {
            var endpoint = new org.secmon.agent.metrics.MetricsEndpoint(address, port,
                    new org.secmon.agent.metrics.AgentMetrics(rx, plugins::plugins, agent, version()).registry(),
                    () -> {
                        java.util.Set<String> s = agent.scrapers();
                        if (localHash == null) {
                            return s;
                        }
                        java.util.Set<String> all = new java.util.HashSet<>(s);
                        all.add(localHash);
                        return all;
                    });
            err.printf(Locale.ROOT, "[agent] metrics on http://%s:%d/metrics (Bearer: the EMS's scrape tokens%s)%n",
                    address.contains(":") ? "[" + address + "]" : address, endpoint.port(),
                    local != null ? " or --metrics-token-file" : "");
            if (metricsStatusFile != null) {
                Files.writeString(metricsStatusFile, Integer.toString(endpoint.port()));
            }
            return endpoint;
        } catch (IOException e) {
            err.println("[agent] metrics endpoint not started (" + e.getMessage() + "); monitoring goes on without it");
            return null;
        }
    }

    static String version() {
        String v = AgentCommand.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0-SNAPSHOT" : v;
    }

    static ObjectNode counters(RxQueues rx, PluginHost host) {
        return counters(rx, host.plugins());
    }

    static ObjectNode counters(RxQueues rx, List<LoadedPlugin> plugins) {
        ObjectNode o = Json.mapper().createObjectNode();
        o.put("rx_packets", rx.rxPackets()).put("rx_bytes", rx.rxBytes()).put("malformed", rx.malformed())
                .put("skipped", rx.skipped()).put("duplicates_dropped", rx.duplicatesDropped());
        var points = o.putArray("observation_points");
        for (ObservationPoints.Point pt : rx.observationPoints()) {
            points.addObject().put("point", pt.describe()).put("tunnel", PacketFormat.tunnelName(pt.tunnelType()))
                    .put("source", PacketFormat.address(pt.srcHi(), pt.srcLo()))
                    .put("id", pt.id()).put("packets", pt.packets()).put("bytes", pt.bytes());
        }
        ObjectNode ps = o.putObject("plugins");
        for (LoadedPlugin p : plugins == null ? List.<LoadedPlugin>of() : plugins) {
            ObjectNode n = ps.putObject(p.name());
            n.put("state", p.state().name().toLowerCase(Locale.ROOT)).put("received", p.received())
                    .put("filtered", p.filtered()).put("dropped", p.dropped()).put("errors", p.errors())
                    .put("ring_waits", p.stalls()).put("instances", p.instanceCount());
            p.customCounters().forEach(n::put);
        }
        return o;
    }

    /** Options from a YAML file; the command line wins. */
    private void readConfigFile() throws IOException {
        JsonNode doc;
        try {
            doc = new ObjectMapper(new YAMLFactory()).readTree(configFile.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException("--config " + configFile + ": " + e.getMessage());
        }
        if (doc == null || !doc.isObject()) {
            throw new IllegalArgumentException("--config " + configFile + ": expected a mapping of option to value");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = doc.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String v = e.getValue().asText();
            switch (e.getKey().replace('_', '-')) {
                case "ems" -> {
                    if (ems == null) { // a string (comma-separated) or a list of URLs
                        ems = new java.util.ArrayList<>();
                        if (e.getValue().isArray()) {
                            e.getValue().forEach(u -> ems.add(URI.create(u.asText().strip())));
                        } else {
                            for (String u : v.split(",")) {
                                ems.add(URI.create(u.strip()));
                            }
                        }
                    }
                }
                case "scope" -> scope = scope != null ? scope : v;
                case "ipsec-vici" -> ipsecVici = ipsecVici != null ? ipsecVici : v;
                case "ipsec-nft" -> ipsecNft = ipsecNft != null ? ipsecNft : v;
                case "ipsec-include" -> {
                    if (ipsecIncludes.isEmpty()) { // a string or a list of globs
                        e.getValue().forEach(g -> ipsecIncludes.add(g.asText()));
                        if (e.getValue().isValueNode()) {
                            ipsecIncludes.add(v);
                        }
                    }
                }
                case "ssh-port" -> sshPort = sshPort != null ? sshPort : e.getValue().asInt();
                case "ssh-address" -> sshAddress = sshAddress != null ? sshAddress : v;
                case "metrics-port" -> metricsPort = metricsPort != null ? metricsPort : e.getValue().asInt();
                case "metrics-address" -> metricsAddress = metricsAddress != null ? metricsAddress : v;
                case "metrics-token-file" -> metricsTokenFile = metricsTokenFile != null ? metricsTokenFile
                        : Path.of(v);
                case "ems-fingerprint" -> emsFingerprint = emsFingerprint != null ? emsFingerprint : v;
                case "name" -> name = name != null ? name : v;
                case "source" -> source = source != null ? source : v;
                case "rate" -> rate = rate != null ? rate : e.getValue().asLong();
                case "queues" -> queues = queues != null ? queues : e.getValue().asInt();
                case "decap" -> decap = decap != null ? decap : e.getValue().isArray()
                        ? String.join(",", e.getValue().valueStream().map(JsonNode::asText).toList()) : v;
                case "decap-depth" -> decapDepth = decapDepth != null ? decapDepth : e.getValue().asInt();
                case "dedup" -> dedupMillis = dedupMillis != null ? dedupMillis : e.getValue().asLong();
                case "tunnel-interface", "tunnel-interfaces" -> {
                    if (tunnelInterfaces.isEmpty()) { // a string or a list of ID=IFINDEX
                        e.getValue().forEach(g -> tunnelInterfaces.add(g.asText()));
                        if (e.getValue().isValueNode()) {
                            tunnelInterfaces.add(v);
                        }
                    }
                }
                case "user" -> user = user != null ? user : v;
                case "password-file" -> passwordFile = passwordFile != null ? passwordFile : Path.of(v);
                case "enrollment-token-file" -> enrollmentTokenFile = enrollmentTokenFile != null ? enrollmentTokenFile
                        : Path.of(v);
                case "state-dir" -> stateDir = stateDir != null ? stateDir : Path.of(v);
                case "plugins" -> plugins = plugins != null ? plugins : Path.of(v);
                case "notify-address" -> notifyAddress = notifyAddress != null ? notifyAddress : v;
                case "notify-port" -> notifyPort = notifyPort != null ? notifyPort : e.getValue().asInt();
                case "resync-interval" -> resyncInterval = resyncInterval != null ? resyncInterval
                        : Duration.parse(v);
                case "report-interval" -> reportInterval = reportInterval != null ? reportInterval
                        : Duration.parse(v);
                case "retry-max" -> retryMax = retryMax != null ? retryMax : Duration.parse(v);
                case "report-flows" -> reportFlows = reportFlows != null ? reportFlows : e.getValue().asInt();
                default -> throw new IllegalArgumentException("--config " + configFile + ": unknown option '"
                        + e.getKey() + "'");
            }
        }
    }
}
