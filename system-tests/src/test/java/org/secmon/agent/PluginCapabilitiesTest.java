package org.secmon.agent;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.ems.api.Json;
import org.secmon.ems.testkit.EmsFixture;
import org.secmon.testkit.Await;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A plugin jar dropped into a running agent's plugins directory shows up in the capabilities the EMS holds for the
 * appliance, and goes away from them when the jar is removed; the NetFlow plugin configured before it was installed
 * starts with that configuration.
 */
class PluginCapabilitiesTest {
    @Test
    void capabilitiesFollowThePluginsDirectory(@TempDir Path dir) throws Exception {
        Path jar = Path.of("target/plugins/secmon-netflow.jar");
        assertTrue(Files.isRegularFile(jar), "the build puts the NetFlow plugin at " + jar);
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        Path session = dir.resolve("ctl.json");
        try (EmsFixture ems = EmsFixture.embedded(dir)) {
            AgentFixtures.ctl(session, "login", "--ems", ems.base, "-u", "admin");
            Path config = dir.resolve("c.yaml");
            Files.writeString(config, """
                    projects: [{name: lab}]
                    scopes: [{name: c, project: lab}]
                    classification_objects: [{scope: c, name: all}]
                    rules: [{scope: c, name: all, classification_object: all, priority: 10, action: forward}]
                    policies: [{scope: c, name: p, rules: [all]}]
                    collectors: [{scope: c, name: sink, address: 127.0.0.1, port: 9, type: netflow}]
                    netflow_associations: [{scope: c, name: nf, policy: p, collector: sink}]
                    """);
            AgentFixtures.ctl(session, "apply", "-f", config.toString());
            String[] args = RunningAgent.args(dir, ems.base, "c", 2000, plugins, "--report-interval", "PT0.3S");
            try (RunningAgent agent = new RunningAgent(dir.resolve("agent.log"), args)) {
                JsonNode a = await(session, c -> c.size() > 0, "the agent registers");
                assertFalse(a.has("netflow"), a.toString());
                Files.copy(jar, plugins.resolve("secmon-netflow.jar.part"));
                Files.move(plugins.resolve("secmon-netflow.jar.part"), plugins.resolve(jar.getFileName()));
                a = await(session, c -> c.has("netflow"), "netflow appears in the capabilities");
                assertTrue(a.path("netflow").asText().matches("\\d+\\.\\d+.*"), a.toString());
                JsonNode nf = awaitCounters(session, n -> n.path("plugins").path("netflow").path("received")
                        .asLong() > 0);
                assertEquals("started", nf.path("plugins").path("netflow").path("state").asText(), nf.toString());
                Files.delete(plugins.resolve(jar.getFileName()));
                a = await(session, c -> !c.has("netflow"), "netflow leaves the capabilities");
            }
        }
    }

    private static JsonNode appliance(Path session) throws Exception {
        JsonNode list = Json.mapper().readTree(AgentFixtures.ctl(session, "get", "appliances", "-o", "json"));
        return list.size() == 1 ? list.get(0) : null;
    }

    private static JsonNode await(Path session, Predicate<JsonNode> ok, String what) throws Exception {
        return Await.until(Duration.ofSeconds(30), what + " (capabilities)", () -> {
            JsonNode a = appliance(session);
            return a == null ? null : a.get("capabilities");
        }, c -> c != null && ok.test(c));
    }

    private static JsonNode awaitCounters(Path session, Predicate<JsonNode> ok) throws Exception {
        return Await.until(Duration.ofSeconds(30), "the appliance's counters", () -> {
            JsonNode a = appliance(session);
            return a == null ? null : Json.mapper().readTree(AgentFixtures.ctl(session, "counters",
                    a.path("id").asText(), "-o", "json")).get("counters");
        }, c -> c != null && ok.test(c));
    }
}
