package org.secmon.ems.server;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.ems.api.model.ResourceKind;
import org.secmon.ems.server.EmsFixture.Resp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every endpoint x {anonymous, read-only user of project A, operator of project B, operator of project A, admin}
 * gets the expected status. For each collection and principal the admin first creates a fresh entity in project A;
 * the principal then lists, reads, replaces and deletes it and creates one of its own.
 */
class RbacMatrixTest {
    enum Who { ANONYMOUS, READONLY_A, OPERATOR_B, OPERATOR_A, ADMIN }

    @Test
    void everyEndpointForEveryKindOfUser(@TempDir Path dir) throws Exception {
        try (EmsFixture ems = EmsFixture.embedded(dir)) {
            String admin = ems.admin();
            Samples.post(ems, admin, "projects", Samples.body(ResourceKind.PROJECTS, null, null, "pA"));
            Samples.post(ems, admin, "projects", Samples.body(ResourceKind.PROJECTS, null, null, "pB"));
            Samples.post(ems, admin, "scopes", Samples.body(ResourceKind.SCOPES, null, "pA", "sA"));
            Samples.post(ems, admin, "scopes", Samples.body(ResourceKind.SCOPES, null, "pB", "sB"));
            Samples.fixture(ems, admin, "sA");
            user(ems, admin, "ro-a", "readonly", "pA");
            user(ems, admin, "op-b", "operator", "pB");
            user(ems, admin, "op-a", "operator", "pA");
            String[] tokens = {null, ems.login("ro-a", "password-ro-a"), ems.login("op-b", "password-op-b"),
                    ems.login("op-a", "password-op-a"), admin};

            List<String> failures = new ArrayList<>();
            int checked = 0;
            for (ResourceKind kind : ResourceKind.ALL) {
                String c = "/api/v1/" + kind.collection();
                for (Who who : Who.values()) {
                    String t = tokens[who.ordinal()];
                    String suffix = who.name().toLowerCase().replace('_', '-');
                    ObjectNode fixtureBody = Samples.body(kind, "sA", "pA", "f-" + suffix);
                    String id = Samples.post(ems, admin, kind.collection(), fixtureBody);
                    JsonNode current = ems.call("GET", c + "/" + id, admin, null).json();

                    Resp list = ems.call("GET", c + "?limit=1000", t, null);
                    checked += expect(failures, kind, who, "list", list, status(kind, who, "view", true, 200));
                    if (list.status() == 200) {
                        boolean listed = list.text().contains(id);
                        if (listed != visible(kind, who)) {
                            failures.add(kind.collection() + " list by " + who + ": fixture listed=" + listed);
                        }
                    }
                    checked += expect(failures, kind, who, "get", ems.call("GET", c + "/" + id, t, null),
                            status(kind, who, "view", visible(kind, who), 200));
                    checked += expect(failures, kind, who, "put", ems.call("PUT", c + "/" + id, t, current),
                            status(kind, who, "change", visible(kind, who), 200));
                    checked += expect(failures, kind, who, "patch", ems.call("PATCH", c + "/" + id, t, "{}"),
                            status(kind, who, "change", visible(kind, who), 200));
                    checked += expect(failures, kind, who, "delete", ems.call("DELETE", c + "/" + id, t, null),
                            status(kind, who, "delete", visible(kind, who), 204));
                    ObjectNode own = Samples.body(kind, "sA", "pA", "own-" + suffix);
                    int createExpected = status(kind, who, "add", true, 201);
                    if (createExpected == 201 && who == Who.OPERATOR_B && !kind.adminOnly()) {
                        createExpected = 422; // project A's scope (or project) does not exist for op-b
                    }
                    checked += expect(failures, kind, who, "create", ems.call("POST", c, t, own), createExpected);
                    // clean up as admin whatever is left
                    for (String name : List.of("f-" + suffix, "own-" + suffix)) {
                        for (JsonNode n : ems.call("GET", c + "?limit=1000", admin, null).json().path("items")) {
                            if (name.equals(n.path("name").asText()) || (kind.singletonPerScope()
                                    && n.path("scope").asText().equals(current.path("scope").asText()))) {
                                assertEquals(204, ems.call("DELETE", c + "/" + n.path("id").asText(), admin, null)
                                        .status());
                            }
                        }
                    }
                }
            }
            // the other endpoints
            int[][] others = {
                    // anonymous, readonly, operator B, operator A, admin
                    {401, 403, 403, 403, 200}, // GET /api/v1/audit
                    {401, 403, 200, 200, 200}, // GET /metrics
                    {401, 200, 200, 200, 200}, // GET /api/v1/openapi.yaml
                    {401, 200, 200, 200, 200}, // GET /api/v1/tokens/current
                    {200, 200, 200, 200, 200}, // GET /health/ready
            };
            String[] paths = {"/api/v1/audit", "/metrics", "/api/v1/openapi.yaml", "/api/v1/tokens/current",
                    "/health/ready"};
            for (int i = 0; i < paths.length; i++) {
                for (Who who : Who.values()) {
                    Resp r = ems.call("GET", paths[i], tokens[who.ordinal()], null);
                    checked++;
                    if (r.status() != others[i][who.ordinal()]) {
                        failures.add("GET " + paths[i] + " by " + who + ": " + r.status() + " expected "
                                + others[i][who.ordinal()]);
                    }
                }
            }
            assertTrue(failures.isEmpty(), failures.size() + " of " + checked + " checks failed:\n"
                    + String.join("\n", failures));
            assertTrue(checked > ResourceKind.ALL.size() * 5 * 6, "checked " + checked);
        }
    }

    private static void user(EmsFixture ems, String admin, String name, String role, String project) throws Exception {
        ObjectNode u = Samples.body(ResourceKind.USERS, null, project, name);
        u.putArray("roles").add(role);
        Samples.post(ems, admin, "users", u);
    }

    /** Whether the principal sees an entity that the admin created in project A. */
    private static boolean visible(ResourceKind kind, Who who) {
        return switch (who) {
            case ADMIN -> true;
            case OPERATOR_A, READONLY_A -> kind != ResourceKind.PROJECTS; // a new project has no members
            default -> kind.adminOnly() && kind != ResourceKind.PROJECTS;
        };
    }

    private static boolean permitted(ResourceKind kind, Who who, String op) {
        return switch (who) {
            case ANONYMOUS -> false;
            case ADMIN -> true;
            case OPERATOR_A, OPERATOR_B -> !kind.adminOnly() || (kind == ResourceKind.PROJECTS && op.equals("view"));
            case READONLY_A -> op.equals("view") && (!kind.adminOnly() || kind == ResourceKind.PROJECTS);
        };
    }

    private static int status(ResourceKind kind, Who who, String op, boolean visible, int ok) {
        if (who == Who.ANONYMOUS) {
            return 401;
        }
        if (!permitted(kind, who, op)) {
            return 403;
        }
        return visible ? ok : 404;
    }

    private static int expect(List<String> failures, ResourceKind kind, Who who, String op, Resp r, int expected) {
        if (r.status() != expected) {
            failures.add(op + " " + kind.collection() + " by " + who + ": " + r.status() + " expected " + expected
                    + " " + r.text());
        }
        return 1;
    }
}
