package org.secmon.console.ui;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.secmon.agent.AgentCommand;
import org.secmon.ems.api.Json;
import org.secmon.ems.api.client.EmsClient;
import org.secmon.ems.api.model.ResourceKind;
import org.secmon.ems.testkit.EmsFixture;
import org.secmon.testkit.Await;
import org.secmon.testkit.Ports;
import org.secmon.testkit.SampleCapture;
import picocli.CommandLine;

/**
 * What the console tests look at: a real EMS (embedded store) with a project and scope "lab", and a real agent in
 * that scope replaying a generated capture, reporting every second. Closing stops both.
 */
public final class Lab implements AutoCloseable {
    public final EmsFixture ems;
    public final EmsClient admin;
    public final int sshPort;
    private final AgentCommand agent;
    private final Thread agentThread;

    public Lab(Path dir) throws Exception {
        ems = EmsFixture.embedded(dir);
        admin = EmsClient.create(java.net.URI.create(ems.base));
        admin.login("admin", EmsFixture.ADMIN_PASSWORD);
        admin.create(ResourceKind.PROJECTS, Map.of("name", "lab"));
        admin.create(ResourceKind.SCOPES, Map.of("name", "lab", "project", "lab"));
        Path pcap = dir.resolve("sample.pcap");
        SampleCapture.write(pcap);
        Path pw = dir.resolve("pw");
        Files.writeString(pw, EmsFixture.ADMIN_PASSWORD);
        sshPort = Ports.freeTcp();
        String plugins = System.getProperty("secmon.plugins.dir", "../appliance/agent/target/plugins");
        String[] args = {"--ems", ems.base, "--scope", "lab", "--name", "edge-1", "--user", "admin",
            "--password-file", pw.toString(), "--source", "pcap:" + pcap, "--rate", "3000", "--state-dir",
            dir.resolve("agent").toString(), "--plugins", plugins, "--notify-port", "0", "--report-interval", "PT1S", "--report-flows", "50",
            "--ssh-port", Integer.toString(sshPort), "--ssh-address", "127.0.0.1"};
        agent = new AgentCommand(new PrintStream(Files.newOutputStream(dir.resolve("agent.log")), true,
                StandardCharsets.UTF_8));
        agentThread = Thread.ofPlatform().name("console-test-agent").start(() -> new CommandLine(agent)
                .execute(args));
        Await.until(Duration.ofSeconds(30), "the agent registered and reported (agent log: "
                + dir.resolve("agent.log") + ")", this::appliance,
                a -> a != null && a.path("status").asText().equals("up"));
    }

    /** The agent's appliance as the EMS has it, or null before it registered. */
    public ObjectNode appliance() {
        var l = admin.list(ResourceKind.APPLIANCES, Map.of());
        return l.isEmpty() ? null : l.getFirst();
    }

    public long scopeVersion() {
        return admin.find(ResourceKind.SCOPES, null, "lab").path("config_version").asLong();
    }

    public static ObjectNode json() {
        return Json.mapper().createObjectNode();
    }

    @Override
    public void close() throws InterruptedException {
        agent.stop();
        agentThread.join(20_000);
        admin.close();
        ems.close();
    }
}
