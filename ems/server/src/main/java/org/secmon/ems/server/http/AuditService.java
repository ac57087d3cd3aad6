package org.secmon.ems.server.http;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import org.secmon.ems.api.model.Operation;
import org.secmon.ems.server.Audit;
import org.secmon.ems.server.auth.Principal;
import org.secmon.ems.server.store.Repository;
import org.secmon.ems.server.store.Repository.Doc;

/** {@code GET /api/v1/audit}: every change, login and logout, newest first; filter by user, operation, collection. */
public final class AuditService implements HttpService {
    private static final List<String> FILTERS = List.of("user", "operation", "collection", "resource_id");
    private final Repository repo;

    public AuditService(Repository repo) {
        this.repo = repo;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::listHandler);
    }

    private void listHandler(ServerRequest req, ServerResponse res) throws Exception {
        Principal p = Http.principal(req);
        if (!p.can("audit", Operation.VIEW)) {
            throw ApiException.forbidden("user '" + p.name() + "' may not view audit");
        }
        for (String n : req.query().names()) {
            if (!FILTERS.contains(n) && !n.equals("limit") && !n.equals("offset")) {
                throw ApiException.badRequest("cannot filter the audit log by '" + n + "'; filters: "
                        + String.join(", ", FILTERS));
            }
        }
        int limit = Http.intParam(req, "limit", 100, 1, 1000);
        int offset = Http.intParam(req, "offset", 0, 0, Integer.MAX_VALUE);
        List<Doc> docs = new ArrayList<>();
        for (Doc d : repo.list(Audit.TABLE)) {
            boolean ok = true;
            for (String f : FILTERS) {
                var v = req.query().first(f);
                if (v.isPresent() && !v.get().equals(d.json().path(f).asText())) {
                    ok = false;
                }
            }
            if (ok) {
                docs.add(d);
            }
        }
        docs.sort(Comparator.comparing(Doc::id).reversed());
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        ArrayNode items = out.putArray("items");
        for (int i = offset; i < docs.size() && items.size() < limit; i++) {
            ObjectNode o = docs.get(i).json().deepCopy();
            o.put("id", docs.get(i).id());
            items.add(o);
        }
        out.put("total", docs.size()).put("offset", offset).put("limit", limit);
        Http.json(res, 200, out);
    }
}
