package org.secmon.agent;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.ems.api.Json;
import org.secmon.ems.testkit.EmsFixture;
import org.secmon.testkit.Await;
import org.secmon.testkit.Nfcapd;
import org.secmon.testkit.Ports;
import org.secmon.testkit.Tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real Prometheus (Debian's) scrapes a running EMS and a running agent (exporting NetFlow to a real nfcapd) with
 * one scrape credential of the EMS: PromQL answers the expected series with their types, {@code promtool check
 * metrics} finds nothing to complain about in either exposition, every query of the Grafana dashboard in docs/
 * parses and the main ones return data, and the agent refuses a scrape without the credential or once the credential
 * is deleted in the EMS.
 */
class PrometheusScrapeTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Path DASHBOARD = Path.of("../docs/grafana/secmon-dashboard.json");

    @Test
    void prometheusScrapesTheEmsAndAnAgentWithAScrapeToken(@TempDir Path dir) throws Exception {
        Path prometheusBin = Tools.require("prometheus");
        Path promtool = Tools.require("promtool");
        Tools.require("nfcapd");
        Path session = dir.resolve("ctl.json");
        try (EmsFixture ems = EmsFixture.embedded(dir.resolve("ems"));
             Nfcapd nfcapd = new Nfcapd(dir.resolve("nfcapd"), 0)) {
            String admin = ems.admin();
            AgentFixtures.ctl(session, "login", "--ems", ems.base, "-u", "admin");
            // the scrape credential, made as an operator would: secmonctl writes it where Prometheus reads it
            Path tokenFile = dir.resolve("scrape.token");
            AgentFixtures.ctl(session, "scrape-token", "create", "prometheus", "--out", tokenFile.toString());
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(tokenFile)));
            String token = Files.readString(tokenFile).strip();
            assertTrue(AgentFixtures.ctl(session, "scrape-token", "list").contains("prometheus"));
            AgentFixtures.applyDnsScope(session, dir.resolve("scope.yaml"), "prom", nfcapd.port, 2, 1);
            Path portFile = dir.resolve("metrics.port");
            try (RunningAgent agent = new RunningAgent(dir.resolve("agent.log"), RunningAgent.args(dir, ems.base,
                    "prom", 2000, Path.of("target/plugins"), "--ssh-port", "-1", "--report-interval", "PT0.5S",
                    "--metrics-port", "0", "--metrics-status-file", portFile.toString()))) {
                Await.until(Duration.ofSeconds(30), "the agent's metrics endpoint", () -> Files.exists(portFile)
                        && !Files.readString(portFile).isBlank(), () -> Files.readString(dir.resolve("agent.log")));
                int agentPort = Integer.parseInt(Files.readString(portFile).strip());
                String agentMetrics = "http://127.0.0.1:" + agentPort + "/metrics";
                // the agent learns the scrape tokens' hashes from the EMS at registration
                Await.until(Duration.ofSeconds(30), "the agent accepts the scrape token",
                        () -> get(agentMetrics, token).statusCode() == 200);
                assertEquals(401, get(agentMetrics, null).statusCode());
                assertEquals(401, get(agentMetrics, "not-the-token-0123456789").statusCode());
                assertEquals(401, get(agentMetrics, admin).statusCode(), "a user's login token is no scrape token");

                // promtool's linter on both expositions, once traffic has gone through
                Await.until(Duration.ofSeconds(30), "NetFlow datagrams counted",
                        () -> get(agentMetrics, token).body().contains("secmon_collector_datagrams_total{"));
                for (String url : List.of(ems.base + "/metrics", agentMetrics)) {
                    String body = get(url, token).body();
                    Path f = dir.resolve("scrape.txt");
                    Files.writeString(f, body);
                    Process p = new ProcessBuilder(promtool.toString(), "check", "metrics")
                            .redirectInput(f.toFile()).redirectErrorStream(true).start();
                    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
                    assertEquals(0, p.exitValue(), url + ": promtool check metrics:\n" + out);
                    assertTrue(out.isBlank(), url + ": promtool check metrics:\n" + out);
                }

                int promPort = Ports.freeTcp();
                Path config = dir.resolve("prometheus.yml");
                Files.writeString(config, """
                        global: {scrape_interval: 1s, evaluation_interval: 1s}
                        scrape_configs:
                          - job_name: ems
                            authorization: {type: Bearer, credentials_file: %1$s}
                            static_configs: [{targets: ['127.0.0.1:%2$d']}]
                          - job_name: appliance
                            authorization: {type: Bearer, credentials_file: %1$s}
                            static_configs: [{targets: ['127.0.0.1:%3$d']}]
                          - job_name: appliance-without-token
                            static_configs: [{targets: ['127.0.0.1:%3$d']}]
                        """.formatted(tokenFile, URI.create(ems.base).getPort(), agentPort));
                Tools.Result check = Tools.exec(List.of(promtool.toString(), "check", "config", config.toString()), 60);
                assertEquals(0, check.exitCode(), check.out() + check.err());
                Process prom = new ProcessBuilder(prometheusBin.toString(), "--config.file=" + config,
                        "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + promPort,
                        "--log.level=warn").redirectErrorStream(true)
                        .redirectOutput(dir.resolve("prometheus.log").toFile()).start();
                try {
                    String api = "http://127.0.0.1:" + promPort;
                    Await.until(Duration.ofSeconds(60), "Prometheus ready", () -> {
                        try {
                            return get(api + "/-/ready", null).statusCode() == 200;
                        } catch (java.io.IOException e) {
                            return false;
                        }
                    }, () -> Files.readString(dir.resolve("prometheus.log")));
                    Await.until(Duration.ofSeconds(60), "both targets scraped, several times, with traffic",
                            () -> value(api, "up{job=\"ems\"}") == 1 && value(api, "up{job=\"appliance\"}") == 1
                                    && value(api, "sum(rate(secmon_rx_packets_total[5s]))") > 0
                                    && value(api, "sum(rate(secmon_collector_datagrams_total[5s]))") > 0
                                    && value(api, "sum(secmon_ems_appliances{status=\"up\"})") == 1
                                    // rates need two samples of a series: the dashboard's EMS panels too
                                    && value(api, "sum(rate(secmon_ems_http_requests_total[10s]))") > 0
                                    && value(api, "sum(rate(secmon_ems_http_request_duration_seconds_bucket"
                                    + "[10s]))") > 0,
                            () -> query(api, "up").toString());
                    assertEquals(0, value(api, "up{job=\"appliance-without-token\"}"), "scraped without a token");

                    // the series with their types, as Prometheus recorded them from the expositions
                    for (String[] t : new String[][] {{"secmon_rx_packets_total", "counter"},
                            {"secmon_plugin_packets_received_total", "counter"},
                            {"secmon_collector_datagrams_total", "counter"},
                            {"secmon_plugin_flows_active", "gauge"}, {"secmon_agent_config_version", "gauge"},
                            {"secmon_ems_http_requests_total", "counter"},
                            {"secmon_ems_http_request_duration_seconds", "histogram"},
                            {"secmon_ems_appliances", "gauge"}, {"jvm_memory_used_bytes", "gauge"}}) {
                        // the family is named without _total in OpenMetrics (what Prometheus asks for), with it in 0.0.4
                        JsonNode md = getJson(api + "/api/v1/targets/metadata?metric=" + t[0]).path("data");
                        if (md.isEmpty() && t[0].endsWith("_total")) {
                            md = getJson(api + "/api/v1/targets/metadata?metric="
                                    + t[0].substring(0, t[0].length() - 6)).path("data");
                        }
                        assertTrue(md.size() > 0, t[0] + ": no metadata");
                        for (JsonNode m : md) {
                            assertEquals(t[1], m.path("type").asText(), t[0] + " " + m);
                        }
                    }
                    long desired = Json.mapper().readTree(AgentFixtures.ctl(session, "get", "scope", "prom", "-o",
                            "json")).path("config_version").asLong();
                    assertEquals(desired, (long) value(api, "secmon_agent_config_version{job=\"appliance\"}"));
                    assertTrue(value(api, "secmon_plugin_packets_received_total{plugin=\"netflow\"}") > 0);
                    assertTrue(value(api, "sum(secmon_ems_http_requests_total{route=\"/api/v1/appliances/{id}"
                            + "/report\",status=\"200\"})") > 0, query(api, "secmon_ems_http_requests_total").toString());

                    // every query of the dashboard parses; the traffic and EMS panels have data
                    JsonNode dash = Json.mapper().readTree(DASHBOARD.toFile());
                    List<String> empty = new ArrayList<>();
                    int queries = 0;
                    for (JsonNode panel : dash.path("panels")) {
                        for (JsonNode target : panel.path("targets")) {
                            String expr = target.path("expr").asText().replace("$__rate_interval", "10s");
                            JsonNode r = query(api, expr);
                            assertEquals("success", r.path("status").asText(), panel.path("title") + ": " + r);
                            queries++;
                            if (r.path("data").path("result").isEmpty()) {
                                empty.add(panel.path("title").asText() + ": " + expr);
                            }
                        }
                    }
                    assertTrue(queries >= 15, "dashboard queries: " + queries);
                    for (String title : List.of("Appliances up", "Mirror packets/s per appliance",
                            "Exported datagrams/s per collector", "EMS requests/s by route",
                            "EMS request latency p95", "Configuration version applied")) {
                        assertTrue(empty.stream().noneMatch(e -> e.startsWith(title + ":")),
                                title + " has no data: " + empty);
                    }

                    // the credential deleted in the EMS: the appliance refuses it too (a full resync tells it)
                    AgentFixtures.ctl(session, "scrape-token", "delete", "prometheus");
                    assertEquals(401, get(ems.base + "/metrics", token).statusCode());
                    Await.until(Duration.ofSeconds(20), "the agent refuses the deleted scrape token",
                            () -> get(agentMetrics, token).statusCode() == 401);
                } finally {
                    prom.destroy();
                    if (!prom.waitFor(20, TimeUnit.SECONDS)) {
                        prom.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    }
                }
            }
        }
    }

    private static HttpResponse<String> get(String url, String bearer) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode getJson(String url) throws Exception {
        return Json.mapper().readTree(get(url, null).body());
    }

    private static JsonNode query(String api, String promql) throws Exception {
        return getJson(api + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    }

    /** The first sample's value of an instant query, or NaN when it has none. */
    private static double value(String api, String promql) throws Exception {
        JsonNode r = query(api, promql).path("data").path("result");
        return r.isEmpty() ? Double.NaN : Double.parseDouble(r.get(0).path("value").get(1).asText());
    }
}
