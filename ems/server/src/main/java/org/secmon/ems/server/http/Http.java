package org.secmon.ems.server.http;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpMediaTypes;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import org.secmon.ems.api.Json;
import org.secmon.ems.api.schema.FieldError;
import org.secmon.ems.server.auth.Principal;

/** JSON in and out, errors, and the request's principal. */
public final class Http {
    public static final HeaderName X_AUTH_TOKEN = HeaderNames.create("X-Auth-Token");
    /** Largest request body accepted. */
    public static final int MAX_BODY = 1 << 20;

    private Http() {
    }

    public static JsonNode body(ServerRequest req) {
        if (!req.content().hasEntity()) {
            throw ApiException.badRequest("a JSON body is required");
        }
        byte[] bytes;
        try (InputStream in = req.content().inputStream()) {
            bytes = in.readNBytes(MAX_BODY + 1);
        } catch (IOException e) {
            throw ApiException.badRequest("cannot read the body: " + e.getMessage());
        }
        if (bytes.length > MAX_BODY) {
            throw new ApiException(413, "too_large", "the body exceeds " + MAX_BODY + " bytes");
        }
        try {
            JsonNode n = Json.mapper().readTree(bytes);
            if (n == null || n.isMissingNode()) {
                throw ApiException.badRequest("a JSON body is required");
            }
            return n;
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("the body is not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() != null ? " at line " + e.getLocation().getLineNr() + " column "
                    + e.getLocation().getColumnNr() : ""));
        } catch (IOException e) {
            throw ApiException.badRequest("cannot read the body: " + e.getMessage());
        }
    }

    public static void json(ServerResponse res, int status, JsonNode body) {
        send(res, status, HttpMediaTypes.JSON_UTF_8, body);
    }

    private static void send(ServerResponse res, int status, io.helidon.http.HttpMediaType type, JsonNode body) {
        res.status(Status.create(status));
        res.headers().contentType(type);
        try {
            res.send(Json.mapper().writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** RFC 9457 problem details, the media type of every error. */
    public static final String PROBLEM_JSON = "application/problem+json";
    private static final io.helidon.http.HttpMediaType PROBLEM = io.helidon.http.HttpMediaType.create(
            io.helidon.common.media.type.MediaTypes.create(PROBLEM_JSON));
    /** RFC 7396 JSON merge patch, what PATCH takes. */
    public static final String MERGE_PATCH_JSON = "application/merge-patch+json";

    /**
     * An error as RFC 9457 problem details ({@code application/problem+json}): {@code type} (a URN naming the error
     * code), {@code title} (the status's phrase), {@code status}, {@code detail}; with the EMS's own fields kept as
     * extensions ({@code error}, {@code message}, {@code field}, {@code errors}, {@code dependents}) and
     * {@code request_id}.
     */
    public static void error(ServerResponse res, ApiException e) {
        ObjectNode b = JsonNodeFactory.instance.objectNode();
        b.put("type", "urn:secmon:problem:" + e.code());
        b.put("title", Status.create(e.status()).reasonPhrase());
        b.put("status", e.status());
        b.put("detail", e.getMessage());
        b.put("error", e.code());
        b.put("message", e.getMessage());
        if (e.field() != null) {
            b.put("field", e.field());
        }
        if (!e.errors().isEmpty()) {
            ArrayNode errs = b.putArray("errors");
            for (FieldError fe : e.errors()) {
                errs.addObject().put("field", fe.field()).put("message", fe.message());
            }
        }
        if (e.details() != null) {
            b.set(e.detailsName(), e.details());
        }
        res.headers().first(RequestIds.HEADER).ifPresent(id -> b.put("request_id", id));
        if (e.retryAfterSeconds() > 0) {
            res.header(HeaderNames.RETRY_AFTER, Long.toString(e.retryAfterSeconds()));
        }
        if (e.status() == 401) {
            res.header(HeaderNames.WWW_AUTHENTICATE, "X-Auth-Token realm=\"secmon\"");
        }
        send(res, e.status(), PROBLEM, b);
    }

    /**
     * 415 for a body in a media type other than JSON ({@code application/json}, or any {@code +json} type such as
     * {@code application/merge-patch+json}); PATCH takes a merge patch, {@code application/json} accepted for older
     * clients. A body without a Content-Type is read as JSON.
     */
    public static void checkContentType(ServerRequest req) {
        var ct = req.headers().contentType();
        if (ct.isEmpty() || !req.content().hasEntity()) {
            return;
        }
        String type = ct.get().mediaType().type().toLowerCase(java.util.Locale.ROOT);
        String sub = ct.get().mediaType().subtype().toLowerCase(java.util.Locale.ROOT);
        if (!type.equals("application") || !(sub.equals("json") || sub.endsWith("+json"))) {
            throw new ApiException(415, "unsupported_media_type", "the body must be JSON (application/json; PATCH: "
                    + MERGE_PATCH_JSON + "), not " + ct.get().mediaType().text());
        }
    }

    /**
     * The request's token: {@code X-Auth-Token}, else {@code Authorization: Bearer} (what Prometheus and most HTTP
     * tools send); null when neither.
     */
    public static String token(io.helidon.http.Headers headers) {
        String t = headers.first(X_AUTH_TOKEN).orElse(null);
        if (t != null) {
            return t;
        }
        String a = headers.first(io.helidon.http.HeaderNames.AUTHORIZATION).orElse(null);
        if (a != null && a.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return a.substring(7).strip();
        }
        return null;
    }

    public static Principal principal(ServerRequest req) {
        return req.context().get(Principal.class)
                .orElseThrow(() -> ApiException.unauthorized("authentication required"));
    }

    public static String remote(ServerRequest req) {
        java.net.SocketAddress a = req.remotePeer().address();
        return a instanceof java.net.InetSocketAddress i ? i.getHostString() + ":" + i.getPort() : String.valueOf(a);
    }

    /** {@code If-Match: "12"} (or W/"12", or 12) as a version, null when absent. */
    public static Long ifMatch(ServerRequest req) {
        Optional<String> h = req.headers().first(HeaderNames.IF_MATCH);
        if (h.isEmpty() || h.get().strip().equals("*")) {
            return null;
        }
        String v = h.get().strip();
        if (v.startsWith("W/")) {
            v = v.substring(2);
        }
        v = v.replace("\"", "");
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("If-Match must be an ETag this EMS issued, e.g. \"42\", not " + h.get());
        }
    }

    public static int intParam(ServerRequest req, String name, int def, int min, int max) {
        var v = req.query().first(name);
        if (v.isEmpty()) {
            return def;
        }
        try {
            int n = Integer.parseInt(v.get());
            if (n < min || n > max) {
                throw ApiException.badRequest(name + " must be between " + min + " and " + max + ", not " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(name + " must be an integer, not '" + v.get() + "'");
        }
    }

    public static String etag(long version) {
        return "\"" + version + "\"";
    }
}
