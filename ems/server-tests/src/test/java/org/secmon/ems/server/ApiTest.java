package org.secmon.ems.server;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.secmon.ems.api.model.ResourceKind;
import org.secmon.ems.testkit.EmsFixture.Resp;
import org.secmon.ems.testkit.EmsFixture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every collection of the API: create, read, list, replace, patch, conditional updates, validation, delete. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiTest {
    EmsFixture ems;
    String admin;

    /** One invalid change per collection and the field the error must name. */
    static final Map<String, String[]> INVALID = Map.ofEntries(
            Map.entry("projects", new String[] {"{\"name\":\"bad name!\"}", "name"}),
            Map.entry("roles", new String[] {"{\"operations\":1}", "operations"}),
            Map.entry("users", new String[] {"{\"password\":\"short\"}", "password"}),
            Map.entry("scopes", new String[] {"{\"project\":\"no-such-project\"}", "project"}),
            Map.entry("classification_objects", new String[] {"{\"dst_ip\":\"2001:db8::/32\"}", "dst_ip"}),
            Map.entry("rules", new String[] {"{\"priority\":0}", "priority"}),
            Map.entry("policies", new String[] {"{\"rules\":[\"r1\",\"no-such-rule\"]}", "rules[1]"}),
            Map.entry("collectors", new String[] {"{\"port\":70000}", "port"}),
            Map.entry("collector_sets", new String[] {"{\"members\":[{\"collector\":\"c-nf\",\"weight\":101}]}",
                    "members[0].weight"}),
            Map.entry("netflow_monitors", new String[] {"{\"collect_fields\":[\"src_addr\"]}", "collect_fields[0]"}),
            Map.entry("netflow_configs", new String[] {"{\"active_timeout\":0}", "active_timeout"}),
            Map.entry("sflow_configs", new String[] {"{\"header_size\":10}", "header_size"}),
            Map.entry("ingest_configs", new String[] {"{\"gtpu_ports\":[2152]}", "gtpu_ports"}),
            Map.entry("netflow_associations", new String[] {"{\"collector\":\"c-sf\",\"collector_set\":null}",
                    "collector"}),
            Map.entry("sflow_associations", new String[] {"{\"collector_set\":\"cs1\"}", "collector_set"}),
            Map.entry("rawforward_associations", new String[] {"{\"direction\":\"sideways\"}", "direction"}),
            Map.entry("appliances", new String[] {"{\"notification_url\":\"ftp://x\"}", "notification_url"}),
            Map.entry("ike_policies", new String[] {"{\"dh_group\":\"modp1024\"}", "dh_group"}),
            Map.entry("ipsec_policies", new String[] {"{\"encryption\":\"3des\"}", "encryption"}),
            Map.entry("ipsec_endpoint_groups", new String[] {"{\"cidrs\":[\"10.0.0.0/8\",\"any\"]}", "cidrs[1]"}),
            Map.entry("ipsec_enforcers", new String[] {"{\"health_url\":\"gopher://x\"}", "health_url"}),
            Map.entry("ipsec_tunnels", new String[] {"{\"local_subnets\":[\"not-a-prefix\"]}", "local_subnets[0]"}));

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        ems = EmsFixture.embedded(dir);
        admin = ems.admin();
        Samples.post(ems, admin, "projects", Samples.body(ResourceKind.PROJECTS, null, null, "p1"));
        Samples.post(ems, admin, "scopes", Samples.body(ResourceKind.SCOPES, null, "p1", "s1"));
        Samples.fixture(ems, admin, "s1");
    }

    @AfterAll
    void stop() {
        ems.close();
    }

    static Stream<ResourceKind> kinds() {
        return ResourceKind.ALL.stream();
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void crudWithValidationAndConcurrency(ResourceKind kind) throws Exception {
        String c = "/api/v1/" + kind.collection();
        ObjectNode body = Samples.body(kind, "s1", "p1", "x-" + kind.singular().replace('_', '-'));
        Resp created = ems.call("POST", c, admin, body);
        assertEquals(201, created.status(), created.toString());
        String id = created.json().path("id").asText();
        assertEquals(c + "/" + id, created.header("Location"));
        long v1 = created.json().path("version").asLong();
        assertEquals("\"" + v1 + "\"", created.header("ETag"));
        assertFalse(created.json().has("password"), "secrets are never returned");
        assertFalse(created.text().contains(Samples.PSK), "pre-shared keys are never returned");
        assertFalse(created.json().has("psk"), created.text());
        assertFalse(created.text().contains("password_hash"), created.text());
        if (kind.scoped()) {
            assertNotEquals("s1", created.json().path("scope").asText(), "scope name resolved to its id");
        }

        Resp got = ems.call("GET", c + "/" + id, admin, null);
        assertEquals(200, got.status());
        assertEquals(created.json(), got.json());
        assertEquals(created.header("ETag"), got.header("ETag"));

        if (kind.scoped()) {
            Resp listed = ems.call("GET", c + "?scope=s1&limit=1000", admin, null);
            assertEquals(200, listed.status(), listed.toString());
            assertTrue(ids(listed).contains(id), listed.toString());
        }
        if (created.json().has("name")) {
            Resp byName = ems.call("GET", c + "?name=" + created.json().path("name").asText(), admin, null);
            assertEquals(List.of(id), ids(byName));
        }

        // a duplicate: same name in the same scope, or a second config of the scope
        Resp dup = ems.call("POST", c, admin, body);
        assertEquals(409, dup.status(), dup.toString());
        assertEquals("exists", dup.json().path("error").asText());

        // invalid change: 422 (or 400 for a body of the wrong shape) naming the field, and nothing changes
        String[] bad = INVALID.get(kind.collection());
        Resp invalid = ems.call("PATCH", c + "/" + id, admin, bad[0]);
        assertEquals(422, invalid.status(), invalid.toString());
        assertEquals("invalid", invalid.json().path("error").asText());
        assertEquals(bad[1], invalid.json().path("field").asText(), invalid.toString());
        assertEquals(v1, ems.call("GET", c + "/" + id, admin, null).json().path("version").asLong());
        // the same invalid fields on create
        ObjectNode badCreate = body.deepCopy();
        badCreate.put("name", "other-" + kind.singular().replace('_', '-'));
        badCreate.setAll((ObjectNode) org.secmon.ems.api.Json.mapper().readTree(bad[0]));
        Resp invalidCreate = ems.call("POST", c, admin, badCreate);
        assertTrue(invalidCreate.status() == 422 || (kind.singletonPerScope() && invalidCreate.status() == 409),
                invalidCreate.toString());

        // replace with If-Match: new version; the old ETag is then stale (412); a stale body version is 409
        ObjectNode replacement = got.json().deepCopy();
        if (replacement.has("description") || kind == ResourceKind.PROJECTS || kind == ResourceKind.ROLES
                || kind == ResourceKind.SCOPES) {
            replacement.put("description", "changed");
        } else {
            replacement.remove("version");
            mutate(kind, replacement);
        }
        Resp replaced = ems.call("PUT", c + "/" + id, admin, replacement, "If-Match", got.header("ETag"));
        assertEquals(200, replaced.status(), replaced.toString());
        long v2 = replaced.json().path("version").asLong();
        assertTrue(v2 > v1, v1 + " -> " + v2);
        Resp stale = ems.call("PUT", c + "/" + id, admin, replacement, "If-Match", got.header("ETag"));
        assertEquals(412, stale.status(), stale.toString());
        ObjectNode staleBody = replacement.deepCopy();
        staleBody.put("version", v1);
        Resp staleVersion = ems.call("PUT", c + "/" + id, admin, staleBody);
        assertEquals(409, staleVersion.status(), staleVersion.toString());
        assertEquals("stale", staleVersion.json().path("error").asText());

        Resp staleDelete = ems.call("DELETE", c + "/" + id, admin, null, "If-Match", "\"" + v1 + "\"");
        assertEquals(412, staleDelete.status());
        Resp deleted = ems.call("DELETE", c + "/" + id, admin, null, "If-Match", "\"" + v2 + "\"");
        assertEquals(204, deleted.status(), deleted.toString());
        assertEquals(404, ems.call("GET", c + "/" + id, admin, null).status());
        assertEquals(404, ems.call("DELETE", c + "/" + id, admin, null).status());
    }

    /** A valid change for kinds without a description field. */
    private static void mutate(ResourceKind kind, ObjectNode o) {
        switch (kind.collection()) {
            case "classification_objects" -> o.put("dst_port", "443");
            case "rules" -> o.put("priority", 20);
            case "policies" -> o.put("default_action", "forward");
            case "collectors" -> o.put("port", 9995);
            case "collector_sets" -> o.put("lb_algorithm", "round_robin");
            case "netflow_monitors" -> o.putArray("collect_fields").add("src_mac");
            case "netflow_configs" -> o.put("max_flows", 100000);
            case "sflow_configs" -> o.put("sampling_rate", 512);
            case "ingest_configs" -> o.put("dedup_ms", 50);
            case "netflow_associations", "sflow_associations", "rawforward_associations" -> o.put("direction", "egress");
            case "appliances", "ipsec_enforcers" -> o.putArray("addresses").add("10.0.0.6");
            case "users" -> o.put("enabled", false);
            case "ike_policies" -> o.put("lifetime", 7200);
            case "ipsec_policies" -> o.put("lifetime", 1800);
            case "ipsec_tunnels" -> o.put("dpd_delay", 10);
            case "ipsec_endpoint_groups" -> o.putArray("cidrs").add("10.9.0.0/16");
            default -> throw new IllegalArgumentException(kind.collection());
        }
    }

    private static List<String> ids(Resp r) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : r.json().path("items")) {
            out.add(n.path("id").asText());
        }
        return out;
    }

    @Test
    void deletingSomethingReferencedAnswers409WithTheDependents() throws Exception {
        String co = ems.call("GET", "/api/v1/classification_objects?name=co1&scope=s1", admin, null)
                .json().path("items").path(0).path("id").asText();
        Resp r = ems.call("DELETE", "/api/v1/classification_objects/" + co, admin, null);
        assertEquals(409, r.status(), r.toString());
        assertEquals("in_use", r.json().path("error").asText());
        JsonNode dep = r.json().path("dependents").path(0);
        assertEquals("rules", dep.path("collection").asText());
        assertEquals("r1", dep.path("name").asText());
        assertEquals("classification_object", dep.path("field").asText());
        Resp scope = ems.call("DELETE", "/api/v1/scopes/" + ems.call("GET", "/api/v1/scopes?name=s1", admin, null)
                .json().path("items").path(0).path("id").asText(), admin, null);
        assertEquals(409, scope.status());
        assertTrue(scope.json().path("dependents").size() >= 8, scope.toString());
    }

    @Test
    void malformedBodiesAndUnknownThingsGetClearErrors() throws Exception {
        Resp notJson = ems.call("POST", "/api/v1/rules", admin, "{\"name\": ");
        assertEquals(400, notJson.status());
        assertEquals("bad_request", notJson.json().path("error").asText());
        assertTrue(notJson.json().path("message").asText().contains("not valid JSON"), notJson.toString());
        assertEquals(400, ems.call("POST", "/api/v1/rules", admin, "[1,2]").status());
        Resp unknownField = ems.call("POST", "/api/v1/collectors", admin,
                "{\"scope\":\"s1\",\"name\":\"x\",\"address\":\"127.0.0.1\",\"port\":1,\"type\":\"netflow\",\"colour\":1}");
        assertEquals(422, unknownField.status());
        assertEquals("colour", unknownField.json().path("field").asText());
        Resp wrongType = ems.call("POST", "/api/v1/collectors", admin,
                "{\"scope\":\"s1\",\"name\":\"x\",\"address\":\"127.0.0.1\",\"port\":\"eighty\",\"type\":\"netflow\"}");
        assertEquals(422, wrongType.status());
        assertEquals("port", wrongType.json().path("field").asText());
        Resp missing = ems.call("POST", "/api/v1/collectors", admin, "{\"scope\":\"s1\"}");
        assertEquals(422, missing.status());
        assertTrue(missing.json().path("errors").size() >= 4, "every missing field is listed: " + missing);
        assertEquals(404, ems.call("GET", "/api/v1/nothing", admin, null).status());
        assertEquals(404, ems.call("GET", "/api/v1/rules/no-such-id", admin, null).status());
        assertEquals(400, ems.call("GET", "/api/v1/rules?limit=0", admin, null).status());
        assertEquals(400, ems.call("GET", "/api/v1/rules?colour=red", admin, null).status());
        assertEquals(400, ems.call("GET", "/api/v1/users?password=x", admin, null).status(),
                "no filtering by secrets");
    }

    @Test
    void listsPaginate() throws Exception {
        for (int i = 0; i < 25; i++) {
            ObjectNode b = Samples.body(ResourceKind.CLASSIFICATION_OBJECTS, "s1", null, String.format("page-%02d", i));
            Samples.post(ems, admin, "classification_objects", b);
        }
        List<String> names = new ArrayList<>();
        for (int offset = 0; offset < 40; offset += 10) {
            Resp r = ems.call("GET", "/api/v1/classification_objects?protocol=tcp&limit=10&offset=" + offset, admin, null);
            assertEquals(200, r.status());
            for (JsonNode n : r.json().path("items")) {
                if (n.path("name").asText().startsWith("page-")) {
                    names.add(n.path("name").asText());
                }
            }
        }
        assertEquals(25, names.size(), names.toString());
        assertEquals(names.stream().sorted().toList(), names, "sorted by name, no duplicates across pages");
    }

    @Test
    void scopeConfigVersionFollowsEveryChangeInTheScope() throws Exception {
        JsonNode scope = ems.call("GET", "/api/v1/scopes?name=s1", admin, null).json().path("items").path(0);
        long before = scope.path("config_version").asLong();
        ObjectNode b = Samples.body(ResourceKind.CLASSIFICATION_OBJECTS, "s1", null, "versioned");
        String id = Samples.post(ems, admin, "classification_objects", b);
        long afterCreate = ems.call("GET", "/api/v1/scopes/" + scope.path("id").asText(), admin, null).json()
                .path("config_version").asLong();
        assertTrue(afterCreate > before);
        assertEquals(204, ems.call("DELETE", "/api/v1/classification_objects/" + id, admin, null).status());
        long afterDelete = ems.call("GET", "/api/v1/scopes/" + scope.path("id").asText(), admin, null).json()
                .path("config_version").asLong();
        assertTrue(afterDelete > afterCreate, "deletes move the version too");
        // an unchanged PUT commits nothing
        JsonNode co = ems.call("GET", "/api/v1/classification_objects?name=co1", admin, null).json().path("items").path(0);
        Resp same = ems.call("PUT", "/api/v1/classification_objects/" + co.path("id").asText(), admin, co);
        assertEquals(co.path("version").asLong(), same.json().path("version").asLong());
    }

    @Test
    void auditRecordsChangesAndLogins() throws Exception {
        Samples.post(ems, admin, "collectors", Samples.body(ResourceKind.COLLECTORS, "s1", null, "audited"));
        Resp r = ems.call("GET", "/api/v1/audit?collection=collectors&operation=add", admin, null);
        assertEquals(200, r.status());
        JsonNode newest = r.json().path("items").path(0);
        assertEquals("audited", newest.path("name").asText());
        assertEquals("admin", newest.path("user").asText());
        assertNotNull(newest.get("time"));
        Resp logins = ems.call("GET", "/api/v1/audit?operation=login", admin, null);
        assertTrue(logins.json().path("total").asInt() >= 1);
        assertFalse(ems.call("GET", "/api/v1/audit?limit=1000", admin, null).text().contains(EmsFixture.ADMIN_PASSWORD));
    }

    @Test
    void auditRetentionRemovesTheOldestFirst(@TempDir Path dir) throws Exception {
        try (EmsFixture other = EmsFixture.embedded(dir)) {
            String t = other.admin();
            for (int i = 0; i < 70; i++) {
                Samples.post(other, t, "projects", Samples.body(ResourceKind.PROJECTS, null, null, "r" + i));
            }
            int before = other.ems.repository().count("audit");
            assertTrue(before >= 72, "bootstrap, login, 70 adds: " + before);
            assertEquals(before - 10, other.ems.pruneAudit(10));
            JsonNode items = other.call("GET", "/api/v1/audit?limit=1000", t, null).json().path("items");
            assertEquals(10, items.size());
            assertEquals("r69", items.path(0).path("name").asText(), "the newest kept");
        }
    }

    @Test
    void loginLogoutAndWrongPasswords() throws Exception {
        Resp wrong = ems.call("POST", "/api/v1/tokens", null, "{\"name\":\"admin\",\"password\":\"nope\"}");
        assertEquals(401, wrong.status());
        Resp unknown = ems.call("POST", "/api/v1/tokens", null, "{\"name\":\"ghost\",\"password\":\"nope\"}");
        assertEquals(401, unknown.status());
        assertEquals(wrong.json().path("message"), unknown.json().path("message"), "no user enumeration");
        String t = ems.admin();
        Resp me = ems.call("GET", "/api/v1/tokens/current", t, null);
        assertEquals("admin", me.json().path("user").path("name").asText());
        assertFalse(me.text().contains(t), "the token is not echoed");
        assertEquals(204, ems.call("DELETE", "/api/v1/tokens/current", t, null).status());
        assertEquals(401, ems.call("GET", "/api/v1/rules", t, null).status(), "revoked");
        assertEquals(401, ems.call("GET", "/api/v1/rules", "garbage", null).status());
    }

    @Test
    void openApiCoversEveryEndpoint() throws Exception {
        Resp r = ems.call("GET", "/api/v1/openapi.yaml", admin, null);
        assertEquals(200, r.status());
        JsonNode doc = new YAMLMapper().readTree(r.text());
        assertEquals("3.0.3", doc.path("openapi").asText());
        JsonNode paths = doc.path("paths");
        for (ResourceKind k : ResourceKind.ALL) {
            JsonNode list = paths.path("/api/v1/" + k.collection());
            JsonNode item = paths.path("/api/v1/" + k.collection() + "/{id}");
            for (String m : List.of("get", "post")) {
                assertTrue(list.has(m), k.collection() + " " + m);
            }
            for (String m : List.of("get", "put", "patch", "delete")) {
                assertTrue(item.has(m), k.collection() + "/{id} " + m);
            }
            assertTrue(doc.path("components").path("schemas").has(k.type().getSimpleName()));
        }
        for (String p : List.of("/api/v1/tokens", "/api/v1/tokens/current", "/api/v1/audit", "/api/v1/openapi.yaml",
                "/health/live", "/health/ready", "/metrics", "/api/v1/scrape_tokens")) {
            assertTrue(paths.has(p), p);
        }
        JsonNode rule = doc.path("components").path("schemas").path("Rule").path("properties");
        assertEquals(1, rule.path("priority").path("minimum").asInt());
        assertEquals(65535, rule.path("priority").path("maximum").asInt());
        assertTrue(doc.path("components").path("schemas").path("User").path("properties").path("password")
                .path("writeOnly").asBoolean());
        assertEquals(200, ems.call("GET", "/api/v1/openapi.yaml", null, null).status()); // no login needed
    }

    @Test
    void healthAndMetrics() throws Exception {
        Resp ready = ems.call("GET", "/health/ready", null, null);
        assertEquals(200, ready.status());
        assertEquals("UP", ready.json().path("status").asText());
        Resp m = ems.call("GET", "/metrics", admin, null);
        assertEquals(200, m.status());
        assertTrue(m.text().contains("secmon_ems_http_requests_total{method=\"POST\",route=\"/api/v1/tokens\","
                + "status=\"201\"}"), m.text());
        assertEquals(401, ems.call("GET", "/metrics", null, null).status());
    }

    @Test
    void netflowMonitorFieldsMayBeNamedByTheirIanaElements() throws Exception {
        ems.call("POST", "/api/v1/scopes", admin, "{\"name\":\"iana\",\"project\":\"p1\"}");
        Resp r = ems.call("POST", "/api/v1/netflow_monitors", admin, "{\"scope\":\"iana\",\"name\":\"m\","
                + "\"match_fields\":[\"sourceIPv4Address\",\"destinationTransportPort\",\"observationPointId\"],"
                + "\"collect_fields\":[\"vlanId\"]}");
        assertEquals(201, r.status(), r.toString());
        assertEquals("[\"src_addr\",\"dst_port\",\"observation_point\"]", r.json().path("match_fields").toString());
        assertEquals("[\"vlan\"]", r.json().path("collect_fields").toString());
    }

    @Test
    void metadataIsCollectedNotMatchedAndBiflowsAreIpfixOnly() throws Exception {
        ems.call("POST", "/api/v1/scopes", admin, "{\"name\":\"l7\",\"project\":\"p1\"}");
        Resp ok = ems.call("POST", "/api/v1/netflow_monitors", admin, "{\"scope\":\"l7\",\"name\":\"m\","
                + "\"collect_fields\":[\"tls_sni\",\"tls_ja4\",\"httpUserAgent\",\"dns_answers\"]}");
        assertEquals(201, ok.status(), ok.toString());
        assertEquals("[\"tls_sni\",\"tls_ja4\",\"http_user_agent\",\"dns_answers\"]",
                ok.json().path("collect_fields").toString());
        Resp matched = ems.call("POST", "/api/v1/netflow_monitors", admin, "{\"scope\":\"l7\",\"name\":\"m2\","
                + "\"match_fields\":[\"src_addr\",\"tls_sni\"]}");
        assertEquals(422, matched.status(), matched.toString());
        assertTrue(matched.toString().contains("match_fields[1]") && matched.toString().contains("collected, not"
                + " matched"), matched.toString());
        Resp v9 = ems.call("POST", "/api/v1/collectors", admin, "{\"scope\":\"l7\",\"name\":\"c\","
                + "\"address\":\"127.0.0.1\",\"port\":2055,\"type\":\"netflow\",\"biflow\":true}");
        assertEquals(422, v9.status(), v9.toString());
        assertTrue(v9.toString().contains("IPFIX only"), v9.toString());
        Resp ipfix = ems.call("POST", "/api/v1/collectors", admin, "{\"scope\":\"l7\",\"name\":\"c\","
                + "\"address\":\"127.0.0.1\",\"port\":4739,\"type\":\"ipfix\",\"biflow\":true}");
        assertEquals(201, ipfix.status(), ipfix.toString());
    }
}
