package org.secmon.agent;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.ems.api.Json;
import org.secmon.ems.testkit.EmsFixture;
import org.secmon.testkit.Await;
import org.secmon.testkit.Nfcapd;
import org.secmon.testkit.Ports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * While the sample capture is replayed in a loop, the policy changes 100 times (DNS dropped, then forwarded, ...)
 * and the NetFlow configuration 10 times (its active timeout: new plugin instances swapped in beside the old ones).
 * Every packet the agent received is accounted: given to the NetFlow plugin or filtered by the rule in force, none
 * lost to a swap; and nfcapd receives flows holding exactly the packets the plugin was given, as one exporter: no
 * sequence failure at a swap.
 */
class HitlessReconfigurationTest {
    /** On 1 rx queue, and on 2 (a NetFlow instance per queue: every queue swaps between its bursts). */
    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void hundredPolicyChangesLoseNothing(int queues, @TempDir Path dir) throws Exception {
        Path session = dir.resolve("ctl.json");
        int collectorPort = Ports.freeUdp();
        try (EmsFixture ems = EmsFixture.embedded(dir)) {
            AgentFixtures.ctl(session, "login", "--ems", ems.base, "-u", "admin");
            AgentFixtures.applyDnsScope(session, dir.resolve("c.yaml"), "h", collectorPort, 5, 2);
            String[] args = RunningAgent.args(dir, ems.base, "h", 20000, Path.of("target/plugins"),
                "--report-interval", "PT0.5S", "--queues", Integer.toString(queues));
            // a first run registers and keeps the configuration on disk; the second starts with it, so that the
            // NetFlow plugin is configured before the first packet and every packet is accounted
            try (RunningAgent first = new RunningAgent(dir.resolve("first.log"), args)) {
                waitForHealth(session);
            }
            try (Nfcapd nfcapd = new Nfcapd(dir.resolve("nfcapd"), 0, collectorPort)) {
                try (RunningAgent agent = new RunningAgent(dir.resolve("agent.log"), args)) {
                    changePolicyHundredTimes(session, Files.readString(dir.resolve("first.log")));
                }
                String log = Files.readString(dir.resolve("agent.log"));
                assertTrue(log.contains("monitoring with the saved configuration"), log);
                int at = log.indexOf("[agent] final counters ");
                assertTrue(at >= 0, log);
                JsonNode c = Json.mapper().readTree(log.substring(at + 23).lines().findFirst().orElseThrow());
                Path file = nfcapd.stop(); // after the agent stopped: it flushes every flow on the way out
                long exported = 0;
                for (AgentFixtures.Rec r : AgentFixtures.records(file)) {
                    exported += r.packets();
                }
                long rx = c.path("rx_packets").asLong();
                JsonNode nf = c.path("plugins").path("netflow");
                String summary = "rx " + rx + ", netflow " + nf + ", exported packets " + exported
                        + ", nfcapd's sequence failures " + Nfcapd.stats(file).get("Sequence failures");
                System.out.println("[hitless] " + summary);
                assertTrue(rx > 10_000, summary);
                assertEquals(0, nf.path("dropped").asLong(), summary);
                assertEquals(0, nf.path("records_lost").asLong(), summary);
                assertEquals("stopped", nf.path("state").asText(), summary);
                assertEquals(queues, nf.path("instances").asInt(), summary);
                assertEquals(0, nf.path("flows_active").asLong(), "every flow flushed at stop: " + summary);
                assertEquals(rx, nf.path("received").asLong() + nf.path("filtered").asLong(), summary);
                assertTrue(nf.path("filtered").asLong() > 0, "DNS was dropped part of the time: " + summary);
                assertEquals(nf.path("received").asLong(), exported, summary);
                // one exporter to the collector across the swaps: its sequence numbers go on where the old
                // instances' stopped (nfcapd counts a failure for every datagram not numbered last + 1)
                assertEquals("0", Nfcapd.stats(file).get("Sequence failures"), summary);
            }
        }
    }

    /** 100 changes through secmonctl, then waits until the agent has applied the last one. */
    private static void changePolicyHundredTimes(Path session, String firstLog) throws Exception {
        URI health = waitForHealth(session);
        for (int i = 0; i < 200 && firstLog.contains(health.getAuthority()); i++) {
            Thread.sleep(50); // until the second run has reported its own notification endpoint
            health = waitForHealth(session);
        }
        for (int i = 0; i < 100; i++) {
            AgentFixtures.ctl(session, "update", "rule", "dns", "-s", "h", "--set",
                    "action=" + (i % 2 == 0 ? "drop" : "forward"));
            if (i % 10 == 5) {
                // a change of the NetFlow plugin's own configuration: new instances swapped in beside the old
                AgentFixtures.ctl(session, "update", "netflow_config", "-s", "h", "--set",
                        "active_timeout=" + (i % 20 == 5 ? 6 : 5));
            }
        }
        long desired = Json.mapper().readTree(AgentFixtures.ctl(session, "get", "scope", "h", "-o",
                "json")).path("config_version").asLong();
        URI agent = health;
        JsonNode h = Await.until(Duration.ofSeconds(20), "the last change (version " + desired + ") applied",
                () -> get(agent), n -> n.path("applied_version").asLong() >= desired);
        assertTrue(h.path("applies").asLong() >= 2, "changes were applied as they came: " + h);
    }

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static JsonNode get(URI health) throws Exception {
        JsonNode n = Json.mapper().readTree(HTTP.send(HttpRequest.newBuilder(health).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        return n;
    }

    private static URI waitForHealth(Path session) throws Exception {
        JsonNode a = Await.until(Duration.ofSeconds(30), "the agent registered and applied",
                () -> Json.mapper().readTree(AgentFixtures.ctl(session, "get", "appliances", "-o", "json")),
                l -> l.size() == 1 && l.get(0).has("applied_version"));
        return URI.create(a.get(0).path("notification_url").asText()).resolve("/health");
    }
}
