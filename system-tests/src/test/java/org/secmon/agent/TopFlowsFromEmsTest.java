package org.secmon.agent;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.ems.api.Json;
import org.secmon.ems.testkit.EmsFixture;
import org.secmon.testkit.Await;
import org.secmon.testkit.UdpCapture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An appliance's largest flows reach operators through the EMS: an agent replaying the sample capture (HTTP GETs of
 * www.SITE, TLS ClientHellos and DNS queries for api.SITE) with a NetFlow monitor that collects the layer-7
 * metadata reports its flows with every report; {@code secmonctl flows} shows each flow's server or query name beside
 * its 5-tuple, exactly the names the capture carries (a DNS answer's flow the name it answers), and
 * {@code secmonctl flows -o json} the same rows.
 */
class TopFlowsFromEmsTest {
    @Test
    void theReportedTopFlowsCarryTheServerAndQueryNames(@TempDir Path dir) throws Exception {
        Path session = dir.resolve("ctl.json");
        try (EmsFixture ems = EmsFixture.embedded(dir); UdpCapture ipfix = new UdpCapture()) {
            AgentFixtures.ctl(session, "login", "--ems", ems.base, "-u", "admin");
            Path config = dir.resolve("c.yaml");
            Files.writeString(config, """
                    projects: [{name: lab}]
                    scopes: [{name: m, project: lab}]
                    classification_objects: [{scope: m, name: all}]
                    rules: [{scope: m, name: all, classification_object: all, priority: 10, action: forward}]
                    policies: [{scope: m, name: everything, rules: [all]}]
                    collectors: [{scope: m, name: flows, address: 127.0.0.1, port: %d, type: ipfix}]
                    netflow_monitors:
                      - {scope: m, name: names, collect_fields: [tls_sni, http_host, dns_query]}
                    netflow_configs: [{scope: m, active_timeout: 60, inactive_timeout: 60}]
                    netflow_associations: [{scope: m, name: nf, policy: everything, collector: flows, monitor: names}]
                    """.formatted(ipfix.port));
            AgentFixtures.ctl(session, "apply", "-f", config.toString());
            String[] args = RunningAgent.args(dir, ems.base, "m", 2000, Path.of("target/plugins"),
                    "--ssh-port", "-1", "--report-interval", "PT0.5S", "--report-flows", "100");
            Path log = dir.resolve("agent.log");
            try (RunningAgent agent = new RunningAgent(log, args)) {
                // every client->server flow of the sample, by destination and source port, with its name
                Map<String, String> expected = new HashMap<>();
                String[] sites = {"shop.example.com", "intranet.example.org", "mail.example.net"};
                for (int round = 0; round < 3; round++) {
                    for (int i = 0; i < 4; i++) {
                        String site = sites[(round * 4 + i) % sites.length];
                        int sport = 40000 + round * 100 + i;
                        String client = "10.1.0." + (10 + i);
                        expected.put(client + ":" + sport + ">10.2.0.80:80", "www." + site);
                        expected.put(client + ":" + (sport + 10) + ">10.2.0.43:443", "api." + site);
                        expected.put(client + ":" + (sport + 20) + ">10.2.0.53:53", "api." + site);
                    }
                }
                // TCP flows leave the cache at their FIN, so a report catches some of them: every DNS flow (they
                // stay) and at least one web and one TLS flow, each with exactly its name
                Map<String, String> got = new HashMap<>();
                JsonNode last;
                try {
                    last = Await.until(Duration.ofSeconds(40), "every DNS flow and a web and a TLS flow with their"
                            + " names in the appliance's reported flows", () -> Json.mapper().readTree(
                                    AgentFixtures.ctl(session, "flows", "m-1", "-s", "m", "-o", "json")),
                            r -> {
                                got.putAll(named(r));
                                return expected.keySet().stream().filter(k -> k.endsWith(":53"))
                                        .allMatch(got::containsKey)
                                        && got.keySet().stream().anyMatch(k -> k.endsWith(":80"))
                                        && got.keySet().stream().anyMatch(k -> k.endsWith(":443"));
                            });
                } catch (AssertionError e) {
                    throw new AssertionError(e.getMessage() + "\nseen: " + got + "\nagent log:\n"
                            + Files.readString(log), e);
                }
                for (Map.Entry<String, String> e : got.entrySet()) {
                    String k = e.getKey();
                    String clientSide = k.startsWith("10.2.") ? k.substring(k.indexOf('>') + 1) + ">"
                            + k.substring(0, k.indexOf('>')) : k; // a DNS answer: the query's name
                    assertEquals(expected.get(clientSide), e.getValue(), "the name of " + k + " in " + got);
                }
                JsonNode nf = last.path("flows").path("netflow");
                assertTrue(nf.path("note").asText().startsWith("top "), nf.toString());

                String table = AgentFixtures.ctl(session, "flows", "m-1", "-s", "m");
                assertTrue(table.contains("netflow: top "), table);
                assertTrue(table.matches("(?s).*PROTO +SOURCE +DESTINATION +NAME +PACKETS +BYTES.*"), table);
                // a new collector for the running appliance: the plugin restarts with it (it used to keep
                // exporting to the old one until the agent restarted)
                try (UdpCapture moved = new UdpCapture()) {
                    AgentFixtures.ctl(session, "update", "collector", "flows", "-s", "m", "--set",
                            "port=" + moved.port);
                    Await.until(Duration.ofSeconds(20), "IPFIX at the collector's new port", () -> moved.count() > 0);
                    int old = ipfix.count();
                    Thread.sleep(1000);
                    assertTrue(ipfix.count() - old <= 1, "the old port still gets " + (ipfix.count() - old)
                            + " datagrams a second");
                }
                assertTrue(table.matches("(?s).*UDP +10\\.1\\.0\\.1[0-3]:4\\d+ +10\\.2\\.0\\.53:53 +api\\."
                        + "(shop\\.example\\.com|intranet\\.example\\.org|mail\\.example\\.net) +[\\d,]+ .*"), table);
            }
        }
    }

    /** The named flows of a report: "SRC:PORT>DST:PORT" to the name column. */
    private static Map<String, String> named(JsonNode report) {
        Map<String, String> out = new HashMap<>();
        JsonNode nf = report.path("flows").path("netflow");
        java.util.List<String> cols = new java.util.ArrayList<>();
        nf.path("columns").forEach(c -> cols.add(c.asText()));
        int src = cols.indexOf("source");
        int dst = cols.indexOf("destination");
        int name = cols.indexOf("name");
        if (src < 0 || dst < 0 || name < 0) {
            return out;
        }
        for (JsonNode r : nf.path("rows")) {
            if (!r.path(name).asText("-").equals("-")) {
                out.put(r.path(src).asText() + ">" + r.path(dst).asText(), r.path(name).asText());
            }
        }
        return out;
    }
}
