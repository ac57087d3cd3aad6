package org.secmon.ems.server.http;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import org.secmon.ems.api.model.ResourceKind;
import org.secmon.ems.server.entity.Entities;

/**
 * CRUD for one collection: {@code GET /} (paginated, filtered by field=value), {@code POST /},
 * {@code GET|PUT|PATCH|DELETE /{id}}. ETags are entity versions; {@code If-Match} or the body's {@code version}
 * make an update conditional.
 */
public final class ResourceService implements HttpService {
    private static final Set<String> PAGING = Set.of("limit", "offset");

    private final ResourceKind kind;
    private final Entities entities;

    public ResourceService(ResourceKind kind, Entities entities) {
        this.kind = kind;
        this.entities = entities;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::listHandler)
                .post("/", this::createHandler)
                .get("/{id}", this::getHandler)
                .put("/{id}", this::replaceHandler)
                .patch("/{id}", this::patchHandler)
                .delete("/{id}", this::deleteHandler);
    }

    private void listHandler(ServerRequest req, ServerResponse res) throws Exception {
        int limit = Http.intParam(req, "limit", 100, 1, 1000);
        int offset = Http.intParam(req, "offset", 0, 0, Integer.MAX_VALUE);
        Map<String, String> filters = new LinkedHashMap<>();
        for (String n : req.query().names()) {
            if (!PAGING.contains(n)) {
                filters.put(n, req.query().get(n));
            }
        }
        Entities.Page page = entities.list(Http.principal(req), kind, filters, offset, limit);
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        ArrayNode items = out.putArray("items");
        page.items().forEach(items::add);
        out.put("total", page.total());
        out.put("offset", offset);
        out.put("limit", limit);
        Http.json(res, 200, out);
    }

    private void getHandler(ServerRequest req, ServerResponse res) throws Exception {
        ObjectNode o = entities.get(Http.principal(req), kind, req.path().pathParameters().get("id"));
        res.header(HeaderNames.ETAG, Http.etag(o.path("version").asLong()));
        Http.json(res, 200, o);
    }

    private void createHandler(ServerRequest req, ServerResponse res) throws Exception {
        Entities.Written w = entities.create(Http.principal(req), kind, Http.body(req), Http.remote(req));
        res.header(HeaderNames.LOCATION, "/api/v1/" + kind.collection() + "/" + w.id());
        res.header(HeaderNames.ETAG, Http.etag(w.version()));
        Http.json(res, Status.CREATED_201.code(), w.json());
    }

    private void replaceHandler(ServerRequest req, ServerResponse res) throws Exception {
        update(req, res, false);
    }

    private void patchHandler(ServerRequest req, ServerResponse res) throws Exception {
        update(req, res, true);
    }

    private void update(ServerRequest req, ServerResponse res, boolean merge) throws Exception {
        Entities.Written w = entities.replace(Http.principal(req), kind, req.path().pathParameters().get("id"),
                Http.body(req), Http.ifMatch(req), merge, Http.remote(req));
        res.header(HeaderNames.ETAG, Http.etag(w.version()));
        Http.json(res, 200, w.json());
    }

    private void deleteHandler(ServerRequest req, ServerResponse res) throws Exception {
        entities.delete(Http.principal(req), kind, req.path().pathParameters().get("id"), Http.ifMatch(req),
                Http.remote(req));
        res.status(Status.NO_CONTENT_204).send();
    }
}
