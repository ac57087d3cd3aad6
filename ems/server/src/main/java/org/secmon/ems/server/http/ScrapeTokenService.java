package org.secmon.ems.server.http;

import java.time.Instant;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import org.secmon.ems.api.Json;
import org.secmon.ems.api.model.Operation;
import org.secmon.ems.server.Audit;
import org.secmon.ems.server.auth.Auth;
import org.secmon.ems.server.auth.Principal;
import org.secmon.ems.server.store.Repository;
import org.secmon.ems.server.store.Repository.Doc;

/**
 * Scrape credentials: long-lived tokens that may read metrics and nothing else, for Prometheus
 * ({@code authorization: {type: Bearer, credentials_file: ...}}) on the EMS's {@code /metrics} and on every
 * appliance's metrics endpoint (appliances learn the tokens' hashes from {@code GET /api/v1/appliances/{id}/scrapers}).
 * {@code POST /api/v1/scrape_tokens {name}} shows the token once; the EMS keeps its SHA-256. {@code GET} lists them
 * (never the tokens), {@code DELETE /{id}} revokes one everywhere. Permission: resource {@code scrape_tokens}
 * (administrators). Issuing and revoking are audited.
 */
public final class ScrapeTokenService implements HttpService {
    public static final String RESOURCE = Auth.SCRAPE_TOKENS;

    private final Auth auth;
    private final Repository repo;
    private final org.secmon.ems.server.Notifier notifier;

    public ScrapeTokenService(Auth auth, Repository repo, org.secmon.ems.server.Notifier notifier) {
        this.auth = auth;
        this.repo = repo;
        this.notifier = notifier;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::createHandler)
                .get("/", this::listHandler)
                .delete("/{id}", this::deleteHandler);
    }

    private static Principal allowed(ServerRequest req, Operation op, String verb) {
        Principal p = Http.principal(req);
        if (p.appliance() != null || !p.can(RESOURCE, op)) {
            throw ApiException.forbidden(p.name() + " may not " + verb + " scrape tokens");
        }
        return p;
    }

    private void createHandler(ServerRequest req, ServerResponse res) throws Exception {
        Principal p = allowed(req, Operation.ADD, "add");
        JsonNode b = Http.body(req);
        if (!b.isObject()) {
            throw ApiException.badRequest("the body must be a JSON object");
        }
        for (var it = b.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!Set.of("name").contains(f)) {
                throw ApiException.invalid(f, "is not a field here; fields: name");
            }
        }
        JsonNode n = b.get("name");
        if (n == null || !n.isTextual()) {
            throw ApiException.invalid("name", "is required");
        }
        String bad = org.secmon.ems.api.schema.Formats.check(org.secmon.ems.api.schema.Formats.Kind.NAME, n.asText());
        if (bad != null) {
            throw ApiException.invalid("name", bad);
        }
        String name = n.asText();
        String id = java.util.UUID.randomUUID().toString();
        var written = repo.write(changes -> {
            for (Doc d : repo.list(RESOURCE)) {
                if (name.equals(d.json().path("name").asText())) {
                    throw ApiException.conflict("exists", "a scrape token named '" + name + "' exists; delete it first",
                            "name");
                }
            }
            ObjectNode s = Json.mapper().createObjectNode();
            s.put("name", name).put("created_at", Instant.now().toString()).put("created_by", p.name());
            String t = auth.issueScrapeToken(changes, id);
            s.put("_token_hash", org.secmon.ems.server.auth.Passwords.sha256(t));
            changes.put(RESOURCE, id, s);
            Audit.record(changes, p.name(), "scrape_token_added", null, id, name, Http.remote(req));
            return t;
        });
        String token = written.value();
        notifier.fullResyncAll(written.revision()); // appliances fetch the new hash list now
        ObjectNode out = render(repo.get(RESOURCE, id));
        out.put("token", token);
        Http.json(res, 201, out);
    }

    private void listHandler(ServerRequest req, ServerResponse res) {
        allowed(req, Operation.VIEW, "view");
        ObjectNode out = Json.mapper().createObjectNode();
        ArrayNode items = out.putArray("items");
        repo.list(RESOURCE).stream().sorted(java.util.Comparator.comparing(d -> d.json().path("name").asText()))
                .forEach(d -> items.add(render(d)));
        out.put("total", items.size());
        Http.json(res, 200, out);
    }

    private void deleteHandler(ServerRequest req, ServerResponse res) throws Exception {
        Principal p = allowed(req, Operation.DELETE, "delete");
        String id = req.path().pathParameters().get("id");
        var written = repo.write(changes -> {
            Doc d = repo.get(RESOURCE, id);
            if (d == null) {
                throw ApiException.notFound("no scrape token with id '" + id + "'");
            }
            changes.delete(RESOURCE, id);
            auth.revokeMachineTokens(changes, "scraper", id);
            Audit.record(changes, p.name(), "scrape_token_deleted", null, id, d.json().path("name").asText(),
                    Http.remote(req));
            return null;
        });
        notifier.fullResyncAll(written.revision()); // revoked on the appliances now, not at their next resync
        res.status(io.helidon.http.Status.NO_CONTENT_204).send();
    }

    private static ObjectNode render(Doc d) {
        ObjectNode o = Json.mapper().createObjectNode();
        o.put("id", d.id());
        o.put("name", d.json().path("name").asText());
        o.put("created_at", d.json().path("created_at").asText());
        o.put("created_by", d.json().path("created_by").asText());
        return o;
    }
}
