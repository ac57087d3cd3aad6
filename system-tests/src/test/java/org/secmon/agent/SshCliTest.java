package org.secmon.agent;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ChannelShell;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.ems.testkit.EmsFixture;
import org.secmon.testkit.Await;
import org.secmon.testkit.Nfcapd;
import org.secmon.testkit.Ports;
import org.secmon.testkit.Tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The appliance SSH CLI against a running agent registered with a real EMS: users and their keys come from the
 * EMS; an operator and a read-only user log in with Mina's client and with OpenSSH's {@code ssh}; the read-only
 * user is refused changes; {@code capture} prints live packets; an unknown key is refused; everything is audited.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SshCliTest {
    private Path dir;
    private EmsFixture ems;
    private RunningAgent agent;
    private int sshPort;
    private KeyPair opsKey;
    private Path viewerKey;
    private Path strangerKey;
    private SshClient client;

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        dir = tmp;
        ems = EmsFixture.embedded(dir);
        Path session = dir.resolve("ctl.json");
        AgentFixtures.ctl(session, "login", "--ems", ems.base, "-u", "admin");
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        opsKey = g.generateKeyPair();
        Path keygen = Tools.require("ssh-keygen");
        viewerKey = dir.resolve("viewer_ed25519");
        strangerKey = dir.resolve("stranger_ed25519");
        for (Path k : List.of(viewerKey, strangerKey)) {
            Nfcapd.run(List.of(keygen.toString(), "-q", "-t", "ed25519", "-N", "", "-C", "test", "-f", k.toString()));
        }
        String viewerPub = Files.readString(dir.resolve("viewer_ed25519.pub")).strip();
        String opsPub = PublicKeyEntry.toString(opsKey.getPublic());
        Path config = dir.resolve("c.yaml");
        Files.writeString(config, """
                projects: [{name: lab}]
                scopes: [{name: s, project: lab}]
                roles:
                  - {name: appliance-operator, permissions: [{resource: appliances, operations: [view, change]}]}
                  - {name: appliance-viewer, permissions: [{resource: appliances, operations: [view]}]}
                users:
                  - {name: ops, password: ops-password-1, roles: [appliance-operator], projects: [lab], ssh_keys: ["%s"]}
                  - {name: viewer, password: viewer-password-1, roles: [appliance-viewer], projects: [lab], ssh_keys: ["%s"]}
                classification_objects: [{scope: s, name: all}]
                rules: [{scope: s, name: all, classification_object: all, priority: 10, action: forward}]
                policies: [{scope: s, name: p, rules: [all]}]
                collectors: [{scope: s, name: sink, address: 127.0.0.1, port: 9, type: netflow}]
                netflow_associations: [{scope: s, name: nf, policy: p, collector: sink}]
                """.formatted(opsPub, viewerPub));
        AgentFixtures.ctl(session, "apply", "-f", config.toString());
        sshPort = Ports.freeTcp();
        String[] args = RunningAgent.args(dir, ems.base, "s", 2000, Path.of("target/plugins"), "--ssh-port",
            Integer.toString(sshPort), "--ssh-address", "127.0.0.1");
        agent = new RunningAgent(dir.resolve("agent.log"), args);
        Await.until(Duration.ofSeconds(30), "the agent fetched its SSH users (agent log: " + dir.resolve("agent.log")
                + ")", () -> Files.exists(dir.resolve("agent/ssh-users.json")));
        client = SshClient.setUpDefaultClient();
        client.start();
    }

    @AfterAll
    void stop() throws Exception {
        if (client != null) {
            client.stop();
        }
        if (agent != null) {
            agent.close();
        }
        ems.close();
    }

    private record Result(int status, String out) {
    }

    private Result mina(String command) throws Exception {
        try (ClientSession s = client.connect("ops", "127.0.0.1", sshPort).verify(Duration.ofSeconds(10))
                .getSession()) {
            s.addPublicKeyIdentity(opsKey);
            s.auth().verify(Duration.ofSeconds(10));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (ChannelExec ch = s.createExecChannel(command)) {
                ch.setOut(out);
                ch.setErr(out);
                ch.open().verify(Duration.ofSeconds(10));
                ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), Duration.ofSeconds(60));
                Integer st = ch.getExitStatus();
                return new Result(st == null ? -1 : st, out.toString(StandardCharsets.UTF_8));
            }
        }
    }

    private Result openssh(Path key, String user, String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Tools.require("ssh").toString(), "-i", key.toString(), "-p",
                Integer.toString(sshPort), "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o",
                "UserKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR",
                user + "@127.0.0.1"));
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Result(p.exitValue(), out);
    }

    @Test
    void operatorWithMinasClientSeesAndChanges() throws Exception {
        Result v = mina("show version");
        assertEquals(0, v.status(), v.out());
        assertTrue(v.out().contains("SecMon appliance agent"), v.out());
        Result plugins = mina("show plugins");
        assertTrue(plugins.out().contains("netflow") && plugins.out().contains("started"), plugins.out());
        Result status = mina("show status");
        assertTrue(status.out().contains("applied_version"), status.out());
        Result collectors = mina("show collectors");
        assertTrue(collectors.out().contains("sink"), collectors.out());
        Result config = mina("show config");
        assertTrue(config.out().contains("netflow: 1 rules"), config.out());
        assertTrue(config.out().lines().anyMatch(l -> l.matches(".*\\bhits [1-9][\\d,]*$")),
                "the rule that let the flows below through counted its packets: " + config.out());
        Result flows = mina("show flows top 3");
        assertEquals(0, flows.status(), flows.out());
        List<String> rows = flows.out().lines()
                .filter(l -> l.matches("\\s+(TCP|UDP|ICMP|ICMPv6|SCTP|proto \\d+)\\s.*")).toList();
        assertEquals(3, rows.size(), "three flows listed: " + flows.out());
        assertTrue(flows.out().contains("top 3 of ") && flows.out().contains("destination"), flows.out());
        long[] bytes = rows.stream().map(l -> l.trim().split("\\s+")) // bytes, flags, age, idle end the row
                .mapToLong(c -> Long.parseLong(c[c.length - 4].replace(",", ""))).toArray();
        assertTrue(bytes[0] >= bytes[1] && bytes[1] >= bytes[2] && bytes[2] > 0, "largest first: " + flows.out());
        Result badTop = mina("show flows top lots");
        assertEquals(1, badTop.status(), badTop.out());
        assertTrue(badTop.out().contains("N must be 1..1000"), badTop.out());
        Result reload = mina("reload");
        assertEquals(0, reload.status(), reload.out());
        Result bad = mina("show nonsense");
        assertEquals(1, bad.status(), bad.out());
        assertTrue(bad.out().contains("show what?"), bad.out());
    }

    @Test
    void readOnlyUserWithOpenSshLooksButCannotChange() throws Exception {
        Result plugins = openssh(viewerKey, "viewer", "show", "plugins");
        assertEquals(0, plugins.status(), plugins.out());
        assertTrue(plugins.out().contains("netflow"), plugins.out());
        Result reload = openssh(viewerKey, "viewer", "reload");
        assertEquals(1, reload.status(), reload.out());
        assertTrue(reload.out().contains("permission denied"), reload.out());
        Result unload = openssh(viewerKey, "viewer", "plugin", "unload", "netflow");
        assertEquals(1, unload.status(), unload.out());
        Result stillThere = openssh(viewerKey, "viewer", "show", "plugins");
        assertTrue(stillThere.out().contains("netflow"), stillThere.out());
        // the viewer's key is not the operator's: logging in as ops with it is refused
        Result wrongUser = openssh(viewerKey, "ops", "show", "version");
        assertEquals(255, wrongUser.status(), wrongUser.out());
    }

    @Test
    void anUnknownKeyIsRefused() throws Exception {
        Result r = openssh(strangerKey, "viewer", "show", "version");
        assertEquals(255, r.status(), r.out());
        assertTrue(r.out().contains("Permission denied"), r.out());
        assertTrue(Files.readString(dir.resolve("agent/audit.log")).contains("login-refused"));
    }

    @Test
    void captureprintsLivePackets() throws Exception {
        Result r = openssh(viewerKey, "viewer", "capture", "count", "5", "proto", "tcp", "timeout", "20");
        assertEquals(0, r.status(), r.out());
        long lines = r.out().lines().filter(l -> l.contains(" IP ") && l.contains("TCP")).count();
        assertEquals(5, lines, r.out());
        assertTrue(r.out().contains("5 packets captured"), r.out());
        Result plugins = mina("show plugins");
        assertTrue(!plugins.out().contains("capture-"), "the capture plugin is gone: " + plugins.out());
        Result bad = openssh(viewerKey, "viewer", "capture", "proto", "nonsense");
        assertEquals(1, bad.status(), bad.out());
    }

    @Test
    void interactiveShellCompletesWithTab() throws Exception {
        try (ClientSession s = client.connect("ops", "127.0.0.1", sshPort).verify(Duration.ofSeconds(10))
                .getSession()) {
            s.addPublicKeyIdentity(opsKey);
            s.auth().verify(Duration.ofSeconds(10));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (ChannelShell ch = s.createShellChannel()) {
                ch.setOut(out);
                ch.setErr(out);
                ch.open().verify(Duration.ofSeconds(10));
                OutputStream in = ch.getInvertedIn();
                in.write("sh\tver\t\r".getBytes(StandardCharsets.US_ASCII));
                in.flush();
                Await.until(Duration.ofSeconds(10), "the completed 'show version' answered",
                        () -> out.toString(StandardCharsets.UTF_8), o -> o.contains("plugin API"));
                in.write("exit\r".getBytes(StandardCharsets.US_ASCII));
                in.flush();
                ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), Duration.ofSeconds(10));
            }
            String text = out.toString(StandardCharsets.UTF_8);
            assertTrue(text.contains("show version"), "tab completed the words: " + text);
            assertTrue(text.contains("plugin API"), text);
            assertTrue(text.contains("ops@secmon# "), "operator prompt: " + text);
        }
        String audit = Files.readString(dir.resolve("agent/audit.log"));
        assertTrue(audit.contains("\"event\":\"session-open\"") && audit.contains("\"command\":\"show version\""),
                audit);
    }

    /** The line editor (JLine) through Mina's client with a terminal: history, cursor keys, UTF-8, log levels. */
    @Test
    void lineEditingHistoryArrowsAndUtf8ThroughMina() throws Exception {
        try (ClientSession s = client.connect("ops", "127.0.0.1", sshPort).verify(Duration.ofSeconds(10))
                .getSession()) {
            s.addPublicKeyIdentity(opsKey);
            s.auth().verify(Duration.ofSeconds(10));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (ChannelShell ch = s.createShellChannel()) {
                ch.setPtyType("xterm");
                ch.setPtyColumns(120);
                ch.setOut(out);
                ch.setErr(out);
                ch.open().verify(Duration.ofSeconds(10));
                OutputStream in = ch.getInvertedIn();
                java.util.function.BiConsumer<String, java.util.function.Predicate<String>> type = (keys, done) -> {
                    try {
                        in.write(keys.getBytes(StandardCharsets.UTF_8));
                        in.flush();
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    Await.until(Duration.ofSeconds(10), "the answer to " + keys.replace("\u001b", "ESC"),
                            () -> out.toString(StandardCharsets.UTF_8), done);
                };
                type.accept("show version\r", o -> count(o, "plugin API") == 1);
                type.accept("\u001b[A\r", o -> count(o, "plugin API") == 2); // Up: the last line again
                // "sow version", Ctrl-A (line start), Right, "h": "show version"
                type.accept("sow version\u0001\u001b[Ch\r", o -> count(o, "plugin API") == 3);
                type.accept("ärger€\r", o -> o.contains("unknown command 'ärger€'"));
                type.accept("log level fine\r", o -> o.contains("error, warn, info, debug, trace, not 'fine'"));
                type.accept("log level debug\r", o -> o.contains("log level of org.secmon is now debug"));
                type.accept("log level info\r", o -> o.contains("log level of org.secmon is now info"));
                in.write("exit\r".getBytes(StandardCharsets.US_ASCII));
                in.flush();
                ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), Duration.ofSeconds(10));
            }
        }
    }

    /** The same line editor through OpenSSH's own client with a forced terminal ({@code ssh -tt}). */
    @Test
    void historyRecallThroughOpenSshTt() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Tools.require("ssh").toString(), "-tt", "-i",
                viewerKey.toString(), "-p", Integer.toString(sshPort), "-o", "BatchMode=yes", "-o",
                "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes",
                "-o", "LogLevel=ERROR", "viewer@127.0.0.1"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("TERM", "xterm");
        Process p = pb.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread reader = Thread.ofPlatform().start(() -> {
            try {
                p.getInputStream().transferTo(out);
            } catch (java.io.IOException ignored) {
                // the process ended
            }
        });
        try {
            OutputStream in = p.getOutputStream();
            Await.until(Duration.ofSeconds(15), "the prompt", () -> out.toString(StandardCharsets.UTF_8),
                    o -> o.contains("viewer@secmon> "));
            in.write("show version\r".getBytes(StandardCharsets.UTF_8));
            in.flush();
            Await.until(Duration.ofSeconds(10), "show version", () -> out.toString(StandardCharsets.UTF_8),
                    o -> count(o, "plugin API") == 1);
            in.write("\u001bOA\r".getBytes(StandardCharsets.UTF_8)); // Up as xterm sends it in keypad mode
            in.flush();
            Await.until(Duration.ofSeconds(10), "show version recalled with Up",
                    () -> out.toString(StandardCharsets.UTF_8), o -> count(o, "plugin API") == 2);
            in.write("exit\r".getBytes(StandardCharsets.UTF_8));
            in.flush();
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), out.toString(StandardCharsets.UTF_8));
        } finally {
            p.destroyForcibly();
            reader.join(5000);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertFalse(text.contains("OA"), "the Up key was taken as text: " + text);
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
