package org.secmon.ems.server;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.ems.api.model.ResourceKind;
import org.secmon.ems.testkit.EmsFixture.Resp;
import org.secmon.ems.testkit.EmsFixture;

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
            Samples.user(ems, admin, "ro-a", "pA", "readonly");
            Samples.user(ems, admin, "op-b", "pB", "operator");
            Samples.user(ems, admin, "op-a", "pA", "operator");
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
                    {200, 200, 200, 200, 200}, // GET /api/v1/openapi.yaml (no login needed)
                    {401, 200, 200, 200, 200}, // GET /api/v1/tokens/current
                    {200, 200, 200, 200, 200}, // GET /health/ready
                    {401, 403, 403, 403, 200}, // GET /api/v1/scrape_tokens
            };
            String[] paths = {"/api/v1/audit", "/metrics", "/api/v1/openapi.yaml", "/api/v1/tokens/current",
                    "/health/ready", "/api/v1/scrape_tokens"};
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

    /**
     * The escalation dimension: each kind of user (and a user administrator of project A, who may manage users and
     * roles there) tries every path that grants roles, permissions or projects — new users with stronger roles or in
     * other projects, all-projects users and roles, new roles with more permissions, more permissions for his own
     * role, more roles, projects or all-projects for himself and for existing users, a stronger user's password.
     * Afterwards no user holds a permission, project or all-projects scope that the one who changed him did not hold,
     * and the granters themselves hold what they held before (whatever each attempt answered).
     */
    @Test
    void noPathGrantsMoreThanTheGranterHolds(@TempDir Path dir) throws Exception {
        try (EmsFixture ems = EmsFixture.embedded(dir)) {
            String admin = ems.admin();
            Samples.project(ems, admin, "pA");
            Samples.project(ems, admin, "pB");
            Samples.role(ems, admin, "useradmin", false, "users:view,add,change,delete",
                    "roles:view,add,change,delete", "projects:view", "scopes:view");
            Samples.user(ems, admin, "ro-a", "pA", "readonly");
            Samples.user(ems, admin, "op-a", "pA", "operator");
            Samples.user(ems, admin, "op-b", "pB", "operator");
            Samples.user(ems, admin, "ua-a", "pA", "useradmin");
            Samples.user(ems, admin, "victim-a", "pA", "readonly");
            String useradminRole = Samples.id(ems, admin, "roles", "useradmin");
            String victim = Samples.id(ems, admin, "users", "victim-a");
            String adminUser = Samples.id(ems, admin, "users", "admin");
            // what a read-only user of project A holds: victim-a's access before anyone changed it
            JsonNode readonlyA = ems.call("GET", "/api/v1/tokens/current", ems.login("ro-a", "password-ro-a"), null)
                    .json();
            List<String> failures = new ArrayList<>();
            int attempts = 0;
            for (String who : List.of("ro-a", "op-a", "op-b", "ua-a")) {
                String t = ems.login(who, "password-" + who);
                JsonNode before = ems.call("GET", "/api/v1/tokens/current", t, null).json();
                String self = Samples.id(ems, admin, "users", who);
                String n = who.replace("-", "");
                String[][] grants = {
                        {"POST", "/api/v1/users", "{\"name\":\"" + n + "1\",\"password\":\"password-" + n
                                + "1\",\"roles\":[\"admin\"],\"projects\":[\"pA\"]}"},
                        {"POST", "/api/v1/users", "{\"name\":\"" + n + "2\",\"password\":\"password-" + n
                                + "2\",\"roles\":[\"operator\"],\"projects\":[\"pA\"]}"},
                        {"POST", "/api/v1/users", "{\"name\":\"" + n + "3\",\"password\":\"password-" + n
                                + "3\",\"roles\":[\"readonly\"],\"projects\":[\"pB\"]}"},
                        {"POST", "/api/v1/users", "{\"name\":\"" + n + "4\",\"password\":\"password-" + n
                                + "4\",\"roles\":[\"useradmin\"],\"projects\":[\"pA\"]}"},
                        {"POST", "/api/v1/roles", "{\"name\":\"" + n + "-all\",\"permissions\":[{\"resource\":"
                                + "\"*\",\"operations\":[\"view\",\"add\",\"change\",\"delete\"]}],"
                                + "\"all_projects\":true}"},
                        {"POST", "/api/v1/users", "{\"name\":\"" + n + "5\",\"password\":\"password-" + n
                                + "5\",\"roles\":[\"" + n + "-all\"],\"projects\":[\"pA\"]}"},
                        {"POST", "/api/v1/roles", "{\"name\":\"" + n + "-rules\",\"permissions\":[{\"resource\":"
                                + "\"rules\",\"operations\":[\"view\",\"add\",\"change\",\"delete\"]}]}"},
                        {"POST", "/api/v1/users", "{\"name\":\"" + n + "6\",\"password\":\"password-" + n
                                + "6\",\"roles\":[\"" + n + "-rules\"],\"projects\":[\"pA\"]}"},
                        {"PATCH", "/api/v1/roles/" + useradminRole, "{\"permissions\":[{\"resource\":\"*\","
                                + "\"operations\":[\"view\",\"add\",\"change\",\"delete\"]}]}"},
                        {"PATCH", "/api/v1/roles/" + useradminRole, "{\"all_projects\":true}"},
                        {"PATCH", "/api/v1/users/" + self, "{\"roles\":[\"admin\"]}"},
                        {"PATCH", "/api/v1/users/" + self, "{\"projects\":[\"pA\",\"pB\"]}"},
                        {"PATCH", "/api/v1/users/" + victim, "{\"roles\":[\"readonly\",\"operator\"]}"},
                        {"PATCH", "/api/v1/users/" + victim, "{\"projects\":[\"pA\",\"pB\"]}"},
                        {"PUT", "/api/v1/users/" + victim, "{\"name\":\"victim-a\",\"roles\":[\"admin\"],"
                                + "\"projects\":[\"pA\"]}"},
                        {"PATCH", "/api/v1/users/" + adminUser, "{\"password\":\"taken-over-1\"}"},
                };
                for (String[] g : grants) {
                    attempts++;
                    Resp r = ems.call(g[0], g[1], t, g[2]);
                    if (r.status() >= 500) {
                        failures.add(who + " " + g[0] + " " + g[1] + ": " + r);
                    }
                }
                // what everyone holds now, against who could have changed them
                JsonNode granter = ems.call("GET", "/api/v1/tokens/current", ems.login(who, "password-" + who), null)
                        .json();
                if (!granter.path("permissions").equals(before.path("permissions"))
                        || !granter.path("projects").equals(before.path("projects"))
                        || granter.path("all_projects").asBoolean() != before.path("all_projects").asBoolean()) {
                    failures.add(who + " changed his own access: " + before + " -> " + granter);
                }
                List<String> changed = new ArrayList<>(List.of("victim-a"));
                for (int i = 1; i <= 6; i++) {
                    changed.add(n + i);
                }
                for (String u : changed) {
                    Resp login = ems.call("POST", "/api/v1/tokens", null, "{\"name\":\"" + u
                            + "\",\"password\":\"password-" + u + "\"}");
                    if (login.status() != 201) {
                        continue; // never created (refused), or its password was not ours to set
                    }
                    String leak = exceeds(login.json(), before);
                    if (leak != null && !(u.equals("victim-a") && exceeds(login.json(), readonlyA) == null)) {
                        failures.add(u + " (changed by " + who + ") holds more than " + who + ": " + leak);
                    }
                }
                if (ems.call("POST", "/api/v1/tokens", null, "{\"name\":\"admin\",\"password\":\"taken-over-1\"}")
                        .status() == 201) {
                    failures.add(who + " reset the administrator's password");
                }
            }
            assertTrue(failures.isEmpty(), failures.size() + " escalations in " + attempts + " attempts:\n"
                    + String.join("\n", failures));
        }
    }

    /** The first permission, project or all-projects scope {@code held} has and {@code limit} lacks; null if none. */
    private static String exceeds(JsonNode held, JsonNode limit) {
        java.util.Set<String> perms = new java.util.HashSet<>();
        limit.path("permissions").forEach(p -> perms.add(p.asText()));
        for (JsonNode p : held.path("permissions")) {
            String op = p.asText().substring(p.asText().indexOf(':') + 1);
            if (!perms.contains(p.asText()) && !perms.contains("*:" + op)) {
                return "permission " + p.asText();
            }
        }
        if (held.path("all_projects").asBoolean() && !limit.path("all_projects").asBoolean()) {
            return "all projects";
        }
        java.util.Set<String> projects = new java.util.HashSet<>();
        limit.path("projects").forEach(p -> projects.add(p.asText()));
        for (JsonNode p : held.path("projects")) {
            if (!limit.path("all_projects").asBoolean() && !projects.contains(p.asText())) {
                return "project " + p.asText();
            }
        }
        return null;
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
