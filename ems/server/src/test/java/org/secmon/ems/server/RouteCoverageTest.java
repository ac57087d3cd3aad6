package org.secmon.ems.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.common.uri.UriFragment;
import io.helidon.common.uri.UriPath;
import io.helidon.common.uri.UriQuery;
import io.helidon.http.HttpPrologue;
import io.helidon.http.Method;
import io.helidon.webserver.http.HttpRoute;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.ems.server.http.OpenApi;
import org.secmon.ems.server.store.EmbeddedStore;

/**
 * Every route the EMS registers is an operation of its OpenAPI document, and every operation of the document is a
 * route: the routes are recorded as the server builds them (the same {@code Main.routes}), and each is matched with
 * Helidon's own path matching against each documented method and path.
 */
class RouteCoverageTest {
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options");

    /** Records routes (with the prefix of the service they belong to) instead of serving them. */
    private record Recorder(List<Recorded> routes, String prefix) implements HttpRules {
        @Override
        public HttpRules register(HttpService... services) {
            for (HttpService s : services) {
                s.routing(this);
            }
            return this;
        }

        @Override
        public HttpRules register(String path, HttpService... services) {
            Recorder sub = new Recorder(routes, prefix + path);
            for (HttpService s : services) {
                s.routing(sub);
            }
            return this;
        }

        @Override
        public HttpRules route(HttpRoute route) {
            routes.add(new Recorded(prefix, route));
            return this;
        }
    }

    private record Recorded(String prefix, HttpRoute route) {
        boolean accepts(String method, String path) {
            if (!path.startsWith(prefix)) {
                return false;
            }
            String rel = path.substring(prefix.length());
            if (!prefix.isEmpty() && !rel.isEmpty() && !rel.startsWith("/")) {
                return false;
            }
            HttpPrologue p = HttpPrologue.create("HTTP/1.1", "HTTP", "1.1", Method.create(method.toUpperCase()),
                    UriPath.create(rel.isEmpty() ? "/" : rel), UriQuery.empty(), UriFragment.empty());
            return route.accepts(p).accepted();
        }
    }

    /** A documented operation with a concrete path ({id} filled in). */
    private record Operation(String method, String template) {
        String path() {
            return template.replace("{id}", "x1");
        }

        @Override
        public String toString() {
            return method.toUpperCase() + " " + template;
        }
    }

    @Test
    void everyRouteIsDocumentedAndEveryOperationIsARoute(@TempDir Path dir) throws Exception {
        List<Recorded> routes = new ArrayList<>();
        try (EmbeddedStore store = new EmbeddedStore(dir.resolve("ems.mv"), false)) {
            Ems ems = new Ems(store, Duration.ofHours(1), Ems.HealthOptions.DEFAULT, Ems.HealthOptions.ENFORCERS);
            Main.routes(new Recorder(routes, ""), ems);
        }
        assertTrue(routes.size() > 100, "routes recorded: " + routes.size());

        SwaggerParseResult parsed = new OpenAPIV3Parser().readContents(OpenApi.yaml(), null, null);
        assertTrue(parsed.getMessages() == null || parsed.getMessages().isEmpty(),
                "swagger-parser finds the document valid: " + parsed.getMessages());
        List<Operation> operations = new ArrayList<>();
        JsonNode paths = OpenApi.document().path("paths");
        for (Iterator<Map.Entry<String, JsonNode>> it = paths.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> p = it.next();
            p.getValue().fieldNames().forEachRemaining(m -> {
                if (METHODS.contains(m)) {
                    operations.add(new Operation(m, p.getKey()));
                }
            });
        }
        assertEquals(operations.size(), parsed.getOpenAPI().getPaths().values().stream()
                .mapToInt(pi -> pi.readOperations().size()).sum(), "swagger-parser reads every operation");

        Set<String> undocumented = new TreeSet<>();
        for (Recorded r : routes) {
            boolean documented = operations.stream().anyMatch(o -> r.accepts(o.method(), o.path()));
            if (!documented) {
                undocumented.add(r.prefix() + " " + r.route());
            }
        }
        assertTrue(undocumented.isEmpty(), "routes not in the OpenAPI document: " + undocumented);

        Set<String> unrouted = new TreeSet<>();
        for (Operation o : operations) {
            if (routes.stream().noneMatch(r -> r.accepts(o.method(), o.path()))) {
                unrouted.add(o.toString());
            }
        }
        assertTrue(unrouted.isEmpty(), "documented operations the server does not route: " + unrouted);
    }

    @Test
    void aRouteMissingFromTheDocumentIsFound(@TempDir Path dir) {
        // the check itself can fail: a route the document lacks is not accepted by any documented operation
        List<Recorded> routes = new ArrayList<>();
        new Recorder(routes, "/api/v1/things").get("/{id}/secret", (req, res) -> res.send());
        assertEquals(1, routes.size());
        assertTrue(routes.get(0).accepts("get", "/api/v1/things/x1/secret"));
        assertTrue(!routes.get(0).accepts("post", "/api/v1/things/x1/secret"));
        assertTrue(!routes.get(0).accepts("get", "/api/v1/things/x1"));
    }
}
