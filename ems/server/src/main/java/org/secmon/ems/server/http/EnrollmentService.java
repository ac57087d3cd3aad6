package org.secmon.ems.server.http;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import org.secmon.ems.api.Json;
import org.secmon.ems.api.model.Operation;
import org.secmon.ems.api.model.ResourceKind;
import org.secmon.ems.api.schema.Formats;
import org.secmon.ems.server.Audit;
import org.secmon.ems.server.auth.Passwords;
import org.secmon.ems.server.auth.Principal;
import org.secmon.ems.server.store.Repository;
import org.secmon.ems.server.store.Repository.Doc;
import org.secmon.ems.server.store.StoreException;

/**
 * Enrollment tokens: how an appliance joins without anyone's password. An operator who may add appliances in a
 * scope asks for one ({@code POST /api/v1/enrollments {scope, name, ttl_seconds}}); the token is shown in that answer
 * only, is stored as its SHA-256, is bound to that scope and appliance name, works once and expires (default 1 h, at
 * most 7 days). The appliance registers with it ({@code POST /api/v1/appliances/register} with
 * {@code X-Enrollment-Token} and no login) and then holds only its own credentials. {@code GET} lists pending
 * enrollments (never their tokens), {@code DELETE /{id}} withdraws one. Issuing, using and withdrawing are audited.
 */
public final class EnrollmentService implements HttpService {
    public static final String TABLE = "enrollments";
    public static final HeaderName HEADER = HeaderNames.create("X-Enrollment-Token");
    static final long DEFAULT_TTL = 3600;
    static final long MAX_TTL = 7 * 24 * 3600;

    private final Entities entities;
    private final Repository repo;

    public EnrollmentService(Entities entities) {
        this.entities = entities;
        this.repo = entities.repository();
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::createHandler)
                .get("/", this::listHandler)
                .delete("/{id}", this::deleteHandler);
    }

    private void createHandler(ServerRequest req, ServerResponse res) throws Exception {
        Principal p = Http.principal(req);
        if (p.appliance() != null || !p.can(ResourceKind.APPLIANCES.collection(), Operation.ADD)) {
            throw ApiException.forbidden(p.name() + " may not add appliances, so may not enroll them");
        }
        JsonNode b = Http.body(req);
        for (var it = b.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!Set.of("scope", "name", "ttl_seconds").contains(f)) {
                throw ApiException.invalid(f, "is not a field here; fields: name, scope, ttl_seconds");
            }
        }
        String name = b.path("name").asText(null);
        if (name == null || Formats.check(Formats.Kind.NAME, name) != null) {
            throw ApiException.invalid("name", "is required: the appliance's name, " + Formats.Kind.NAME.description());
        }
        long ttl = b.path("ttl_seconds").asLong(DEFAULT_TTL);
        if (b.has("ttl_seconds") && (!b.get("ttl_seconds").canConvertToLong() || ttl < 60 || ttl > MAX_TTL)) {
            throw ApiException.invalid("ttl_seconds", "must be 60.." + MAX_TTL + " (seconds)");
        }
        Doc scope = scope(p, b.path("scope").asText(null));
        String token = "enr_" + Passwords.randomSecret(32);
        Instant expires = Instant.now().plus(Duration.ofSeconds(ttl));
        String id = java.util.UUID.randomUUID().toString();
        repo.write(changes -> {
            ObjectNode e = Json.mapper().createObjectNode();
            e.put("scope", scope.id()).put("name", name).put("expires_at", expires.toString())
                    .put("created_by", p.name()).put("created_at", Instant.now().toString())
                    .put("_token_hash", Passwords.sha256(token));
            changes.put(TABLE, id, e);
            Audit.record(changes, p.name(), "enroll", null, id, name, Http.remote(req));
            return null;
        });
        ObjectNode out = render(repo.get(TABLE, id));
        out.put("token", token);
        Http.json(res, 201, out);
    }

    private void listHandler(ServerRequest req, ServerResponse res) {
        Principal p = Http.principal(req);
        if (p.appliance() != null || !p.can(ResourceKind.APPLIANCES.collection(), Operation.VIEW)) {
            throw ApiException.forbidden(p.name() + " may not view appliances");
        }
        ObjectNode out = Json.mapper().createObjectNode();
        ArrayNode items = out.putArray("items");
        for (Doc d : repo.list(TABLE)) {
            Doc s = repo.get("scopes", d.json().path("scope").asText());
            if (s != null && entities.isVisible(p, ResourceKind.SCOPES, s)) {
                items.add(render(d));
            }
        }
        out.put("total", items.size());
        Http.json(res, 200, out);
    }

    private void deleteHandler(ServerRequest req, ServerResponse res) throws Exception {
        Principal p = Http.principal(req);
        if (p.appliance() != null || !p.can(ResourceKind.APPLIANCES.collection(), Operation.DELETE)) {
            throw ApiException.forbidden(p.name() + " may not delete appliances, so may not withdraw enrollments");
        }
        String id = req.path().pathParameters().get("id");
        repo.write(changes -> {
            Doc d = repo.get(TABLE, id);
            Doc s = d == null ? null : repo.get("scopes", d.json().path("scope").asText());
            if (d == null || s == null || !entities.isVisible(p, ResourceKind.SCOPES, s)) {
                throw ApiException.notFound("no enrollment with id '" + id + "'");
            }
            changes.delete(TABLE, id);
            Audit.record(changes, p.name(), "enroll_withdrawn", null, id, d.json().path("name").asText(),
                    Http.remote(req));
            return null;
        });
        res.status(io.helidon.http.Status.NO_CONTENT_204).send();
    }

    private Doc scope(Principal p, String ref) {
        if (ref == null) {
            throw ApiException.invalid("scope", "is required: the scope (name or id) the appliance joins");
        }
        Doc s = repo.get("scopes", ref);
        if (s == null) {
            for (Doc c : repo.list("scopes")) {
                if (ref.equals(c.json().path("name").asText())) {
                    s = c;
                }
            }
        }
        if (s == null || !entities.isVisible(p, ResourceKind.SCOPES, s)) {
            throw ApiException.invalid("scope", "no scope '" + ref + "'");
        }
        return s;
    }

    private ObjectNode render(Doc d) {
        ObjectNode o = Json.mapper().createObjectNode();
        o.put("id", d.id());
        d.json().fields().forEachRemaining(f -> {
            if (!f.getKey().startsWith(Entities.PRIVATE)) {
                o.set(f.getKey(), f.getValue());
            }
        });
        return o;
    }

    /**
     * Uses an enrollment token (once): answers the principal that registers the appliance it names, or 401. The
     * enrollment is gone when this returns; {@link #restore} puts it back when the registration then fails.
     */
    static Consumed consume(Repository repo, String token, String remote) throws StoreException {
        String hash = Passwords.sha256(token.strip());
        return repo.write(changes -> {
            for (Doc d : repo.list(TABLE)) {
                if (!hash.equals(d.json().path("_token_hash").asText())) {
                    continue;
                }
                changes.delete(TABLE, d.id());
                if (Instant.parse(d.json().path("expires_at").asText()).isBefore(Instant.now())) {
                    Audit.record(changes, "enrollment:" + d.json().path("name").asText(), "enroll_expired", null,
                            d.id(), d.json().path("name").asText(), remote);
                    return null;
                }
                Doc scope = repo.get("scopes", d.json().path("scope").asText());
                if (scope == null) {
                    return null;
                }
                Audit.record(changes, "enrollment:" + d.json().path("name").asText(), "enroll_used", null, d.id(),
                        d.json().path("name").asText(), remote);
                String project = scope.json().path("project").asText(null);
                Principal p = new Principal(null, "enrollment:" + d.json().path("name").asText(),
                        Set.of("appliances:add", "appliances:change", "appliances:view", "scopes:view"), false,
                        project == null ? Set.of() : Set.of(project), null, null);
                return new Consumed(d, scope, p);
            }
            return null;
        }).value();
    }

    /** A used enrollment: what it was, its scope, and who registers with it. */
    record Consumed(Doc enrollment, Doc scope, Principal principal) {
    }

    static void restore(Repository repo, Consumed c) {
        try {
            repo.write(changes -> {
                changes.put(TABLE, c.enrollment().id(), c.enrollment().json());
                return null;
            });
        } catch (StoreException e) {
            System.getLogger(EnrollmentService.class.getName()).log(System.Logger.Level.WARNING,
                    "could not restore enrollment " + c.enrollment().id() + " after a failed registration: " + e);
        }
    }
}
