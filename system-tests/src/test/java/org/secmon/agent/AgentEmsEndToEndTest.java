package org.secmon.agent;

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
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongPredicate;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.ems.api.Json;
import org.secmon.ems.server.Ems;
import org.secmon.ems.testkit.EmsFixture;
import org.secmon.testkit.Await;
import org.secmon.testkit.ConsulServer;
import org.secmon.ems.server.store.ConsulStore;
import org.secmon.ems.server.store.EmbeddedStore;
import org.secmon.ems.server.store.Store;
import org.secmon.testkit.Nfcapd;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The product end to end: a real EMS (embedded store, then a real Consul), configured through secmonctl; an agent
 * replaying the sample capture as live traffic; a real nfcapd receiving its NetFlow. A rule change stops one
 * tuple's flows within a second while the others go on; with the EMS stopped the agent keeps exporting; a change
 * made while it could not be told is applied on the resync after the EMS returns.
 */
class AgentEmsEndToEndTest {
    /** One flow record as nfdump decoded it: first-seen time, protocol, destination port, packets. */

    interface StoreFactory {
        Store open() throws Exception;
    }

    @Test
    void embeddedStore(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("ems.mv");
        endToEnd(dir, () -> new EmbeddedStore(file, false));
    }

    @Test
    void consulStore(@TempDir Path dir) throws Exception {
        try (ConsulServer consul = ConsulServer.dev()) {
            endToEnd(dir, () -> new ConsulStore(consul.url(), "secmon-e2e/", null));
        }
    }

    private void endToEnd(Path dir, StoreFactory stores) throws Exception {
        Path session = dir.resolve("ctl.json");
        EmsFixture ems = new EmsFixture(stores.open(), Ems.HealthOptions.DEFAULT);
        int emsPort = ems.server.port();
        AgentCommand agentCmd = null;
        Thread agentThread = null;
        try (Nfcapd nfcapd = new Nfcapd(dir.resolve("nfcapd"), 0)) {
            AgentFixtures.ctl(session, "login", "--ems", ems.base, "-u", "admin");
            AgentFixtures.applyDnsScope(session, dir.resolve("e2e.yaml"), "e2e", nfcapd.port, 2, 1);

            agentCmd = new AgentCommand(new PrintStream(Files.newOutputStream(dir.resolve("agent.log")), true,
                    StandardCharsets.UTF_8));
            CommandLine cl = new CommandLine(agentCmd);
            String[] args = RunningAgent.args(dir, ems.base, "e2e", 4000, Path.of("target/plugins"),
                "--report-interval", "PT0.5S", "--retry-max", "PT1S");
            agentThread = Thread.ofPlatform().name("agent").start(() -> cl.execute(args));

            long desired = desiredVersion(session);
            waitApplied(session, v -> v >= desired, 30_000);
            Thread.sleep(2500);

            // 1. drop DNS: its flows stop within a second, the others go on
            long tChange = System.currentTimeMillis();
            AgentFixtures.ctl(session, "update", "rule", "dns", "-s", "e2e", "--set", "action=drop");
            long v1 = desiredVersion(session);
            long tApplied = waitApplied(session, v -> v >= v1, 5_000);
            assertTrue(tApplied - tChange < 1000, "applied " + (tApplied - tChange) + " ms after the write");
            Thread.sleep(2500);

            // 2. the EMS goes away: monitoring goes on
            ems.close();
            long tStop = System.currentTimeMillis();
            Thread.sleep(2500);

            // 3. meanwhile the configuration changes (another EMS instance on the same store; its notification
            //    makes the agent fetch from its own EMS, which is down), then the agent's EMS comes back
            long v2;
            try (EmsFixture other = new EmsFixture(stores.open(), Ems.HealthOptions.DEFAULT)) {
                AgentFixtures.ctl(session, "--ems", other.base, "update", "rule", "dns", "-s", "e2e", "--set", "action=forward");
                v2 = desiredVersion(session, other.base);
            }
            Thread.sleep(500);
            ems = new EmsFixture(stores.open(), Ems.HealthOptions.DEFAULT, emsPort);
            long tResynced = waitApplied(session, v -> v >= v2, 15_000);
            Thread.sleep(4000); // the sample's DNS exchanges come in bursts about 2.3 s apart: catch at least one
            agentCmd.stop();
            agentThread.join(10_000);
            agentThread = null;

            List<AgentFixtures.Rec> recs = AgentFixtures.records(nfcapd.stop());
            long dnsBefore = count(recs, 17, 53, 0, tChange);
            // applied_at is taken just after the swap, and a burst timestamped just before it may already run the
            // new filter: a flow may start a few ms before applied_at
            long dnsWhileDropped = count(recs, 17, 53, tChange + 1000, tResynced - 50);
            long webWhileDropped = count(recs, 6, 80, tChange + 1000, tStop);
            long webWhileEmsDown = count(recs, 6, 80, tStop + 500, tResynced);
            // DNS was dropped until the resync applied forward: any DNS flow from then on shows it
            long dnsAfterResync = count(recs, 17, 53, tResynced, Long.MAX_VALUE);
            StringBuilder dns = new StringBuilder();
            for (AgentFixtures.Rec r : recs) {
                if (r.proto() == 17 && r.dport() == 53) {
                    dns.append(r.firstMillis() - tChange).append(' ');
                }
            }
            String summary = "DNS flows at (ms after the change) " + dns + "; resynced at " + (tResynced - tChange)
                    + "; dns before " + dnsBefore + ", dns while dropped " + dnsWhileDropped + ", web while"
                    + " dropped " + webWhileDropped + ", web while EMS down " + webWhileEmsDown + ", dns after resync "
                    + dnsAfterResync + "; agent log:\n" + Files.readString(dir.resolve("agent.log"));
            assertTrue(dnsBefore > 0, summary);
            assertEquals(0, dnsWhileDropped, summary);
            assertTrue(webWhileDropped > 0, summary);
            assertTrue(webWhileEmsDown > 0, summary);
            assertTrue(dnsAfterResync > 0, summary);
        } finally {
            if (agentCmd != null && agentThread != null) {
                agentCmd.stop();
                agentThread.join(10_000);
            }
            ems.close();
        }
    }

    private static long count(List<AgentFixtures.Rec> recs, int proto, int dport, long from, long to) {
        return recs.stream().filter(r -> r.proto() == proto && r.dport() == dport && r.firstMillis() >= from
                && r.firstMillis() < to).count();
    }

    private static long desiredVersion(Path session, String... ems) throws Exception {
        List<String> args = new ArrayList<>();
        if (ems.length > 0) {
            args.addAll(List.of("--ems", ems[0]));
        }
        args.addAll(List.of("get", "scope", "e2e", "-o", "json"));
        return Json.mapper().readTree(AgentFixtures.ctl(session, args.toArray(String[]::new))).path("config_version").asLong();
    }

    /**
     * Waits until the agent has applied a version that passes and the EMS shows it; answers when the agent applied
     * it (epoch ms, from the agent's own status).
     */
    private static long waitApplied(Path session, LongPredicate ok, long timeoutMillis) throws Exception {
        // a failing ctl call (the EMS restarting) counts as "not yet"
        JsonNode last = Await.until(Duration.ofMillis(timeoutMillis), "the appliance applied the version",
                () -> Json.mapper().readTree(AgentFixtures.ctl(session, "get", "appliances", "-o", "json")),
                l -> l.size() == 1 && l.get(0).has("applied_version")
                        && ok.test(l.get(0).path("applied_version").asLong()));
        String url = last.get(0).path("notification_url").asText();
        HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(URI.create(url).resolve("/health"))
                .build(), HttpResponse.BodyHandlers.ofString());
        JsonNode h = Json.mapper().readTree(health.body());
        assertTrue(ok.test(h.path("applied_version").asLong()), h.toString());
        return Instant.parse(h.path("applied_at").asText()).toEpochMilli();
    }

    private static final HttpClient HTTP = HttpClient.newHttpClient();


}
