package org.secmon.ems.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.ems.api.Json;
import org.secmon.ems.api.model.ResourceKind;
import org.secmon.ems.testkit.EmsFixture.Resp;
import org.secmon.ems.server.store.EmbeddedStore;
import org.secmon.ems.testkit.EmsFixture;
import org.secmon.testkit.Await;
import org.secmon.testkit.Ports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Registration, appliance credentials, reports, notifications to a (simulated) appliance, health checks. */
class ApplianceTest {

    /** A simulated appliance: notification endpoint and /health on a fixed loopback port. */
    static final class FakeAppliance implements AutoCloseable {
        final List<JsonNode> notifications = new CopyOnWriteArrayList<>();
        /** Per notification: the plain token header (must be absent: the secret never travels) and the signature. */
        final List<String> tokens = new CopyOnWriteArrayList<>();
        final List<String> signatures = new CopyOnWriteArrayList<>();
        final List<byte[]> bodies = new CopyOnWriteArrayList<>();
        final HttpServer server;

        FakeAppliance(int port) throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
            server.createContext("/notify", ex -> {
                byte[] body = ex.getRequestBody().readAllBytes();
                notifications.add(Json.mapper().readTree(body));
                tokens.add(String.valueOf(ex.getRequestHeaders().getFirst("X-SecMon-Notification-Token")));
                signatures.add(String.valueOf(ex.getRequestHeaders().getFirst(
                        org.secmon.ems.api.notify.NotificationSignature.HEADER)));
                bodies.add(body);
                ex.sendResponseHeaders(204, -1);
                ex.close();
            });
            server.createContext("/health", ex -> {
                ex.sendResponseHeaders(200, -1);
                ex.close();
            });
            server.start();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    static void await(String what, Await.Condition cond) {
        Await.until(Duration.ofSeconds(20), what, cond);
    }


    /**
     * An appliance (with its IPsec enforcer) that misses the configured number of health checks is deregistered, and
     * the IPsec tunnels it ran go with it; deleting it by hand while tunnels name it is refused with them listed.
     */
    @Test
    void anEnforcerThatMissesHealthChecksIsRemovedWithItsTunnels(@TempDir Path dir) throws Exception {
        Ems.HealthOptions fast = new Ems.HealthOptions(Duration.ofMillis(100), 2, 6);
        try (EmsFixture ems = new EmsFixture(new EmbeddedStore(dir.resolve("ems.mv"), false), fast)) {
            String admin = ems.admin();
            Samples.post(ems, admin, "projects", Samples.body(ResourceKind.PROJECTS, null, null, "p"));
            Samples.post(ems, admin, "scopes", Samples.body(ResourceKind.SCOPES, null, "p", "s"));
            Samples.fixture(ems, admin, "s");
            // nothing listens there: every health check misses
            ObjectNode app = Samples.body(ResourceKind.APPLIANCES, "s", null, "gone");
            app.put("notification_url", "http://127.0.0.1:" + Ports.freeTcp() + "/notify");
            String id = Samples.post(ems, admin, "appliances", app);
            Samples.appliance = id;
            String tunnel = Samples.post(ems, admin, "ipsec_tunnels",
                    Samples.body(ResourceKind.IPSEC_TUNNELS, null, null, "t-gone"));
            Resp refused = ems.call("DELETE", "/api/v1/appliances/" + id, admin, null);
            assertEquals(409, refused.status(), refused.toString());
            assertTrue(refused.text().contains("t-gone"), refused.toString());
            await("deregistered", () -> status(ems, admin, id).equals("error")
                    || notFound(ems, admin, "/api/v1/appliances/" + id));
            await("its tunnel removed", () -> notFound(ems, admin, "/api/v1/ipsec_tunnels/" + tunnel));
        }
    }

    private static boolean notFound(EmsFixture ems, String admin, String path) {
        try {
            return ems.call("GET", path, admin, null).status() == 404;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void registerReportNotifyAndHealthCheck(@TempDir Path dir) throws Exception {
        Ems.HealthOptions fast = new Ems.HealthOptions(Duration.ofMillis(100), 5, 0);
        try (EmsFixture ems = new EmsFixture(new EmbeddedStore(dir.resolve("ems.mv"), false), fast)) {
            String admin = ems.admin();
            Samples.post(ems, admin, "projects", Samples.body(ResourceKind.PROJECTS, null, null, "p"));
            Samples.post(ems, admin, "scopes", Samples.body(ResourceKind.SCOPES, null, "p", "s"));
            Samples.post(ems, admin, "scopes", Samples.body(ResourceKind.SCOPES, null, "p", "other"));
            Samples.fixture(ems, admin, "s");
            int port = Ports.freeTcp();
            ObjectNode reg = (ObjectNode) Json.mapper().readTree("{\"scope\":\"s\",\"name\":\"app1\","
                    + "\"addresses\":[\"127.0.0.1\"],\"notification_url\":\"http://127.0.0.1:" + port + "/notify\","
                    + "\"capabilities\":{\"netflow\":\"0.1.0\"}}");

            // the appliance is down while it registers and while the operator changes its scope
            Resp r = ems.call("POST", "/api/v1/appliances/register", admin, reg);
            assertEquals(201, r.status(), r.toString());
            String id = r.json().path("id").asText();
            String token = r.json().path("credentials").path("token").asText();
            String notificationToken = r.json().path("credentials").path("notification_token").asText();
            assertEquals("0.1.0", r.json().path("capabilities").path("netflow").asText());
            Resp read = ems.call("GET", "/api/v1/appliances/" + id, admin, null);
            assertFalse(read.text().contains(token) || read.text().contains(notificationToken),
                    "credentials are shown only at registration");
            assertFalse(read.text().contains("credentials"));

            ObjectNode rule = Samples.body(ResourceKind.RULES, "s", null, "new-rule");
            String ruleId = Samples.post(ems, admin, "rules", rule);
            Samples.post(ems, admin, "classification_objects", Samples.body(ResourceKind.CLASSIFICATION_OBJECTS, "other", null, "x"));

            // it comes back: it gets the change (after the registration's full resync), with its token
            try (FakeAppliance app = new FakeAppliance(port)) {
                await("the rule change", () -> app.notifications.stream().anyMatch(n ->
                        n.path("changes").toString().contains(ruleId)
                                || n.path("full_resync").asBoolean()));
                await("queue drained", () -> ems.ems.notifier().queueDepth() == 0);
                assertTrue(app.tokens.stream().allMatch("null"::equals), app.tokens.toString());
                for (int i = 0; i < app.signatures.size(); i++) {
                    assertEquals(null, org.secmon.ems.api.notify.NotificationSignature.verify(notificationToken,
                            app.signatures.get(i), app.bodies.get(i), System.currentTimeMillis() / 1000));
                    assertTrue(org.secmon.ems.api.notify.NotificationSignature.verify("another-secret",
                            app.signatures.get(i), app.bodies.get(i), System.currentTimeMillis() / 1000) != null);
                }
                int before = app.notifications.size();
                // another change in its scope: exactly that change; a change in another scope: nothing
                Samples.post(ems, admin, "classification_objects", Samples.body(ResourceKind.CLASSIFICATION_OBJECTS, "other", null, "y"));
                String co = Samples.post(ems, admin, "classification_objects",
                        Samples.body(ResourceKind.CLASSIFICATION_OBJECTS, "s", null, "co-notified"));
                await("the classification object change", () -> app.notifications.size() > before);
                JsonNode last = app.notifications.get(app.notifications.size() - 1);
                assertEquals(1, last.path("changes").size(), last.toString());
                assertEquals(co, last.path("changes").path(0).path("id").asText());
                assertEquals("classification_objects", last.path("changes").path(0).path("table").asText());

                // the appliance's own token: reads its scope, reports, changes nothing
                Resp rules = ems.call("GET", "/api/v1/rules?scope=s", token, null);
                assertEquals(200, rules.status());
                assertEquals(0, ems.call("GET", "/api/v1/rules?scope=other", token, null).json().path("total").asInt());
                assertEquals(403, ems.call("POST", "/api/v1/rules", token, rule).status());
                long desired = ems.call("GET", "/api/v1/appliances/" + id, admin, null).json()
                        .path("desired_version").asLong();
                Resp rep = ems.call("POST", "/api/v1/appliances/" + id + "/report", token,
                        "{\"applied_version\":" + desired + ",\"capabilities\":{\"netflow\":\"0.2.0\"}}");
                assertEquals(200, rep.status(), rep.toString());
                assertEquals(desired, rep.json().path("applied_version").asLong());
                assertEquals("up", rep.json().path("status").asText());
                assertEquals(422, ems.call("POST", "/api/v1/appliances/" + id + "/report", token,
                        "{\"status\":\"up\"}").status());
                // its counters: kept from the last report, readable by operators and by itself, not in plain reads
                assertEquals(200, ems.call("POST", "/api/v1/appliances/" + id + "/report", token,
                        "{\"counters\":{\"rx_packets\":42,\"plugins\":{\"netflow\":{\"received\":40}}}}").status());
                Resp cnt = ems.call("GET", "/api/v1/appliances/" + id + "/counters", admin, null);
                assertEquals(200, cnt.status(), cnt.toString());
                assertEquals(42, cnt.json().path("counters").path("rx_packets").asLong(), cnt.toString());
                assertEquals(40, cnt.json().path("counters").path("plugins").path("netflow").path("received").asLong());
                assertEquals(200, ems.call("GET", "/api/v1/appliances/" + id + "/counters", token, null).status());
                assertFalse(ems.call("GET", "/api/v1/appliances/" + id, admin, null).text().contains("rx_packets"));
                assertEquals(404, ems.call("GET", "/api/v1/appliances/nope/counters", admin, null).status());
                // its largest flows: kept from the last report that had them, readable like the counters
                assertEquals(0, ems.call("GET", "/api/v1/appliances/" + id + "/flows", admin, null).json()
                        .path("flows").size(), "nothing before a report with flows");
                assertEquals(200, ems.call("POST", "/api/v1/appliances/" + id + "/report", token,
                        "{\"flows\":{\"netflow\":{\"note\":\"top 1 of 7 flows\",\"columns\":[\"source\","
                                + "\"name\",\"bytes\"],\"rows\":[[\"10.0.0.1:5\",\"api.example.com\",1400]]}}}")
                        .status());
                assertEquals(200, ems.call("POST", "/api/v1/appliances/" + id + "/report", token,
                        "{\"counters\":{\"rx_packets\":43}}").status());
                Resp flows = ems.call("GET", "/api/v1/appliances/" + id + "/flows", admin, null);
                assertEquals(200, flows.status(), flows.toString());
                assertEquals("api.example.com", flows.json().path("flows").path("netflow").path("rows").path(0)
                        .path(1).asText(), "a report without flows keeps the last ones: " + flows);
                assertEquals(200, ems.call("GET", "/api/v1/appliances/" + id + "/flows", token, null).status());
                assertFalse(ems.call("GET", "/api/v1/appliances/" + id, admin, null).text()
                        .contains("api.example.com"));
                assertEquals(404, ems.call("GET", "/api/v1/appliances/nope/flows", admin, null).status());
                // a restarted agent moves its notification endpoint; a bad URL is refused and changes nothing
                String url = ems.call("GET", "/api/v1/appliances/" + id, admin, null).json()
                        .path("notification_url").asText();
                Resp badUrl = ems.call("POST", "/api/v1/appliances/" + id + "/report", token,
                        "{\"notification_url\":\"ftp://x\"}");
                assertEquals(422, badUrl.status(), badUrl.toString());
                assertTrue(badUrl.text().contains("notification_url"), badUrl.text());
                assertEquals(url, ems.call("GET", "/api/v1/appliances/" + id, admin, null).json()
                        .path("notification_url").asText());
                assertEquals(200, ems.call("POST", "/api/v1/appliances/" + id + "/report", token,
                        "{\"notification_url\":\"" + url + "\"}").status());
                await("health UP", () -> status(ems, admin, id).equals("up"));
            }
            // gone: DOWN after 5 missed checks
            await("health DOWN", () -> status(ems, admin, id).equals("down"));
            // re-registration rotates credentials
            Resp again = ems.call("POST", "/api/v1/appliances/register", admin, reg);
            assertEquals(200, again.status(), again.toString());
            assertEquals(id, again.json().path("id").asText());
            assertEquals(401, ems.call("GET", "/api/v1/rules", token, null).status(), "old token revoked");
            String metrics = ems.call("GET", "/metrics", admin, null).text();
            assertTrue(metrics.contains("secmon_ems_notifications_delivered_total "), metrics);
        }
    }

    private static String status(EmsFixture ems, String admin, String id) {
        try {
            return ems.call("GET", "/api/v1/appliances/" + id, admin, null).json().path("status").asText();
        } catch (Exception e) {
            return "error";
        }
    }

    @Test
    void aNotificationTargetThatIsDownGetsTheChangeOnceItIsBack(@TempDir Path dir) throws Exception {
        try (EmsFixture ems = EmsFixture.embedded(dir)) {
            String admin = ems.admin();
            Samples.post(ems, admin, "projects", Samples.body(ResourceKind.PROJECTS, null, null, "p"));
            Samples.post(ems, admin, "scopes", Samples.body(ResourceKind.SCOPES, null, "p", "s"));
            int port = Ports.freeTcp();
            Resp r = ems.call("POST", "/api/v1/appliances/register", admin, "{\"scope\":\"s\",\"name\":\"a\","
                    + "\"notification_url\":\"http://127.0.0.1:" + port + "/notify\"}");
            assertEquals(201, r.status(), r.toString());
            try (FakeAppliance app = new FakeAppliance(port)) {
                await("registration resync", () -> app.notifications.stream()
                        .anyMatch(n -> n.path("full_resync").asBoolean()));
                await("queue drained", () -> ems.ems.notifier().queueDepth() == 0);
            }
            // down: changes queue up (coalesced per entity), the API does not wait
            long t0 = System.nanoTime();
            String co = Samples.post(ems, admin, "classification_objects",
                    Samples.body(ResourceKind.CLASSIFICATION_OBJECTS, "s", null, "while-down"));
            assertEquals(200, ems.call("PATCH", "/api/v1/classification_objects/" + co, admin,
                    "{\"dst_port\":\"443\"}").status());
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), "API not blocked by the notifier");
            await("failed deliveries", () -> ems.ems.notifier().failures() > 0);
            assertEquals(1, ems.ems.notifier().queueDepth(), "two changes of one entity coalesce");
            try (FakeAppliance back = new FakeAppliance(port)) {
                await("the change after the outage", () -> !back.notifications.isEmpty());
                JsonNode n = back.notifications.get(0);
                assertFalse(n.path("full_resync").asBoolean(), n.toString());
                assertEquals(co, n.path("changes").path(0).path("id").asText(), n.toString());
                await("queue drained", () -> ems.ems.notifier().queueDepth() == 0);
            }
        }
    }
}
