package org.secmon.ems.server;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.ems.api.Json;
import org.secmon.ems.server.http.RequestIds;
import org.secmon.ems.testkit.EmsFixture;
import org.secmon.ems.testkit.EmsFixture.Resp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The conventions HTTP clients expect: RFC 9457 problem details on every error path, RFC 7396 merge patches,
 * discovery at {@code /}, request ids in answers and log lines, created/updated timestamps, the OpenAPI document
 * without a login.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConventionsTest {
    @TempDir
    static Path dir;
    private EmsFixture ems;
    private String admin;
    private String scopeId;

    @BeforeAll
    void start() throws Exception {
        ems = EmsFixture.embedded(dir);
        admin = ems.admin();
        Samples.project(ems, admin, "p1");
        scopeId = Samples.scope(ems, admin, "p1", "s1");
        Samples.user(ems, admin, "ro", "p1", "readonly");
    }

    @AfterAll
    void stop() {
        ems.close();
    }

    private static void assertProblem(Resp r, int status, String code) {
        assertEquals(status, r.status(), r.toString());
        assertEquals("application/problem+json", r.header("Content-Type"), r.toString());
        JsonNode b = r.json();
        assertEquals("urn:secmon:problem:" + code, b.path("type").asText(), r.toString());
        assertFalse(b.path("title").asText().isBlank(), r.toString());
        assertEquals(status, b.path("status").asInt(), r.toString());
        assertFalse(b.path("detail").asText().isBlank(), r.toString());
        assertEquals(code, b.path("error").asText(), r.toString()); // the EMS's own fields stay, as extensions
        assertEquals(b.path("detail").asText(), b.path("message").asText());
        assertEquals(r.header("X-Request-Id"), b.path("request_id").asText(), r.toString());
    }

    @Test
    void everyErrorPathAnswersProblemDetails() throws Exception {
        String ro = ems.login("ro", "password-ro");
        assertProblem(ems.call("POST", "/api/v1/scopes", admin, "{not json"), 400, "bad_request");
        assertProblem(ems.call("GET", "/api/v1/scopes", null, null), 401, "unauthorized");
        assertProblem(ems.call("GET", "/api/v1/scopes", "no-such-token", null), 401, "unauthorized");
        assertProblem(ems.call("POST", "/api/v1/tokens", null, "{\"name\":\"admin\",\"password\":\"wrong\"}"),
                401, "unauthorized");
        assertProblem(ems.call("POST", "/api/v1/scopes", ro, "{\"name\":\"x\",\"project\":\"p1\"}"), 403,
                "forbidden");
        assertProblem(ems.call("GET", "/api/v1/scopes/no-such-id", admin, null), 404, "not_found");
        assertProblem(ems.call("GET", "/no/such/endpoint", admin, null), 404, "not_found");
        assertProblem(ems.call("POST", "/api/v1/scopes", admin, "{\"name\":\"s1\",\"project\":\"p1\"}"), 409,
                "exists");
        assertProblem(ems.call("PATCH", "/api/v1/scopes/" + scopeId, admin, "{}", "If-Match", "\"1\""), 412,
                "precondition_failed");
        assertProblem(ems.call("POST", "/api/v1/scopes", admin, "{\"name\":\"" + "x".repeat(Http.MAX_BODY) + "\"}"),
                413, "too_large");
        assertProblem(ems.call("POST", "/api/v1/scopes", admin, "{\"name\":\"x\"}", "Content-Type", "text/plain"),
                415, "unsupported_media_type");
        Resp invalid = ems.call("POST", "/api/v1/scopes", admin, "{\"name\":\"bad name!\",\"project\":\"p1\"}");
        assertProblem(invalid, 422, "invalid");
        assertTrue(invalid.json().path("errors").size() > 0, invalid.toString());
    }

    /** The test's own Content-Type header replaces the fixture's default for the 415 case. */
    private static final class Http {
        static final int MAX_BODY = org.secmon.ems.server.http.Http.MAX_BODY;
    }

    @Test
    void patchTakesAMergePatch() throws Exception {
        String id = Samples.scope(ems, admin, "p1", "patched");
        Resp r = ems.call("PATCH", "/api/v1/scopes/" + id, admin, "{\"description\":\"by merge patch\"}",
                "Content-Type", "application/merge-patch+json");
        assertEquals(200, r.status(), r.toString());
        assertEquals("by merge patch", r.json().path("description").asText());
        // application/json stays accepted for older clients; anything else is refused
        assertEquals(200, ems.call("PATCH", "/api/v1/scopes/" + id, admin, "{\"description\":\"json\"}").status());
        assertProblem(ems.call("PATCH", "/api/v1/scopes/" + id, admin, "description=form", "Content-Type",
                "application/x-www-form-urlencoded"), 415, "unsupported_media_type");
        // the OpenAPI document says so
        JsonNode doc = Json.mapper().readTree(ems.call("GET", "/api/v1/openapi.json", null, null).text());
        assertTrue(doc.path("paths").path("/api/v1/scopes/{id}").path("patch").path("requestBody").path("content")
                .has("application/merge-patch+json"));
        assertTrue(doc.path("paths").path("/api/v1/scopes/{id}").path("get").path("responses").path("404")
                .path("content").has("application/problem+json"));
    }

    @Test
    void discoveryAtTheRootWithoutLogin() throws Exception {
        Resp r = ems.call("GET", "/", null, null);
        assertEquals(200, r.status(), r.toString());
        assertEquals("SecMon EMS", r.json().path("name").asText());
        assertFalse(r.json().path("version").asText().isBlank());
        assertEquals("/api/v1", r.json().path("api").path("v1").asText());
        assertEquals(200, ems.call("GET", r.json().path("links").path("openapi").asText(), null, null).status());
    }

    @Test
    void theOpenApiDocumentNeedsNoLoginInYamlOrJson() throws Exception {
        Resp yaml = ems.call("GET", "/api/v1/openapi.yaml", null, null);
        Resp json = ems.call("GET", "/api/v1/openapi.json", null, null);
        assertEquals(200, yaml.status());
        assertEquals(200, json.status());
        assertTrue(json.header("Content-Type").startsWith("application/json"), json.toString());
        assertEquals(new YAMLMapper().readTree(yaml.text()), Json.mapper().readTree(json.text()));
    }

    @Test
    void requestIdsInAnswersAndLogLines() throws Exception {
        Resp own = ems.call("GET", "/api/v1/scopes", admin, null, "X-Request-Id", "trace-42.a");
        assertEquals("trace-42.a", own.header("X-Request-Id"));
        Resp fresh = ems.call("GET", "/api/v1/scopes", admin, null);
        Resp fresh2 = ems.call("GET", "/api/v1/scopes", admin, null);
        assertTrue(fresh.header("X-Request-Id").matches("[0-9a-f-]{36}"), fresh.toString());
        assertNotEquals(fresh.header("X-Request-Id"), fresh2.header("X-Request-Id"));
        // a hostile id (log injection, huge) is replaced, not echoed
        Resp hostile = ems.call("GET", "/api/v1/scopes", admin, null, "X-Request-Id", "x y\\u0000" + "z".repeat(100));
        assertTrue(hostile.header("X-Request-Id").matches("[0-9a-f-]{36}"), hostile.toString());

        // a log line written while the request runs names it (the EMS's formatter)
        List<String> lines = new ArrayList<>();
        RequestIds.LogFormatter fmt = new RequestIds.LogFormatter();
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord record) {
                synchronized (lines) {
                    lines.add(fmt.format(record));
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger root = Logger.getLogger("");
        root.addHandler(h);
        try {
            Resp failed = ems.call("POST", "/api/v1/tokens", null, "{\"name\":\"nobody\",\"password\":\"x\"}",
                    "X-Request-Id", "login-probe-7");
            assertEquals(401, failed.status());
        } finally {
            root.removeHandler(h);
        }
        synchronized (lines) {
            assertTrue(lines.stream().anyMatch(l -> l.contains("[request login-probe-7]") && l.contains("nobody")),
                    String.join("", lines));
        }
    }

    @Test
    void entitiesCarryCreatedAndUpdatedTimestamps() throws Exception {
        Instant before = Instant.now();
        String id = Samples.scope(ems, admin, "p1", "stamped");
        JsonNode created = ems.call("GET", "/api/v1/scopes/" + id, admin, null).json();
        Instant c = Instant.parse(created.path("created_at").asText());
        assertFalse(c.isBefore(before.minusSeconds(1)), created.toString());
        assertEquals(created.path("created_at"), created.path("updated_at"));
        Thread.sleep(5);
        // a GET's body PUT back as it is (timestamps included) is accepted; they stay the server's
        JsonNode put = ems.call("PUT", "/api/v1/scopes/" + id, admin, ((com.fasterxml.jackson.databind.node.ObjectNode)
                created.deepCopy()).put("description", "changed").put("created_at", "2000-01-01T00:00:00Z")).json();
        assertEquals(created.path("created_at"), put.path("created_at"), put.toString());
        assertTrue(Instant.parse(put.path("updated_at").asText()).isAfter(c), put.toString());
        // an unchanged PUT changes nothing, not even updated_at
        JsonNode again = ems.call("PUT", "/api/v1/scopes/" + id, admin, put).json();
        assertEquals(put.path("updated_at"), again.path("updated_at"));
        assertEquals(put.path("version"), again.path("version"));
    }
}
