package org.secmon.agent.ipsec;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import org.secmon.agent.PrivateFiles;
import org.secmon.ems.api.Json;
import org.secmon.ems.api.client.EmsClient;
import org.secmon.ems.api.client.EmsException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The IPsec enforcer on its own, for nodes that are not SecMon appliances (an analytics gateway, a collector's host):
 * registers with the EMS as an {@code ipsec_enforcer} (REGISTER), fetches the tunnels that name it, drives the
 * node's strongSwan charon with them ({@link Enforcer}: swanctl configuration, only changed tunnels restarted, DSCP
 * marking rules), reports their SA state (UPDATE), answers the EMS's health checks, and deregisters when stopped
 * (DEREGISTER). When the EMS has deleted it (by hand or after missed health checks: DELETE), it removes its tunnels
 * from charon and exits with status 3. While the EMS is away it keeps the last tunnels (also across restarts).
 */
@Command(name = "secmon enforcer", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run the IPsec enforcer of a node that is not a SecMon appliance (docs/ipsec.md).")
public final class EnforcerCommand implements Runnable {
    private static final System.Logger LOG = System.getLogger(EnforcerCommand.class.getName());
    /** Exit status when the EMS deleted this enforcer. */
    public static final int DELETED = 3;

    @Option(names = "--ems", required = true, paramLabel = "URL", description = "the EMS, e.g. https://ems:8443")
    URI ems;

    @Option(names = "--ems-fingerprint", paramLabel = "SHA256",
            description = "an https EMS with its own certificate: its SHA-256 fingerprint")
    String emsFingerprint;

    @Option(names = "--name", paramLabel = "NAME", description = "this enforcer's name (default: the host name)")
    String name;

    @Option(names = "--enrollment-token-file", paramLabel = "FILE",
            description = "an enrollment token for this enforcer (secmonctl enroll --ipsec-enforcer --name NAME): "
                    + "registers with it and deletes the file; the enforcer then holds only its own token")
    Path enrollmentTokenFile;

    @Option(names = "--user", paramLabel = "NAME",
            description = "instead of an enrollment token: an EMS user with ipsec_enforcers:add, to register")
    String user;

    @Option(names = "--password-file", paramLabel = "FILE", description = "that user's password")
    Path passwordFile;

    @Option(names = "--vici", paramLabel = "URI", defaultValue = "unix:///var/run/charon.vici",
            description = "the node's strongSwan charon (default ${DEFAULT-VALUE})")
    String vici;

    /** Ignored (said so at start): the enforcer loads over VICI and leaves other connections alone. */
    @Option(names = "--include", paramLabel = "GLOB", hidden = true)
    List<String> includes = new ArrayList<>();

    @Option(names = "--nft", paramLabel = "CMD", defaultValue = "nft",
            description = "nftables command for DSCP tunnels' marking rules (default ${DEFAULT-VALUE}; none: the node"
                    + " marks packets itself)")
    String nft;

    @Option(names = "--health-listen", paramLabel = "ADDR:PORT", defaultValue = "127.0.0.1:7071",
            description = "where to answer the EMS's health checks (default ${DEFAULT-VALUE}; port 0: any free port)")
    String healthListen;

    @Option(names = "--health-address", paramLabel = "ADDR",
            description = "the address the EMS reaches the health check at (default: the listen address)")
    String healthAddress;

    @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "PT10S",
            description = "how often to fetch the tunnels and report their state (default ${DEFAULT-VALUE})")
    Duration interval;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "credentials, swanctl configuration, last tunnels (default /var/lib/secmon/enforcer)")
    Path stateDir;

    @Option(names = "--keep-registration", description = "do not deregister when stopped (a restart follows)")
    boolean keepRegistration;

    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch done = new CountDownLatch(1);
    private final AtomicLong emsErrors = new AtomicLong();
    private volatile int exitCode;
    private HttpServer health;

    public static void main(String[] args) {
        System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tF %1$tT %4$s %3$s: %5$s%6$s%n");
        EnforcerCommand cmd = new EnforcerCommand();
        CommandLine cl = new CommandLine(cmd);
        cl.setExecutionExceptionHandler((ex, line, parse) -> {
            System.err.println("secmon enforcer: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
            return 2;
        });
        int rc = cl.execute(args);
        System.exit(rc != 0 ? rc : cmd.exitCode);
    }

    /** Stops a running enforcer (as SIGTERM does). */
    public void stop() {
        stop.countDown();
    }

    @Override
    public void run() {
        try {
            runChecked();
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    private void runChecked() throws IOException {
        if (name == null) {
            name = InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9_.-]", "-");
        }
        Path state = stateDir != null ? stateDir : Path.of("/var/lib/secmon/enforcer");
        Files.createDirectories(state);
        if (!includes.isEmpty()) {
            System.err.println("secmon enforcer: --include is ignored and no longer needed: the enforcer loads its"
                    + " tunnels over VICI and leaves the connections others loaded as they are");
        }
        Enforcer enforcer = new Enforcer(vici, state.resolve("ipsec"), nft);
        javax.net.ssl.SSLContext ssl = emsFingerprint == null ? null
                : org.secmon.ems.api.client.PinnedTrust.context(emsFingerprint);
        String healthUrl = startHealth(enforcer);
        Path credsFile = state.resolve("enforcer.json");
        Path lastTunnels = state.resolve("ipsec.json");
        JsonNode tunnels = Files.exists(lastTunnels) ? Json.mapper().readTree(lastTunnels.toFile()) : null;
        if (tunnels != null) { // up before the EMS answers, as the EMS last said
            try {
                enforcer.apply(tunnels);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "IPsec: the saved tunnels could not be applied: " + e.getMessage());
            }
        }
        // SIGTERM: stop the loop and let it deregister before the JVM halts
        Thread hook = new Thread(() -> {
            stop();
            try {
                done.await(15, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }, "enforcer-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try (EmsClient client = EmsClient.create(ems, ssl, Duration.ofSeconds(3), Duration.ofSeconds(15))) {
            ObjectNode creds = Files.exists(credsFile) ? (ObjectNode) Json.mapper().readTree(credsFile.toFile())
                    : null;
            boolean first = true;
            while (stop.getCount() > 0) {
                try {
                    if (creds == null) {
                        creds = register(ssl, healthUrl);
                        PrivateFiles.write(credsFile, Json.mapper().writeValueAsString(creds));
                        // its own token is kept: the single-use token it registered with (if any) goes now
                        if (enrollmentTokenFile != null && Files.deleteIfExists(enrollmentTokenFile)) {
                            LOG.log(System.Logger.Level.INFO, "enrolled; " + enrollmentTokenFile + " deleted");
                        }
                    }
                    String id = creds.path("id").asText();
                    client.token(creds.path("token").asText());
                    JsonNode t = enforcer.fetch(client, "ipsec_enforcers/" + id);
                    if (!t.equals(tunnels)) {
                        PrivateFiles.write(lastTunnels, Json.mapper().writeValueAsString(t));
                        tunnels = t;
                    }
                    enforcer.apply(tunnels);
                    ObjectNode report = Json.mapper().createObjectNode();
                    report.set("state", enforcer.ensureUp(tunnels).put("ems_errors", emsErrors.get()));
                    if (first) {
                        report.put("health_url", healthUrl);
                        first = false;
                    }
                    client.call("POST", "ipsec_enforcers/" + id + "/report", report);
                } catch (EmsException e) {
                    if (e.status() == 401 && creds != null) {
                        // the token no longer counts: the EMS deleted this enforcer (by hand or after missed
                        // health checks), or it was deregistered; either way its tunnels are no longer wanted
                        LOG.log(System.Logger.Level.ERROR, "IPsec enforcer " + name + ": the EMS no longer knows it"
                                + " (" + e.getMessage() + "); removing its tunnels. Register again to rejoin.");
                        enforcer.apply(Json.mapper().readTree("{\"tunnels\":[]}"));
                        Files.deleteIfExists(credsFile);
                        Files.deleteIfExists(lastTunnels);
                        exitCode = DELETED;
                        keepRegistration = true;
                        return;
                    }
                    emsErrors.incrementAndGet();
                    LOG.log(System.Logger.Level.WARNING, "EMS: " + e.describe() + "; keeping the last tunnels, "
                            + "trying again in " + interval.toSeconds() + " s");
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "IPsec: " + e.getMessage());
                }
                try {
                    stop.await(interval.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            if (!keepRegistration && creds != null) {
                try {
                    client.call("POST", "ipsec_enforcers/" + creds.path("id").asText() + "/deregister", null);
                    Files.deleteIfExists(credsFile);
                    LOG.log(System.Logger.Level.INFO, "deregistered from the EMS (the tunnels stay up in charon)");
                } catch (EmsException e) {
                    LOG.log(System.Logger.Level.WARNING, "could not deregister: " + e.describe());
                }
            }
        } finally {
            done.countDown();
            if (health != null) {
                health.stop(0);
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // shutting down
            }
        }
    }

    /** REGISTER with a user's credentials; answers {id, token}. */
    private ObjectNode register(javax.net.ssl.SSLContext ssl, String healthUrl) throws IOException {
        boolean enroll = enrollmentTokenFile != null && Files.exists(enrollmentTokenFile);
        if (!enroll && (user == null || passwordFile == null)) {
            throw new IllegalStateException("not registered and nothing to register with: --enrollment-token-file"
                    + (enrollmentTokenFile != null ? " (" + enrollmentTokenFile + " is gone: it was used, or never"
                    + " there; ask an operator for a new one)" : "") + ", or --user and --password-file");
        }
        try (EmsClient login = EmsClient.create(ems, ssl, Duration.ofSeconds(3), Duration.ofSeconds(15))) {
            ObjectNode body = Json.mapper().createObjectNode().put("name", name).put("health_url", healthUrl);
            JsonNode r;
            if (enroll) {
                r = login.enrollEnforcer(Files.readString(enrollmentTokenFile).strip(), body);
            } else {
                login.login(user, Files.readString(passwordFile).strip());
                r = login.call("POST", "ipsec_enforcers/register", body);
                try {
                    login.logout();
                } catch (EmsException ignored) {
                    // the user token expires on its own
                }
            }
            LOG.log(System.Logger.Level.INFO, "registered with the EMS as IPsec enforcer " + name);
            return Json.mapper().createObjectNode().put("id", r.path("id").asText())
                    .put("token", r.path("credentials").path("token").asText());
        }
    }

    /** The health check: GET /health answers 200 with the tunnels' summary while the enforcer runs. */
    private String startHealth(Enforcer enforcer) throws IOException {
        int colon = healthListen.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("--health-listen: expected ADDR:PORT, not '" + healthListen + "'");
        }
        String addr = healthListen.substring(0, colon).replace("[", "").replace("]", "");
        int port = Integer.parseInt(healthListen.substring(colon + 1));
        health = HttpServer.create(new InetSocketAddress(addr, port), 8);
        health.createContext("/health", ex -> {
            byte[] body = ("{\"status\":\"up\",\"name\":\"" + name + "\"}").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(ex.getRequestMethod().equals("GET") ? 200 : 405, body.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
            }
        });
        health.start();
        String host = healthAddress != null ? healthAddress : addr;
        String url = "http://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":"
                + health.getAddress().getPort() + "/health";
        LOG.log(System.Logger.Level.INFO, "health check at " + url);
        return url;
    }
}
