package org.secmon.ems.server;

import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.ems.testkit.EmsFixture;
import org.secmon.ems.testkit.EmsFixture.Resp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The EMS's Prometheus metrics (types, route labels, bounded label sets) and its scrape credentials. */
class MetricsTest {

    @Test
    void metricsHaveTypesHelpRouteTemplatesAndJvmSeries(@TempDir Path dir) throws Exception {
        try (EmsFixture ems = EmsFixture.embedded(dir)) {
            String admin = ems.admin();
            Samples.project(ems, admin, "p1");
            String scope = Samples.scope(ems, admin, "p1", "s1");
            assertEquals(200, ems.call("GET", "/api/v1/scopes/" + scope, admin, null).status());
            String m = ems.call("GET", "/metrics", admin, null).text();
            assertTrue(m.contains("# TYPE secmon_ems_http_requests_total counter"), m);
            assertTrue(m.contains("# TYPE secmon_ems_http_request_duration_seconds histogram"), m);
            assertTrue(m.contains("secmon_ems_http_requests_total{method=\"GET\",route=\"/api/v1/scopes/{id}\","
                    + "status=\"200\"} 1"), m);
            assertTrue(m.contains("secmon_ems_http_request_duration_seconds_bucket{method=\"POST\","
                    + "route=\"/api/v1/scopes\",le=\"+Inf\"}"), m);
            assertTrue(m.contains("# TYPE secmon_ems_notifications_delivered_total counter"), m);
            assertTrue(m.contains("# HELP secmon_ems_notifier_queue_depth "), m);
            assertTrue(m.contains("secmon_ems_appliances{status=\"up\"} 0"), m);
            assertTrue(m.contains("# TYPE secmon_ems_store_operation_duration_seconds histogram"), m);
            assertTrue(m.contains("secmon_ems_store_operation_duration_seconds_count{operation=\"commit\"}"), m);
            assertTrue(m.contains("jvm_memory_used_bytes{"), m);
            for (String line : m.split("\n")) {
                assertFalse(line.startsWith("# TYPE") && line.endsWith(" untyped"), line);
            }
        }
    }

    /** Whatever paths clients send, the route label takes only the API's templates and "unmatched". */
    @Test
    void routeLabelsAreBounded(@TempDir Path dir) throws Exception {
        try (EmsFixture ems = EmsFixture.embedded(dir)) {
            String admin = ems.admin();
            for (int i = 0; i < 40; i++) {
                ems.call("GET", "/api/v1/scopes/no-such-" + i, admin, null);
                ems.call("GET", "/probe-" + i + "/x", admin, null);
                ems.call("GET", "/api/v1/nothing-" + i, null, null);
                ems.call("GET", "/api/v1/appliances/a" + i + "/b" + i, null, null);
            }
            String m = ems.call("GET", "/metrics", admin, null).text();
            Set<String> routes = new TreeSet<>();
            Matcher r = Pattern.compile("secmon_ems_http_requests_total\\{[^}]*route=\"([^\"]*)\"").matcher(m);
            while (r.find()) {
                routes.add(r.group(1));
            }
            assertEquals(Set.of("/api/v1/tokens", "/api/v1/scopes/{id}", "unmatched"), routes,
                    m);
            assertTrue(m.contains("secmon_ems_auth_failures_total{kind=\"unauthenticated\"} 80"), m);
        }
    }

    /**
     * The attack: a credential given to a metrics scraper (it sits in a file on the Prometheus host) is used to read
     * or change configuration, or to mint more credentials. It must read metrics and nothing else; deleting it
     * revokes it; it is shown once and never listed.
     */
    @Test
    void aScrapeTokenReadsMetricsAndNothingElse(@TempDir Path dir) throws Exception {
        try (EmsFixture ems = EmsFixture.embedded(dir)) {
            String admin = ems.admin();
            Samples.project(ems, admin, "p1");
            Samples.scope(ems, admin, "p1", "s1");
            Samples.user(ems, admin, "op", "p1", "operator");
            String op = ems.login("op", "password-op");
            assertEquals(403, ems.call("POST", "/api/v1/scrape_tokens", op, "{\"name\":\"x\"}").status());
            assertEquals(422, ems.call("POST", "/api/v1/scrape_tokens", admin, "{\"name\":\"a b\"}").status());
            assertEquals(422, ems.call("POST", "/api/v1/scrape_tokens", admin, "{\"name\":\"x\",\"role\":\"admin\"}")
                    .status());
            Resp created = ems.call("POST", "/api/v1/scrape_tokens", admin, "{\"name\":\"prometheus\"}");
            assertEquals(201, created.status(), created.toString());
            String token = created.json().path("token").asText();
            assertEquals(43, token.length(), created.toString());
            assertEquals(409, ems.call("POST", "/api/v1/scrape_tokens", admin, "{\"name\":\"prometheus\"}").status());

            // what Prometheus sends, and the EMS's own header
            assertEquals(200, ems.call("GET", "/metrics", null, null, "Authorization", "Bearer " + token).status());
            assertEquals(200, ems.call("GET", "/metrics", token, null).status());
            // nothing else
            for (String path : new String[] {"/api/v1/scopes", "/api/v1/users", "/api/v1/appliances",
                    "/api/v1/audit", "/api/v1/scrape_tokens", "/api/v1/collectors"}) {
                assertEquals(403, ems.call("GET", path, token, null).status(), path);
            }
            assertEquals(403, ems.call("POST", "/api/v1/scrape_tokens", token, "{\"name\":\"more\"}").status());
            assertEquals(403, ems.call("POST", "/api/v1/scopes", token, "{\"name\":\"s2\",\"project\":\"p1\"}")
                    .status());
            assertEquals(403, ems.call("POST", "/api/v1/enrollments", token, "{\"scope\":\"s1\"}").status());
            assertEquals(403, ems.call("GET", "/api/v1/appliances/x/scrapers", token, null).status());
            assertEquals(403, ems.call("GET", "/api/v1/appliances/x/scrapers", admin, null).status());

            Resp list = ems.call("GET", "/api/v1/scrape_tokens", admin, null);
            assertEquals(1, list.json().path("total").asInt(), list.toString());
            assertEquals("prometheus", list.json().path("items").get(0).path("name").asText());
            assertFalse(list.text().contains(token), "listed the token");
            assertFalse(list.json().path("items").get(0).has("token"));
            assertFalse(list.text().contains("_token_hash"), list.text());
            String id = list.json().path("items").get(0).path("id").asText();
            assertTrue(ems.call("GET", "/api/v1/audit?operation=scrape_token_added", admin, null).text()
                    .contains("prometheus"));

            assertEquals(204, ems.call("DELETE", "/api/v1/scrape_tokens/" + id, admin, null).status());
            assertEquals(401, ems.call("GET", "/metrics", null, null, "Authorization", "Bearer " + token).status());
            assertEquals(404, ems.call("DELETE", "/api/v1/scrape_tokens/" + id, admin, null).status());
        }
    }
}
