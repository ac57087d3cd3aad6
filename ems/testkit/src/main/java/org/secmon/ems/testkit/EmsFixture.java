package org.secmon.ems.testkit;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.helidon.webserver.WebServer;
import org.secmon.ems.api.Json;
import org.secmon.ems.server.Ems;
import org.secmon.ems.server.Main;
import org.secmon.ems.server.net.CallbackPolicy;
import org.secmon.ems.server.store.EmbeddedStore;
import org.secmon.ems.server.store.Store;

/** An EMS on a free loopback port with a JSON HTTP client. */
public final class EmsFixture implements AutoCloseable {
    public static final String ADMIN_PASSWORD = "admin-password-1";

    /** A response: status, parsed JSON body (missing when none), headers. */
    public record Resp(int status, JsonNode json, HttpHeaders headers, String text) {
        public String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        @Override
        public String toString() {
            return status + " " + text;
        }
    }

    public final Ems ems;
    public final WebServer server;
    public final String base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public EmsFixture(Store store) throws Exception {
        this(store, Ems.HealthOptions.DEFAULT);
    }

    public EmsFixture(Store store, Ems.HealthOptions health) throws Exception {
        this(store, health, 0);
    }

    /** An EMS on {@code port} (0: any free port), e.g. restarted where its appliances expect it. */
    public EmsFixture(Store store, Ems.HealthOptions health, int port) throws Exception {
        this(store, health, Ems.HealthOptions.ENFORCERS, port);
    }

    /** With the IPsec enforcers' health checks too. */
    public EmsFixture(Store store, Ems.HealthOptions health, Ems.HealthOptions enforcers, int port) throws Exception {
        // agents in tests listen on loopback: allowed here as an operator allows it with --allow-callbacks
        this(new Ems(store, Duration.ofHours(1), health, enforcers).callbacks(
                new CallbackPolicy(List.of("127.0.0.0/8", "::1/128"))), port);
    }

    /** Around an EMS built by the test (e.g. with the default, strict callback policy). */
    public EmsFixture(Ems ems) throws Exception {
        this(ems, 0);
    }

    private EmsFixture(Ems ems, int port) throws Exception {
        this.ems = ems;
        ems.auth().bootstrap(ADMIN_PASSWORD, null);
        server = Main.start(ems, "127.0.0.1", port);
        base = "http://127.0.0.1:" + server.port();
    }

    public static EmsFixture embedded(Path dir) throws Exception {
        return new EmsFixture(new EmbeddedStore(dir.resolve("ems.mv"), false));
    }

    public String login(String name, String password) throws Exception {
        Resp r = call("POST", "/api/v1/tokens", null, "{\"name\":\"" + name + "\",\"password\":\"" + password + "\"}");
        if (r.status() != 201) {
            throw new AssertionError("login " + name + ": " + r);
        }
        return r.json().path("token").asText();
    }

    public String admin() throws Exception {
        return login("admin", ADMIN_PASSWORD);
    }

    public Resp call(String method, String path, String token, Object body, String... headers) throws Exception {
        return call(base, http, method, path, token, body, headers);
    }

    public static Resp call(String base, HttpClient http, String method, String path, String token, Object body,
            String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
        if (token != null) {
            b.header("X-Auth-Token", token);
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        String s = body == null ? null : body instanceof String str ? str : Json.mapper().writeValueAsString(body);
        b.method(method, s == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(s));
        boolean typed = false;
        for (int i = 0; i + 1 < headers.length; i += 2) {
            typed |= headers[i].equalsIgnoreCase("Content-Type");
        }
        if (s != null && !typed) {
            b.header("Content-Type", "application/json");
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = MissingNode.getInstance();
        String text = r.body();
        if (text != null && !text.isEmpty() && text.strip().startsWith("{")) {
            json = Json.mapper().readTree(text);
        }
        return new Resp(r.statusCode(), json, r.headers(), text);
    }

    @Override
    public void close() {
        server.stop();
        ems.close();
    }
}
