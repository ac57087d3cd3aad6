package org.secmon.ems.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import org.secmon.ems.server.auth.Auth;
import org.secmon.ems.server.auth.Principal;

/**
 * {@code POST /api/v1/tokens} {"name", "password"} logs in (the only unauthenticated API call);
 * {@code GET /api/v1/tokens/current} shows who the token belongs to; {@code DELETE /api/v1/tokens/current} logs out.
 */
public final class TokenService implements HttpService {
    private final Auth auth;

    public TokenService(Auth auth) {
        this.auth = auth;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::loginHandler)
                .get("/current", this::currentHandler)
                .delete("/current", this::logoutHandler);
    }

    private void loginHandler(ServerRequest req, ServerResponse res) throws Exception {
        JsonNode b = Http.body(req);
        JsonNode name = b.get("name");
        JsonNode password = b.get("password");
        if (name == null || !name.isTextual()) {
            throw ApiException.invalid("name", "is required");
        }
        if (password == null || !password.isTextual()) {
            throw ApiException.invalid("password", "is required");
        }
        Auth.Login l = auth.login(name.asText(), password.asText(), Http.remote(req));
        ObjectNode out = describe(l.principal());
        out.put("token", l.token());
        out.put("expires_at", l.expiresAt().toString());
        Http.json(res, 201, out);
    }

    private void currentHandler(ServerRequest req, ServerResponse res) {
        Http.json(res, 200, describe(Http.principal(req)));
    }

    private void logoutHandler(ServerRequest req, ServerResponse res) throws Exception {
        Principal p = Http.principal(req);
        String t = Http.token(req.headers());
        auth.logout(t == null ? "" : t, p, Http.remote(req));
        res.status(io.helidon.http.Status.NO_CONTENT_204).send();
    }

    private static ObjectNode describe(Principal p) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        ObjectNode user = out.putObject("user");
        user.put("id", p.userId()).put("name", p.name());
        var perms = out.putArray("permissions");
        p.permissions().stream().sorted().forEach(perms::add);
        out.put("all_projects", p.allProjects());
        var projects = out.putArray("projects");
        p.projects().stream().sorted().forEach(projects::add);
        return out;
    }
}
