package org.secmon.agent;

import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.testkit.Await;
import org.secmon.testkit.Nfcapd;
import org.secmon.testkit.Ports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ./secmon demo} as a user runs it (from the built tree, for a bounded time): the EMS starts, the agent
 * registers and applies the NetFlow association made through the REST API, the collector prints decoded flows,
 * a user logs in to the appliance's SSH CLI with the key the demo registered, and at the end nothing it started
 * is left running; and a demo whose agent dies says so and fails.
 */
class DemoIT {
    /**
     * A flow of the sample capture with the name asked for: the destination column (the server, or the client for a
     * DNS answer), then the name.
     */
    private static final Pattern NAMED = Pattern.compile("10\\.[12]\\.0\\.\\d+:\\d+ +(api|www)\\.(shop\\.example\\.com|"
            + "intranet\\.example\\.org|mail\\.example\\.net)");
    private static final Pattern FLOW = Pattern.compile("(?m)^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} +(TCP|UDP|ICMP) +10\\.");

    @Test
    void demoShowsFlowsAndStopsCleanly(@TempDir Path dir) throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        int port = Ports.freeTcp();
        int collector = Ports.freeUdp();
        int sshPort = Ports.freeTcp();
        Path out = dir.resolve("demo.out");
        // a user with an SSH key: the demo registers it for admin, and the SSH CLI lets it in
        Path home = Files.createDirectories(dir.resolve("home/.ssh")).getParent();
        Path key = home.resolve(".ssh/id_ed25519");
        Nfcapd.run(java.util.List.of(org.secmon.testkit.Tools.require("ssh-keygen").toString(), "-q", "-t",
                "ed25519", "-N", "", "-f", key.toString()));
        ProcessBuilder pb = new ProcessBuilder("bash", root.resolve("secmon").toString(), "demo", "--seconds", "40",
                "--port", Integer.toString(port), "--collector-port", Integer.toString(collector), "--ssh-port",
                Integer.toString(sshPort), "--dir", dir.resolve("demo").toString())
                .directory(root.toFile()).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().put("SECMON_NO_BUILD", "1");
        pb.environment().put("HOME", home.toString());
        Process p = pb.start();
        Await.until(Duration.ofSeconds(150), "the demo running (or ended)",
                () -> !p.isAlive() || Files.readString(out).contains("SecMon demo is running"));
        assertTrue(Files.readString(out).contains("your key id_ed25519.pub is registered"), Files.readString(out));
        // the banner comes once the agent is connected and its SSH CLI listens; then until it has fetched the users
        assertTrue(listening(sshPort), "the banner came before the appliance's SSH CLI listened:\n"
                + Files.readString(out));
        String ssh = Await.until(Duration.ofSeconds(30), "ssh into the demo's appliance shows netflow", () -> {
            Process s = new ProcessBuilder(org.secmon.testkit.Tools.require("ssh").toString(), "-i",
                    key.toString(), "-p", Integer.toString(sshPort), "-o", "BatchMode=yes", "-o",
                    "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
                    "admin@127.0.0.1", "show", "plugins").redirectErrorStream(true).start();
            String o = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            s.waitFor(30, TimeUnit.SECONDS);
            return o;
        }, o -> o.contains("netflow"));
        assertTrue(ssh.contains("started"), "ssh into the demo's appliance: " + ssh);
        // the demo's monitor collects the server and query names: the appliance lists its flows with them, and
        // the EMS has them from its reports (the command the demo's banner gives)
        Await.until(Duration.ofSeconds(30), "show flows top 50 with the sample's server/query names", () -> {
            Process s = new ProcessBuilder(org.secmon.testkit.Tools.require("ssh").toString(), "-i",
                    key.toString(), "-p", Integer.toString(sshPort), "-o", "BatchMode=yes", "-o",
                    "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
                    "admin@127.0.0.1", "show", "flows", "top", "50").redirectErrorStream(true).start();
            String o = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            s.waitFor(30, TimeUnit.SECONDS);
            return o;
        }, o -> NAMED.matcher(o).find());
        Await.until(Duration.ofSeconds(30), "secmon ctl flows with the sample's names", () -> {
            ProcessBuilder c = new ProcessBuilder("bash", root.resolve("secmon").toString(), "ctl", "flows",
                    "demo-appliance", "-s", "demo").directory(root.toFile()).redirectErrorStream(true);
            c.environment().put("SECMON_NO_BUILD", "1");
            c.environment().put("SECMON_CTL_CONFIG", dir.resolve("demo/ctl.json").toString());
            Process s = c.start();
            String o = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            s.waitFor(30, TimeUnit.SECONDS);
            return o;
        }, o -> NAMED.matcher(o).find());
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("the demo did not stop after --seconds 40:\n" + Files.readString(out));
        }
        String text = Files.readString(out);
        assertEquals(0, p.exitValue(), text);
        assertTrue(text.contains("SecMon demo is running"), text);
        long flows = FLOW.matcher(text).results().count();
        assertTrue(flows >= 10, "expected decoded flows, got " + flows + ":\n" + text);
        String agentLog = Files.readString(dir.resolve("demo/agent.log"));
        assertTrue(agentLog.contains("connected to the EMS"), agentLog);
        assertTrue(text.contains("stopped what was started"), text);
        // everything it started is gone: the EMS port is closed
        assertFalse(listening(port), "the demo's EMS is still listening on " + port);
    }

    /**
     * A demo whose agent dies does not go on printing nothing: it names the part that ended, shows the end of its
     * log, stops the rest and exits with status 3.
     */
    @Test
    void aDemoWhoseAgentDiesSaysSoAndFails(@TempDir Path dir) throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        int port = Ports.freeTcp();
        Path out = dir.resolve("demo.out");
        Path demoDir = dir.resolve("demo");
        ProcessBuilder pb = new ProcessBuilder("bash", root.resolve("secmon").toString(), "demo", "--seconds", "120",
                "--port", Integer.toString(port), "--collector-port", Integer.toString(Ports.freeUdp()),
                "--ssh-port", Integer.toString(Ports.freeTcp()), "--dir", demoDir.toString())
                .directory(root.toFile()).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().put("SECMON_NO_BUILD", "1");
        pb.environment().put("HOME", Files.createDirectories(dir.resolve("home")).toString());
        Process p = pb.start();
        try {
            Await.until(Duration.ofSeconds(150), "the demo running",
                    () -> !p.isAlive() || Files.readString(out).contains("SecMon demo is running"));
            assertTrue(p.isAlive(), Files.readString(out));
            // the demo's agent: the java process whose state directory is this demo's
            ProcessHandle agent = Await.until(Duration.ofSeconds(10), "the demo's agent process",
                    () -> p.descendants().filter(h -> h.info().arguments().map(a -> String.join(" ", a)
                            .contains("--state-dir " + demoDir.resolve("agent"))).orElse(false)).findFirst()
                            .orElse(null), h -> h != null);
            assertTrue(agent.destroyForcibly(), "SIGKILL to the agent");
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the demo noticed within 30 s:\n" + Files.readString(out));
            String text = Files.readString(out);
            assertEquals(3, p.exitValue(), text);
            assertTrue(text.contains("secmon demo: the agent (pid " + agent.pid() + ") has ended, exit status 137"),
                    text);
            assertTrue(text.contains("the end of " + demoDir.resolve("agent.log")), text);
            assertTrue(text.contains("stopped what was started"), text);
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        assertFalse(listening(port), "the demo's EMS is still listening on " + port);
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
