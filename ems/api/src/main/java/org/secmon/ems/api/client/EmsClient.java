package org.secmon.ems.api.client;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import javax.net.ssl.SSLContext;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.secmon.ems.api.Json;
import org.secmon.ems.api.model.ResourceKind;

/**
 * The typed REST client of the EMS ({@code /api/v1}), shared by the agent, the console and secmonctl. Built on the
 * JDK's HTTP client ({@code java.net.http}) — the one HTTP client of every outbound call in SecMon (EMS client,
 * the EMS's notifications and health checks, its Consul store): no dependency, HTTP/1.1 and 2, TLS with a given
 * {@link SSLContext} (a pinned certificate), virtual-thread friendly. JSON through the API's own mapper
 * ({@link Json}), reading leniently so that an older client understands a newer EMS.
 *
 * <p>Every failure is an {@link EmsException}: the EMS's error document and status, or status 0 when it did not
 * answer. Thread-safe; the token can be replaced at any time (e.g. after a re-login).
 */
public final class EmsClient implements AutoCloseable {
    /** The header that carries the token. */
    public static final String TOKEN_HEADER = "X-Auth-Token";

    private static final ObjectReader LENIENT = Json.mapper().reader()
            .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final int PAGE = 1000;
    private static final String JSON_TYPE = "application/json";
    private static final String MERGE_PATCH = "application/merge-patch+json";

    /** A path under {@code /api/v1} with query parameters; segments and values are encoded when the URI is made. */
    private record Target(List<String> segments, List<String[]> query) {
        Target path(String segment) {
            List<String> s = new ArrayList<>(segments);
            s.add(segment);
            return new Target(List.copyOf(s), query);
        }

        Target queryParam(String name, Object value) {
            List<String[]> q = new ArrayList<>(query);
            q.add(new String[] {name, String.valueOf(value)});
            return new Target(segments, List.copyOf(q));
        }

        URI uri(URI base) {
            StringBuilder b = new StringBuilder(base.toString()).append("api/v1");
            for (String seg : segments) {
                b.append('/').append(URLEncoder.encode(seg, StandardCharsets.UTF_8).replace("+", "%20"));
            }
            char sep = '?';
            for (String[] kv : query) {
                b.append(sep).append(URLEncoder.encode(kv[0], StandardCharsets.UTF_8)).append('=')
                        .append(URLEncoder.encode(kv[1], StandardCharsets.UTF_8));
                sep = '&';
            }
            return URI.create(b.toString());
        }

        String path() {
            return "/api/v1/" + String.join("/", segments);
        }
    }

    private final URI base;
    private final HttpClient client;
    private final Duration readTimeout;
    private final Target api = new Target(List.of(), List.of());
    private volatile String token;

    private EmsClient(URI base, HttpClient client, Duration readTimeout) {
        this.base = base;
        this.client = client;
        this.readTimeout = readTimeout;
    }

    /** A client of the EMS at {@code base} (e.g. {@code http://127.0.0.1:8080}); 5 s to connect, 30 s to answer. */
    public static EmsClient create(URI base) {
        return create(base, null, Duration.ofSeconds(5), Duration.ofSeconds(30));
    }

    /**
     * @param ssl trust for HTTPS (e.g. the EMS's self-signed certificate, after the user accepted it); null for the
     *            JDK's default trust
     */
    public static EmsClient create(URI base, SSLContext ssl, Duration connectTimeout, Duration readTimeout) {
        Objects.requireNonNull(base, "base");
        if (base.getScheme() == null || !(base.getScheme().equals("http") || base.getScheme().equals("https"))
                || base.getHost() == null) {
            throw new IllegalArgumentException("EMS URL must be http://HOST:PORT or https://HOST:PORT, not " + base);
        }
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(connectTimeout)
                .version(HttpClient.Version.HTTP_1_1);
        if (ssl != null) {
            b.sslContext(ssl);
        }
        String s = base.toString();
        return new EmsClient(URI.create(s.endsWith("/") ? s : s + "/"), b.build(), readTimeout);
    }

    public URI base() {
        return base;
    }

    public String token() {
        return token;
    }

    /** Uses {@code token} (a user's or an appliance's) for the calls that follow. */
    public EmsClient token(String token) {
        this.token = token;
        return this;
    }

    // ---- tokens ----------------------------------------------------------------------------------------------

    /** A token issued at login, with its expiry (ISO-8601). */
    public record Login(String token, String expiresAt) {
    }

    /** Logs in and uses the new token from now on. */
    public Login login(String user, String password) {
        ObjectNode body = Json.mapper().createObjectNode().put("name", user).put("password", password);
        JsonNode out = call("POST", api.path("tokens"), body);
        Login l = new Login(out.path("token").asText(), out.path("expires_at").asText());
        token = l.token();
        return l;
    }

    /** Revokes the current token. */
    public void logout() {
        call("DELETE", api.path("tokens").path("current"), null);
        token = null;
    }

    /** Who the token belongs to: user, roles, permissions, projects. */
    public ObjectNode whoami() {
        return (ObjectNode) call("GET", api.path("tokens").path("current"), null);
    }

    // ---- generic CRUD ----------------------------------------------------------------------------------------

    /** Every entity of a kind the token may see that matches the filters (field=value), all pages. */
    public List<ObjectNode> list(ResourceKind kind, Map<String, String> filters) {
        List<ObjectNode> out = new ArrayList<>();
        int offset = 0;
        while (true) {
            Target t = api.path(kind.collection()).queryParam("limit", PAGE).queryParam("offset", offset);
            for (Map.Entry<String, String> f : filters.entrySet()) {
                t = t.queryParam(f.getKey(), f.getValue());
            }
            JsonNode page = call("GET", t, null);
            for (JsonNode item : page.path("items")) {
                out.add((ObjectNode) item);
            }
            offset += page.path("items").size();
            if (page.path("items").isEmpty() || offset >= page.path("total").asInt()) {
                return out;
            }
        }
    }

    /** The entities of a kind in one scope (by scope id or name). */
    public List<ObjectNode> list(ResourceKind kind, String scope) {
        return list(kind, scope == null ? Map.of() : Map.of("scope", scope));
    }

    public <T> List<T> list(ResourceKind kind, Map<String, String> filters, Class<T> type) {
        List<T> out = new ArrayList<>();
        for (ObjectNode n : list(kind, filters)) {
            out.add(convert(n, type));
        }
        return out;
    }

    public ObjectNode get(ResourceKind kind, String id) {
        return (ObjectNode) call("GET", api.path(kind.collection()).path(id), null);
    }

    public <T> T get(ResourceKind kind, String id, Class<T> type) {
        return convert(get(kind, id), type);
    }

    /**
     * The entity called {@code name} (in {@code scope} for scoped kinds; for per-scope singletons the name may be
     * null), or null when there is none.
     */
    public ObjectNode find(ResourceKind kind, String scope, String name) {
        Map<String, String> f = new LinkedHashMap<>();
        if (scope != null && kind.scoped()) {
            f.put("scope", scope);
        }
        if (name != null) {
            f.put("name", name);
        }
        List<ObjectNode> found = list(kind, f);
        return found.isEmpty() ? null : found.getFirst();
    }

    /** Creates an entity (references by id or by name within its scope); answers it as stored. */
    public ObjectNode create(ResourceKind kind, Object body) {
        return (ObjectNode) call("POST", api.path(kind.collection()), body);
    }

    /**
     * Replaces an entity. With {@code ifMatch} (the version read before) a concurrent change answers 412 instead
     * of being overwritten.
     */
    public ObjectNode replace(ResourceKind kind, String id, Object body, Long ifMatch) {
        return (ObjectNode) call("PUT", api.path(kind.collection()).path(id), body,
                ifMatch == null ? null : "\"" + ifMatch + "\"");
    }

    /** JSON merge patch (RFC 7396, application/merge-patch+json): only the fields given change, null removes one. */
    public ObjectNode patch(ResourceKind kind, String id, Object body) {
        return (ObjectNode) call("PATCH", api.path(kind.collection()).path(id), body);
    }

    public void delete(ResourceKind kind, String id) {
        call("DELETE", api.path(kind.collection()).path(id), null);
    }

    // ---- appliances ------------------------------------------------------------------------------------------

    /**
     * What registration answers: the appliance as stored and the credentials issued to it (shown only once):
     * its own token and the token the EMS sends with each notification.
     */
    public record Registration(ObjectNode appliance, String id, String token, String notificationToken) {
    }

    /** Registers (or re-registers, by scope and name) an appliance. */
    public Registration register(ObjectNode appliance) {
        ObjectNode out = (ObjectNode) call("POST", api.path("appliances").path("register"), appliance);
        JsonNode creds = out.remove("credentials");
        return new Registration(out, out.path("id").asText(), creds.path("token").asText(),
                creds.path("notification_token").asText());
    }

    /** An appliance's report: applied configuration version, capabilities (plugin to version), counters. */
    public ObjectNode report(String applianceId, Long appliedVersion, Map<String, String> capabilities,
            JsonNode counters) {
        return report(applianceId, appliedVersion, capabilities, counters, null);
    }

    /** The counters of an appliance's last report: {appliance, name, status, reported_at, counters}. */
    public ObjectNode counters(String applianceId) {
        return (ObjectNode) call("GET", "appliances/" + applianceId + "/counters", null);
    }

    /**
     * The largest flows of an appliance's flow caches as its last report gave them: {appliance, name, status,
     * reported_at, flows: {PLUGIN: {note, columns, rows} or {error}}}.
     */
    public ObjectNode flows(String applianceId) {
        return (ObjectNode) call("GET", "appliances/" + applianceId + "/flows", null);
    }

    /** A report that also moves the appliance's notification endpoint (after a restart on another port). */
    public ObjectNode report(String applianceId, Long appliedVersion, Map<String, String> capabilities,
            JsonNode counters, String notificationUrl) {
        return report(applianceId, appliedVersion, capabilities, counters, notificationUrl, null);
    }

    /** A report with the SSH CLI's host key fingerprint ({@code SHA256:...}, or null when there is no CLI). */
    public ObjectNode report(String applianceId, Long appliedVersion, Map<String, String> capabilities,
            JsonNode counters, String notificationUrl, String sshHostKey) {
        return report(applianceId, appliedVersion, capabilities, counters, notificationUrl, sshHostKey, null);
    }

    /**
     * A report with the largest flows of the appliance's flow caches ({PLUGIN: {note, columns, rows}}, or null to
     * leave the last ones as they are).
     */
    public ObjectNode report(String applianceId, Long appliedVersion, Map<String, String> capabilities,
            JsonNode counters, String notificationUrl, String sshHostKey, JsonNode flows) {
        ObjectNode body = Json.mapper().createObjectNode();
        if (flows != null) {
            body.set("flows", flows);
        }
        if (sshHostKey != null) {
            body.put("ssh_host_key", sshHostKey);
        }
        if (notificationUrl != null) {
            body.put("notification_url", notificationUrl);
        }
        if (appliedVersion != null) {
            body.put("applied_version", appliedVersion);
        }
        if (capabilities != null) {
            ObjectNode caps = body.putObject("capabilities");
            capabilities.forEach(caps::put);
        }
        if (counters != null) {
            body.set("counters", counters);
        }
        return (ObjectNode) call("POST", api.path("appliances").path(applianceId).path("report"), body);
    }

    // ---- plumbing --------------------------------------------------------------------------------------------

    /**
     * Any call under {@code /api/v1} (e.g. {@code audit?limit=10}); answers the JSON body (empty object for 204).
     * Query parameters after {@code ?} may be URL-encoded; they are decoded and encoded again.
     */
    public JsonNode call(String method, String path, Object body) {
        Target t = api;
        int q = path.indexOf('?');
        String query = q < 0 ? "" : path.substring(q + 1);
        path = q < 0 ? path : path.substring(0, q);
        for (String seg : path.split("/")) {
            if (!seg.isEmpty()) {
                t = t.path(seg);
            }
        }
        for (String kv : query.split("&")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                t = t.queryParam(java.net.URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8),
                        java.net.URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return call(method, t, body);
    }

    private JsonNode call(String method, Target target, Object body) {
        return call(method, target, body, null);
    }

    /**
     * Registers an appliance with a single-use enrollment token instead of a login ({@code X-Enrollment-Token});
     * answers its own credentials.
     */
    public Registration enroll(String enrollmentToken, ObjectNode appliance) {
        ObjectNode out = (ObjectNode) call("POST", api.path("appliances").path("register"), appliance, null,
                enrollmentToken);
        JsonNode creds = out.remove("credentials");
        return new Registration(out, out.path("id").asText(), creds.path("token").asText(),
                creds.path("notification_token").asText());
    }

    /**
     * Registers an IPsec enforcer with a single-use enrollment token instead of a login ({@code X-Enrollment-Token});
     * answers the registered enforcer with its {@code credentials.token}.
     */
    public JsonNode enrollEnforcer(String enrollmentToken, ObjectNode enforcer) {
        return call("POST", api.path("ipsec_enforcers").path("register"), enforcer, null, enrollmentToken);
    }

    private JsonNode call(String method, Target target, Object body, String ifMatch) {
        return call(method, target, body, ifMatch, null);
    }

    private JsonNode call(String method, Target target, Object body, String ifMatch, String enrollment) {
        HttpRequest.Builder b = HttpRequest.newBuilder(target.uri(base)).timeout(readTimeout)
                .header("Accept", JSON_TYPE);
        String t = token;
        if (enrollment != null) {
            b.header("X-Enrollment-Token", enrollment);
        } else if (t != null) {
            b.header(TOKEN_HEADER, t);
        }
        if (ifMatch != null) {
            b.header("If-Match", ifMatch);
        }
        if (body == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", method.equals("PATCH") ? MERGE_PATCH : JSON_TYPE);
            b.method(method, HttpRequest.BodyPublishers.ofString(json(body), StandardCharsets.UTF_8));
        }
        String what = method + " " + target.path();
        String text;
        int status;
        try {
            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            status = r.statusCode();
            text = r.body() == null ? "" : r.body();
        } catch (IOException e) {
            throw EmsException.unreachable(what + " at " + base, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw EmsException.unreachable(what + " at " + base, e);
        }
        JsonNode node;
        try {
            node = text.isBlank() ? Json.mapper().createObjectNode() : Json.mapper().readTree(text);
        } catch (JsonProcessingException e) {
            throw new EmsException(status, "bad_answer", what + " answered " + status + " with a body that is not JSON: "
                    + abbreviate(text), null, null, e);
        }
        if (status >= 300) {
            String code = node.path("error").asText("http_" + status);
            String message = node.path("message").asText(what + " answered " + status);
            throw new EmsException(status, code, message, node.path("field").asText(null), node, null);
        }
        return node;
    }

    private static String json(Object body) {
        try {
            return body instanceof String s ? s : Json.mapper().writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write the request body as JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    /** Converts an answer to a model record, ignoring fields the record does not know. */
    public static <T> T convert(JsonNode node, Class<T> type) {
        try {
            return LENIENT.forType(type).readValue(node);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cannot read " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    public static ObjectMapper mapper() {
        return Json.mapper();
    }

    @Override
    public void close() {
        client.close();
    }
}
