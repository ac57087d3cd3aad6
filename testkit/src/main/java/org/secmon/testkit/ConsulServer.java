package org.secmon.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;


/**
 * A real Consul agent on loopback with free ports: {@code -dev} (in memory) or a single-node server with a data
 * directory that survives a restart. Stops only the process it started.
 */
public final class ConsulServer implements AutoCloseable {
    private final Path binary;
    private final Path dataDir;
    private final Path log;
    private final int[] ports = new int[4]; // http, serf lan, serf wan, server
    private Process process;

    private ConsulServer(Path dataDir) throws IOException {
        this(dataDir, new java.util.HashSet<>());
    }

    /** {@code taken}: ports other agents of the same test use (a cluster's members must not share any). */
    private ConsulServer(Path dataDir, java.util.Set<Integer> taken) throws IOException {
        this.binary = Tools.require("consul");
        this.dataDir = dataDir;
        this.log = Files.createTempFile("consul", ".log");
        for (int i = 0; i < ports.length; i++) {
            // each pick closes its socket, so the OS may hand out the same port twice: keep them all distinct
            int p;
            do {
                p = Ports.freeTcp();
            } while (contains(ports, i, p) || taken.contains(p));
            ports[i] = p;
            taken.add(p);
        }
    }

    /** An in-memory development agent. */
    public static ConsulServer dev() throws Exception {
        ConsulServer c = new ConsulServer(null);
        return started(c);
    }

    /**
     * An in-memory development agent with ACLs on and nothing allowed without a token ({@code default_policy =
     * "deny"}); {@code masterToken} may do everything.
     */
    public static ConsulServer devWithAcl(String masterToken) throws Exception {
        ConsulServer c = new ConsulServer(null);
        c.acl = "acl { enabled = true, default_policy = \"deny\", tokens { master = \"" + masterToken
                + "\", agent = \"" + masterToken + "\" } }";
        c.master = masterToken;
        return started(c);
    }

    private String acl;
    private String master;

    /** A single-node server keeping its data in {@code dataDir} across {@link #kill()} and {@link #start()}. */
    public static ConsulServer persistent(Path dataDir) throws Exception {
        ConsulServer c = new ConsulServer(dataDir);
        return started(c);
    }

    public String url() {
        return "http://127.0.0.1:" + ports[0];
    }

    /**
     * {@code n} Consul servers on loopback forming one Raft cluster ({@code -bootstrap-expect n}, each joining the
     * others; {@code raft_multiplier = 1}, the production setting, for elections in about a second), data in
     * {@code baseDir/consul-i}; returns once the cluster has a leader that accepts writes. Stop them (close) in any
     * order.
     */
    public static List<ConsulServer> cluster(int n, Path baseDir) throws Exception {
        List<ConsulServer> all = new ArrayList<>();
        java.util.Set<Integer> taken = new java.util.HashSet<>();
        for (int i = 0; i < n; i++) {
            ConsulServer c = new ConsulServer(Files.createDirectories(baseDir.resolve("consul-" + i)), taken);
            c.node = "consul-" + i;
            c.expect = n;
            all.add(c);
        }
        for (ConsulServer c : all) {
            List<String> join = new ArrayList<>();
            for (ConsulServer o : all) {
                if (o != c) {
                    join.add("127.0.0.1:" + o.ports[1]);
                }
            }
            c.join = join;
        }
        try {
            for (ConsulServer c : all) {
                c.launch();
            }
            for (ConsulServer c : all) {
                c.peers = all;
                c.awaitReady();
            }
        } catch (Exception | Error e) { // Await's timeout is an AssertionError: stop what was started either way
            for (ConsulServer c : all) {
                c.close();
            }
            throw e;
        }
        return all;
    }

    private String node = "ems-test";
    /** The members of this server's cluster (their exits and logs are reported while it waits for a leader). */
    private List<ConsulServer> peers = List.of();
    private int expect = 1;
    private List<String> join = List.of();

    /** {@code c} started, or stopped again (never left running) when it does not come up. */
    private static ConsulServer started(ConsulServer c) throws Exception {
        try {
            c.start();
            return c;
        } catch (Exception | Error e) {
            c.close();
            throw e;
        }
    }

    /** The Raft address of this server ({@code 127.0.0.1:PORT}), as {@code /v1/status/leader} names the leader. */
    public String raftAddress() {
        return "127.0.0.1:" + ports[3];
    }

    /** Whether the process runs. */
    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    public void start() throws Exception {
        launch();
        awaitReady();
    }

    private void launch() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(binary.toString(), "agent", "-bind", "127.0.0.1", "-client",
                "127.0.0.1", "-http-port", "" + ports[0], "-dns-port", "-1", "-grpc-port", "-1", "-serf-lan-port",
                "" + ports[1], "-serf-wan-port", "" + ports[2], "-server-port", "" + ports[3], "-log-level", "warn"));
        if (acl != null) {
            cmd.addAll(List.of("-hcl", acl));
        }
        if (dataDir == null) {
            cmd.add("-dev");
        } else {
            cmd.addAll(List.of("-server", "-bootstrap-expect", Integer.toString(expect), "-data-dir", dataDir.toString(),
                    "-node", node, "-hcl", "performance { raft_multiplier = 1 }"));
            for (String j : join) {
                cmd.addAll(List.of("-retry-join", j));
            }
            if (!join.isEmpty()) {
                cmd.addAll(List.of("-retry-interval", "1s")); // the peers start at the same moment: retry soon
            }
        }
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }

    private void awaitReady() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        Await.until(Duration.ofSeconds(60), "consul elected a leader and accepts KV writes", () -> {
            if (!process.isAlive()) {
                throw new Await.Abort("consul exited: " + Files.readString(log));
            }
            for (ConsulServer p : peers) {
                if (p.process != null && !p.process.isAlive()) {
                    throw new Await.Abort("cluster member " + p.node + " exited: " + Files.readString(p.log));
                }
            }
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/v1/status/leader"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200 || !r.body().contains(":")) {
                return false;
            }
            // a leader exists; make sure KV writes are accepted
            HttpRequest.Builder probe = HttpRequest.newBuilder(URI.create(url() + "/v1/kv/ready-probe"))
                    .PUT(HttpRequest.BodyPublishers.ofString("1")).timeout(Duration.ofSeconds(2));
            if (master != null) {
                probe.header("X-Consul-Token", master);
            }
            return http.send(probe.build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
        }, () -> Files.readString(log));
    }

    /** SIGKILL: no goodbye to clients. */
    public void kill() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(20, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() throws IOException {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    kill();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        Files.deleteIfExists(log);
    }


    private static boolean contains(int[] a, int n, int v) {
        for (int i = 0; i < n; i++) {
            if (a[i] == v) {
                return true;
            }
        }
        return false;
    }
}
