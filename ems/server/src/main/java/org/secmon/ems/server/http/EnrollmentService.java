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
import org.secmon.ems.server.entity.Entities;
import org.secmon.ems.server.store.Repository;
import org.secmon.ems.server.store.Repository.Doc;
import org.secmon.ems.server.store.StoreException;

/**
 * Enrollment tokens: how an appliance or an IPsec enforcer joins without anyone's password. An operator who may add
 * appliances in a scope asks for one ({@code POST /api/v1/enrollments {scope, name, ttl_seconds, uses}}), one who
 * may add IPsec enforcers for an enforcer ({@code {kind: ipsec_enforcer, name, ...}}: no scope); the token is shown in that
 * answer only, is stored as its SHA-256, is bound to that scope and (when given) that appliance name, works
 * {@code uses} times (default once) and expires (default 1 h; at most 7 days for a single-use token, 365 days for a
 * multi-use one, which is what an auto-scaling group needs). A token without a name never takes over an appliance
 * that exists: only a name-bound token re-enrolls one. {@link #bootstrap} creates one from a file at the EMS's start
 * (Heat generates it with the stack, before any operator can log in). The appliance registers with it ({@code POST /api/v1/appliances/register} with
 * {@code X-Enrollment-Token} and no login) and then holds only its own credentials. {@code GET} lists pending
 * enrollments (never their tokens), {@code DELETE /{id}} withdraws one. Issuing, using and withdrawing are audited.
 */
public final class EnrollmentService implements HttpService {
    public static final String TABLE = "enrollments";
    public static final HeaderName HEADER = HeaderNames.create("X-Enrollment-Token");
    /** Tokens of {@link #bootstrap} files already turned into enrollments (by hash). */
    static final String SEEN = "enrollment_bootstrap";
    static final long DEFAULT_TTL = 3600;
    static final long MAX_TTL = 7 * 24 * 3600;
    static final long MAX_TTL_MULTI = 365 * 24 * 3600;
    static final long MAX_USES = 1000;

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
        JsonNode b = Http.body(req);
        if (!b.isObject()) {
            throw ApiException.badRequest("the body must be a JSON object");
        }
        for (var it = b.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!Set.of("kind", "scope", "name", "ttl_seconds", "uses").contains(f)) {
                throw ApiException.invalid(f, "is not a field here; fields: kind, name, scope, ttl_seconds, uses");
            }
        }
        String kind = kind(b.get("kind"));
        if (p.appliance() != null || !p.can(collection(kind), Operation.ADD)) {
            throw ApiException.forbidden(p.name() + " may not add " + what(kind) + "s, so may not enroll them");
        }
        String scopeId = null;
        if (kind.equals(APPLIANCE)) {
            scopeId = scope(p, b.path("scope").asText(null)).id();
        } else if (b.hasNonNull("scope")) {
            throw ApiException.invalid("scope", "an IPsec enforcer belongs to no scope; leave it out");
        }
        String token = "enr_" + Passwords.randomSecret(32);
        String id = java.util.UUID.randomUUID().toString();
        ObjectNode e = enrollment(kind, scopeId, b.get("name"), b.get("uses"), b.get("ttl_seconds"), p.name());
        e.put("_token_hash", Passwords.sha256(token));
        repo.write(changes -> {
            changes.put(TABLE, id, e);
            Audit.record(changes, p.name(), "enroll", null, id, e.path("name").asText(null), Http.remote(req));
            return null;
        });
        ObjectNode out = render(repo.get(TABLE, id));
        out.put("token", token);
        Http.json(res, 201, out);
    }

    private void listHandler(ServerRequest req, ServerResponse res) {
        Principal p = Http.principal(req);
        if (p.appliance() != null || !p.can(ResourceKind.APPLIANCES.collection(), Operation.VIEW)
                && !p.can(ResourceKind.IPSEC_ENFORCERS.collection(), Operation.VIEW)) {
            throw ApiException.forbidden(p.name() + " may view neither appliances nor IPsec enforcers");
        }
        ObjectNode out = Json.mapper().createObjectNode();
        ArrayNode items = out.putArray("items");
        for (Doc d : repo.list(TABLE)) {
            if (visible(p, d, Operation.VIEW)) {
                items.add(render(d));
            }
        }
        out.put("total", items.size());
        Http.json(res, 200, out);
    }

    private void deleteHandler(ServerRequest req, ServerResponse res) throws Exception {
        Principal p = Http.principal(req);
        if (p.appliance() != null || !p.can(ResourceKind.APPLIANCES.collection(), Operation.DELETE)
                && !p.can(ResourceKind.IPSEC_ENFORCERS.collection(), Operation.DELETE)) {
            throw ApiException.forbidden(p.name() + " may delete neither appliances nor IPsec enforcers, so may not"
                    + " withdraw enrollments");
        }
        String id = req.path().pathParameters().get("id");
        repo.write(changes -> {
            Doc d = repo.get(TABLE, id);
            if (d == null || !visible(p, d, Operation.VIEW)) {
                throw ApiException.notFound("no enrollment with id '" + id + "'");
            }
            if (!visible(p, d, Operation.DELETE)) {
                throw ApiException.forbidden(p.name() + " may not delete " + what(kindOf(d))
                        + "s, so may not withdraw their enrollments");
            }
            changes.delete(TABLE, id);
            Audit.record(changes, p.name(), "enroll_withdrawn", null, id, d.json().path("name").asText(),
                    Http.remote(req));
            return null;
        });
        res.status(io.helidon.http.Status.NO_CONTENT_204).send();
    }

    /** What an enrollment token registers: an appliance (in a scope) or an IPsec enforcer (in none). */
    public static final String APPLIANCE = "appliance";
    public static final String IPSEC_ENFORCER = "ipsec_enforcer";

    private static String kind(JsonNode k) {
        if (k == null || k.isNull()) {
            return APPLIANCE;
        }
        if (!k.isTextual() || !Set.of(APPLIANCE, IPSEC_ENFORCER).contains(k.asText())) {
            throw ApiException.invalid("kind", "must be " + APPLIANCE + " (the default) or " + IPSEC_ENFORCER);
        }
        return k.asText();
    }

    static String kindOf(Doc enrollment) {
        return enrollment.json().path("kind").asText(APPLIANCE);
    }

    private static String collection(String kind) {
        return (kind.equals(APPLIANCE) ? ResourceKind.APPLIANCES : ResourceKind.IPSEC_ENFORCERS).collection();
    }

    private static String what(String kind) {
        return kind.equals(APPLIANCE) ? "appliance" : "IPsec enforcer";
    }

    /** Whether {@code p} may {@code op} the kind of machine the enrollment is for, and (appliances) sees its scope. */
    private boolean visible(Principal p, Doc d, Operation op) {
        String kind = kindOf(d);
        if (!p.can(collection(kind), op)) {
            return false;
        }
        if (kind.equals(IPSEC_ENFORCER)) {
            return true;
        }
        Doc s = repo.get("scopes", d.json().path("scope").asText());
        return s != null && entities.isVisible(p, ResourceKind.SCOPES, s);
    }

    /** A validated enrollment document (without its token hash); 422 naming the field otherwise. */
    static ObjectNode enrollment(String kind, String scope, JsonNode name, JsonNode uses, JsonNode ttlSeconds,
            String by) {
        if (name != null && !name.isNull() && (!name.isTextual()
                || Formats.check(Formats.Kind.NAME, name.asText()) != null)) {
            throw ApiException.invalid("name", "must be the " + what(kind) + "'s name, "
                    + Formats.Kind.NAME.description() + " (or leave it out: any new " + what(kind)
                    + (kind.equals(APPLIANCE) ? " in the scope" : "") + ", for a multi-use token)");
        }
        long n = uses == null || uses.isNull() ? 1 : uses.canConvertToLong() ? uses.asLong() : -1;
        if (n < 1 || n > MAX_USES) {
            throw ApiException.invalid("uses", "must be 1.." + MAX_USES);
        }
        long max = n == 1 ? MAX_TTL : MAX_TTL_MULTI;
        long ttl = ttlSeconds == null || ttlSeconds.isNull() ? DEFAULT_TTL
                : ttlSeconds.canConvertToLong() ? ttlSeconds.asLong() : -1;
        if (ttl < 60 || ttl > max) {
            throw ApiException.invalid("ttl_seconds", "must be 60.." + max + " seconds" + (n == 1
                    ? " for a single-use token" : ""));
        }
        ObjectNode e = Json.mapper().createObjectNode();
        e.put("kind", kind);
        if (scope != null) {
            e.put("scope", scope);
        }
        if (name != null && !name.isNull()) {
            e.put("name", name.asText());
        }
        e.put("uses_left", n).put("expires_at", Instant.now().plus(Duration.ofSeconds(ttl)).toString())
                .put("created_by", by).put("created_at", Instant.now().toString());
        return e;
    }

    /**
     * The enrollment of a file the EMS reads at start ({@code --bootstrap-enrollment}: {@code token=}, {@code scope=}
     * (a name: the scope may be created later), {@code uses=}, {@code ttl_seconds=}, optional {@code name=}), created
     * once: a token seen before (used up, expired or withdrawn) is not created again at the next start.
     */
    public static void bootstrap(Repository repo, java.nio.file.Path file) throws java.io.IOException, StoreException {
        java.util.Map<String, String> kv = new java.util.HashMap<>();
        for (String line : java.nio.file.Files.readAllLines(file)) {
            String l = line.strip();
            int eq = l.indexOf('=');
            if (!l.isEmpty() && !l.startsWith("#") && eq > 0) {
                kv.put(l.substring(0, eq).strip(), l.substring(eq + 1).strip());
            }
        }
        String token = kv.get("token");
        if (token == null || token.length() < 20) {
            throw new IllegalArgumentException(file + ": token= (at least 20 characters) is required");
        }
        if (kv.get("scope") == null || Formats.check(Formats.Kind.NAME, kv.get("scope")) != null) {
            throw new IllegalArgumentException(file + ": scope= (the scope's name) is required");
        }
        ObjectNode e;
        try {
            var f = Json.mapper().getNodeFactory();
            e = enrollment(APPLIANCE, kv.get("scope"), kv.containsKey("name") ? f.textNode(kv.get("name")) : null,
                    f.numberNode(Long.parseLong(kv.getOrDefault("uses", "1"))),
                    f.numberNode(Long.parseLong(kv.getOrDefault("ttl_seconds", Long.toString(DEFAULT_TTL)))),
                    "bootstrap");
        } catch (ApiException x) {
            throw new IllegalArgumentException(file + ": " + x.getMessage());
        } catch (NumberFormatException x) {
            throw new IllegalArgumentException(file + ": uses= and ttl_seconds= must be whole numbers");
        }
        String hash = Passwords.sha256(token);
        repo.write(changes -> {
            if (repo.get(SEEN, hash) != null) {
                return null;
            }
            e.put("_token_hash", hash);
            String id = java.util.UUID.randomUUID().toString();
            changes.put(TABLE, id, e);
            changes.put(SEEN, hash, Json.mapper().createObjectNode().put("enrollment", id));
            Audit.record(changes, "bootstrap", "enroll", null, id, e.path("name").asText(null), null);
            return null;
        });
    }

    private Doc scope(Principal p, String ref) {
        if (ref == null) {
            throw ApiException.invalid("scope", "is required: the scope (name or id) the appliance joins");
        }
        Doc s = Entities.find(repo, "scopes", ref, null);
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
     * Uses an enrollment token (once) to register a machine of {@code kind}: answers the principal that registers
     * the appliance or enforcer it names, or null (unknown, used or expired: 401). A token for the other kind is
     * refused (403) and not used up. The enrollment is gone when this returns; {@link #restore} puts it back when
     * the registration then fails.
     */
    static Consumed consume(Repository repo, String token, String remote, String kind) throws StoreException {
        String hash = Passwords.sha256(token.strip());
        return repo.write(changes -> {
            for (Doc d : repo.list(TABLE)) {
                if (!hash.equals(d.json().path("_token_hash").asText())) {
                    continue;
                }
                String who = "enrollment:" + d.json().path("name").asText(d.json().path("scope").asText(
                        kindOf(d)));
                if (Instant.parse(d.json().path("expires_at").asText()).isBefore(Instant.now())) {
                    changes.delete(TABLE, d.id());
                    Audit.record(changes, who, "enroll_expired", null, d.id(), d.json().path("name").asText(null),
                            remote);
                    return null;
                }
                if (!kindOf(d).equals(kind)) {
                    throw ApiException.forbidden("this enrollment token is for an " + what(kindOf(d))
                            + ", not an " + what(kind));
                }
                Doc scope = null;
                Principal p;
                if (kind.equals(APPLIANCE)) {
                    scope = Entities.find(repo, "scopes", d.json().path("scope").asText(), null);
                    if (scope == null) {
                        throw ApiException.conflict("no_scope", "the scope '" + d.json().path("scope").asText()
                                + "' of this enrollment does not exist (yet); the appliance retries", "scope");
                    }
                    String project = scope.json().path("project").asText(null);
                    p = new Principal(null, who,
                            Set.of("appliances:add", "appliances:change", "appliances:view", "scopes:view"), false,
                            project == null ? Set.of() : Set.of(project), null, null);
                } else {
                    p = new Principal(null, who, Set.of("ipsec_enforcers:add", "ipsec_enforcers:change",
                            "ipsec_enforcers:view"), false, Set.of(), null, null);
                }
                long left = d.json().path("uses_left").asLong(1) - 1;
                if (left <= 0) {
                    changes.delete(TABLE, d.id());
                } else {
                    changes.put(TABLE, d.id(), d.json().deepCopy().put("uses_left", left));
                }
                Audit.record(changes, who, "enroll_used", null, d.id(), d.json().path("name").asText(null), remote);
                return new Consumed(d, scope, p);
            }
            return null;
        }).value();
    }

    /**
     * The principal an enrollment token gives for registering a machine of {@code kind} called {@code name}: 401
     * for an unknown, used or expired token, 403 for one bound to another name (or scope, {@code scopeRef}), 409 when
     * a token bound to no name would take over an existing machine ({@code exists}). The use is given back on
     * refusal; {@code register} runs with the principal and gives it back when it fails.
     */
    static void register(Repository repo, String token, String remote, String kind, String scopeRef, String name,
            java.util.function.Predicate<Consumed> exists, Registration register) throws Exception {
        Consumed c = consume(repo, token, remote, kind);
        if (c == null) {
            throw ApiException.unauthorized("unknown, used or expired enrollment token; ask an operator for a "
                    + "new one (secmonctl enroll)");
        }
        String bound = c.enrollment().json().path("name").asText(null);
        boolean otherScope = c.scope() != null && !(c.scope().id().equals(scopeRef)
                || c.scope().json().path("name").asText().equals(scopeRef));
        if (otherScope || bound != null && !bound.equals(name)) {
            restore(repo, c);
            throw ApiException.forbidden("this enrollment token is for " + (bound == null ? "new " + what(kind) + "s"
                    : what(kind) + " '" + bound + "'") + (c.scope() == null ? ""
                    : " in scope '" + c.scope().json().path("name").asText() + "'"));
        }
        if (bound == null && exists.test(c)) {
            restore(repo, c);
            throw ApiException.conflict("exists", "an " + what(kind) + " named '" + name + "' exists"
                    + (c.scope() == null ? "" : " in scope '" + c.scope().json().path("name").asText() + "'")
                    + "; only a token made for that name re-enrolls it", "name");
        }
        try {
            register.run(c.principal());
        } catch (Exception e) {
            restore(repo, c);
            throw e;
        }
    }

    /** A registration under an enrollment's principal. */
    interface Registration {
        void run(Principal p) throws Exception;
    }

    /** A used enrollment: what it was, its scope, and who registers with it. */
    record Consumed(Doc enrollment, Doc scope, Principal principal) {
    }

    static void restore(Repository repo, Consumed c) {
        try {
            repo.write(changes -> { // the use given back (another may have been taken meanwhile)
                Doc now = repo.get(TABLE, c.enrollment().id());
                changes.put(TABLE, c.enrollment().id(), now == null ? c.enrollment().json()
                        : now.json().deepCopy().put("uses_left", now.json().path("uses_left").asLong(0) + 1));
                return null;
            });
        } catch (StoreException e) {
            System.getLogger(EnrollmentService.class.getName()).log(System.Logger.Level.WARNING,
                    "could not restore enrollment " + c.enrollment().id() + " after a failed registration: " + e);
        }
    }
}
