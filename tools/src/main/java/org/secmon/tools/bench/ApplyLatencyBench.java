package org.secmon.tools.bench;

import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.secmon.agent.AgentCommand;
import org.secmon.ems.api.Json;
import org.secmon.ems.api.client.EmsClient;
import org.secmon.ems.api.model.ResourceKind;
import org.secmon.testkit.SampleCapture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * Time from a REST write to the moment an agent has applied it (its new filter swapped in), on loopback: the EMS
 * commit, the notification, the agent fetching the changed entity, compiling and swapping. The agent runs in this
 * JVM against a running EMS, replaying the sample capture; each write flips one rule's action, and the latency is
 * the agent's own {@code applied_at} minus the instant just before the request was sent (one clock).
 * {@code ./secmon bench apply} starts an EMS for it.
 */
@Command(name = "secmon bench apply", mixinStandardHelpOptions = true,
        description = "REST write -> applied on the agent: p50/p90/p99/max over N changes (EMS must be running).")
public final class ApplyLatencyBench implements Callable<Integer> {
    @Option(names = "--ems", required = true, paramLabel = "URL", description = "a running EMS")
    URI ems;
    @Option(names = "--user", defaultValue = "admin", description = "EMS user (default admin)")
    String user;
    @Option(names = "--password-file", required = true, paramLabel = "FILE")
    Path passwordFile;
    @Option(names = "--dir", required = true, paramLabel = "DIR", description = "work directory (agent state, logs)")
    Path dir;
    @Option(names = "--changes", defaultValue = "200", description = "measured changes (default 200)")
    int changes;
    @Option(names = "--warmup", defaultValue = "20", description = "unmeasured changes first (default 20)")
    int warmup;
    @Option(names = "--pause-ms", defaultValue = "50",
            description = "mean random pause between changes, ms (default 50): no lock-step with timers")
    int pauseMs;

    private final PrintStream out;
    private final HttpClient http = HttpClient.newHttpClient();

    public ApplyLatencyBench() {
        this(System.out);
    }

    ApplyLatencyBench(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ApplyLatencyBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Files.createDirectories(dir);
        String password = Files.readString(passwordFile).strip();
        try (EmsClient c = EmsClient.create(ems)) {
            c.login(user, password);
            String scope = "bench-" + Long.toHexString(System.nanoTime());
            String scopeId = setUp(c, scope);
            Path pcap = dir.resolve("sample.pcap");
            SampleCapture.write(pcap);
            Path status = dir.resolve("agent.port");
            Files.deleteIfExists(status);
            AgentCommand agent = new AgentCommand(new PrintStream(Files.newOutputStream(dir.resolve("agent.log")),
                    true, StandardCharsets.UTF_8));
            String[] args = {"--ems", ems.toString(), "--scope", scope, "--name", scope + "-1", "--user", user,
                "--password-file", passwordFile.toString(), "--source", "pcap:" + pcap, "--rate", "20000",
                "--state-dir", dir.resolve("agent").toString(), "--notify-port", "0", "--status-file",
                status.toString()};
            Thread t = Thread.ofPlatform().name("agent").start(() -> new CommandLine(agent).execute(args));
            try {
                URI health = awaitPort(status, t);
                ObjectNode rule = c.find(ResourceKind.RULES, scopeId, "dns");
                awaitVersion(health, version(c, scopeId), Duration.ofSeconds(30));
                double[] ms = new double[changes];
                for (int i = 0; i < warmup + changes; i++) {
                    Thread.sleep(ThreadLocalRandom.current().nextInt(2 * pauseMs + 1));
                    ObjectNode patch = Json.mapper().createObjectNode().put("action", i % 2 == 0 ? "drop" : "forward");
                    Instant before = Instant.now();
                    c.patch(ResourceKind.RULES, rule.path("id").asText(), patch);
                    long v = version(c, scopeId);
                    JsonNode h = awaitVersion(health, v, Duration.ofSeconds(10));
                    Instant applied = Instant.parse(h.path("applied_at").asText());
                    if (i >= warmup) {
                        ms[i - warmup] = Duration.between(before, applied).toNanos() / 1e6;
                    }
                    if ((i + 1) % 50 == 0) {
                        out.printf(Locale.ROOT, "  %d/%d changes%n", i + 1, warmup + changes);
                    }
                }
                Arrays.sort(ms);
                out.printf(Locale.ROOT, "REST write -> applied on the agent, %d changes (after %d warm-up):%n"
                        + "  p50 %.1f ms  p90 %.1f ms  p99 %.1f ms  max %.1f ms  (target p99 < 500 ms)%n",
                        changes, warmup, pct(ms, 50), pct(ms, 90), pct(ms, 99), ms[ms.length - 1]);
                return pct(ms, 99) < 500 ? 0 : 1;
            } finally {
                agent.stop();
                t.join(20_000);
                for (ObjectNode a : c.list(ResourceKind.APPLIANCES, scopeId)) {
                    c.delete(ResourceKind.APPLIANCES, a.path("id").asText());
                }
            }
        }
    }

    /** A scope with a NetFlow association whose policy has the rule the benchmark flips. */
    private static String setUp(EmsClient c, String scope) {
        ObjectNode project = c.find(ResourceKind.PROJECTS, null, "bench");
        if (project == null) {
            project = c.create(ResourceKind.PROJECTS, Map.of("name", "bench"));
        }
        String sid = c.create(ResourceKind.SCOPES, Map.of("name", scope, "project", project.path("id").asText()))
                .path("id").asText();
        String dns = c.create(ResourceKind.CLASSIFICATION_OBJECTS, Map.of("scope", sid, "name", "dns",
                "protocol", "udp", "dst_port", "53")).path("id").asText();
        String all = c.create(ResourceKind.CLASSIFICATION_OBJECTS, Map.of("scope", sid, "name", "all"))
                .path("id").asText();
        String r1 = c.create(ResourceKind.RULES, Map.of("scope", sid, "name", "dns", "classification_object", dns,
                "priority", 5, "action", "forward")).path("id").asText();
        String r2 = c.create(ResourceKind.RULES, Map.of("scope", sid, "name", "rest", "classification_object", all,
                "priority", 100, "action", "forward")).path("id").asText();
        String p = c.create(ResourceKind.POLICIES, Map.of("scope", sid, "name", "p", "rules", java.util.List.of(r1,
                r2))).path("id").asText();
        // the discard port: the exports go nowhere, the point is the filter swap
        String col = c.create(ResourceKind.COLLECTORS, Map.of("scope", sid, "name", "discard",
                "address", "127.0.0.1", "port", 9, "type", "netflow")).path("id").asText();
        c.create(ResourceKind.NETFLOW_ASSOCIATIONS, Map.of("scope", sid, "name", "nf", "policy", p,
                "collector", col));
        return sid;
    }

    private static long version(EmsClient c, String scopeId) {
        return c.get(ResourceKind.SCOPES, scopeId).path("config_version").asLong();
    }

    private URI awaitPort(Path status, Thread agent) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(status) && !Files.readString(status).isBlank()) {
                return URI.create("http://127.0.0.1:" + Files.readString(status).strip() + "/health");
            }
            if (!agent.isAlive()) {
                throw new IllegalStateException("the agent stopped; see " + dir.resolve("agent.log"));
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("the agent did not start; see " + dir.resolve("agent.log"));
    }

    private JsonNode awaitVersion(URI health, long version, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode h = null;
        while (System.nanoTime() < deadline) {
            h = Json.mapper().readTree(http.send(HttpRequest.newBuilder(health).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            if (h.path("applied_version").asLong() >= version && h.has("applied_at")) {
                return h;
            }
            Thread.sleep(1);
        }
        throw new IllegalStateException("version " + version + " not applied within " + timeout + ": " + h);
    }

    private static double pct(double[] sorted, int p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
}
