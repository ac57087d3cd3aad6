package org.secmon.ems.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.ems.api.Json;
import org.secmon.ems.testkit.EmsFixture;
import org.secmon.testkit.Ports;

/** secmonctl against a real EMS (embedded store) on loopback, run in-process as a user would run it. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CtlTest {
    record Run(int rc, String out, String err) {
        @Override
        public String toString() {
            return "rc=" + rc + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    private EmsFixture ems;
    private Path dir;
    private Path config;

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        dir = tmp;
        ems = EmsFixture.embedded(Files.createDirectories(tmp.resolve("ems")));
        config = Path.of(getClass().getResource("/tenant-a.yaml").toURI());
        Run login = ctl(Map.of("SECMON_PASSWORD", EmsFixture.ADMIN_PASSWORD), "login", "--ems", ems.base, "-u", "admin");
        assertEquals(0, login.rc(), login.toString());
    }

    @AfterAll
    void stop() {
        ems.close();
    }

    private Run ctl(String... args) {
        return ctl(Map.of(), args);
    }

    private Run ctl(Map<String, String> extraEnv, String... args) {
        return ctl(dir.resolve("ctl.json"), extraEnv, args);
    }

    static Run ctl(Path session, Map<String, String> extraEnv, String... args) {
        Map<String, String> env = new HashMap<>(extraEnv);
        env.put("SECMON_CTL_CONFIG", session.toString());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = Ctl.run(env, new PrintWriter(out), new PrintWriter(err), args);
        return new Run(rc, out.toString(), err.toString());
    }

    private Run ok(String... args) {
        Run r = ctl(args);
        assertEquals(0, r.rc(), String.join(" ", args) + "\n" + r);
        return r;
    }

    private int count(String kind) throws Exception {
        return Json.mapper().readTree(ok("get", kind, "-o", "json").out()).size();
    }

    @Test
    void loginKeepsTheTokenForItsOwnerOnly() throws Exception {
        Path session = dir.resolve("ctl.json");
        assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                Files.getPosixFilePermissions(session));
        assertTrue(ok("whoami").out().contains("admin"));
        Run bad = ctl(dir.resolve("other.json"), Map.of("SECMON_PASSWORD", "wrong-password"), "login", "--ems",
                ems.base, "-u", "admin");
        assertEquals(Ctl.REFUSED, bad.rc(), bad.toString());
        assertTrue(bad.err().contains("401"), bad.err());
        assertFalse(Files.exists(dir.resolve("other.json")), "a failed login saves nothing");
        Run none = ctl(dir.resolve("none.json"), Map.of(), "get", "rules");
        assertEquals(Ctl.USAGE, none.rc());
        assertTrue(none.err().contains("no EMS given") || none.err().contains("not logged in"), none.err());
    }

    @Test
    @Order(1) // on the empty EMS: counts every entity of the file
    void applyIsIdempotentAndExportRoundTrips(@TempDir Path tmp) throws Exception {
        Run first = ok("apply", "-f", config.toString());
        assertTrue(first.out().contains("14 created, 0 configured, 0 unchanged"), first.out());
        Run again = ok("apply", "-f", config.toString());
        assertTrue(again.out().contains("0 created, 0 configured, 14 unchanged"), again.out());

        // one changed field: exactly that entity is replaced
        Path changed = tmp.resolve("changed.yaml");
        Files.writeString(changed, Files.readString(config).replace("priority: 10,", "priority: 11,"));
        Run dry = ok("apply", "--dry-run", "-f", changed.toString());
        assertTrue(dry.out().contains("rule tenant-a/web configured (dry run)"), dry.out());
        assertTrue(ok("get", "rule", "web", "-s", "tenant-a", "-o", "json").out().contains("\"priority\" : 10"));
        Run third = ok("apply", "-f", changed.toString());
        assertTrue(third.out().contains("0 created, 1 configured, 13 unchanged"), third.out());
        JsonNode rule = Json.mapper().readTree(ok("get", "rule", "web", "-s", "tenant-a", "-o", "json").out());
        assertEquals(11, rule.path("priority").asInt());
        assertEquals("web", rule.path("classification_object").asText(), "references shown by name");

        // the created user can log in with the applied password and sees only her project's scope
        Run alice = ctl(tmp.resolve("alice.json"), Map.of("SECMON_PASSWORD", "alice-password-1"), "login", "--ems",
                ems.base, "-u", "alice");
        assertEquals(0, alice.rc(), alice.toString());

        // export, then apply the export to a second, empty EMS: the same configuration comes out
        String exported = ok("export", "-s", "tenant-a").out();
        assertFalse(exported.contains("\"id\"") || exported.contains("\nid:") || exported.contains("  id:"), exported);
        Path file = tmp.resolve("export.yaml");
        Files.writeString(file, exported);
        try (EmsFixture second = EmsFixture.embedded(Files.createDirectories(tmp.resolve("ems2")))) {
            Path session2 = tmp.resolve("ctl2.json");
            Run login = ctl(session2, Map.of("SECMON_PASSWORD", EmsFixture.ADMIN_PASSWORD), "login", "--ems",
                    second.base, "-u", "admin");
            assertEquals(0, login.rc(), login.toString());
            // an export limited to a scope leaves out the project it needs: the EMS says so, by field
            Run missingProject = ctl(session2, Map.of(), "apply", "-f", file.toString());
            assertEquals(Ctl.REFUSED, missingProject.rc(), missingProject.toString());
            assertTrue(missingProject.err().contains("project"), missingProject.err());
            assertEquals(0, ctl(session2, Map.of(), "create", "project", "acme").rc());
            Run applied = ctl(session2, Map.of(), "apply", "-f", file.toString());
            assertEquals(0, applied.rc(), applied.toString());
            assertTrue(applied.out().contains("12 created"), applied.out());
            assertEquals(exported, ctl(session2, Map.of(), "export", "-s", "tenant-a").out());
        }
    }

    @Test
    void badFilesChangeNothingAndSayWhy(@TempDir Path tmp) throws Exception {
        ok("apply", "-f", config.toString());
        int rules = count("rules");
        Path bad = tmp.resolve("bad.yaml");
        Files.writeString(bad, """
                rules:
                  - {scope: tenant-a, name: new-one, classification_object: all, priority: 5}
                  - {scope: tenant-a, name: x, classification_object: all, priority: 0, truncate_to_size: 9000}
                  - {scope: tenant-a, name: y, colour: red}
                widgets: []
                """);
        Run r = ctl("apply", "-f", bad.toString());
        assertEquals(Ctl.USAGE, r.rc(), r.toString());
        for (String expected : List.of("rules[1].priority", "rules[1].truncate_to_size", "rules[2].colour",
                "unknown resource kind 'widgets'", "nothing was changed")) {
            assertTrue(r.err().contains(expected), expected + " in\n" + r.err());
        }
        assertEquals(rules, count("rules"), "the valid entry before the bad ones was not written either");

        Files.writeString(bad, "rules: [ {scope: tenant-a, name: x\n");
        Run broken = ctl("apply", "-f", bad.toString());
        assertEquals(Ctl.USAGE, broken.rc());
        assertTrue(broken.err().contains("not valid YAML or JSON at line"), broken.err());

        Run unknownRef = ctl("create", "rule", "z", "-s", "tenant-a", "--set", "classification_object=nope",
                "--set", "priority=5");
        assertEquals(Ctl.REFUSED, unknownRef.rc());
        assertTrue(unknownRef.err().contains("classification_object: no classification object 'nope'"),
                unknownRef.err());
    }

    @Test
    void crudByNameAndDependentsOnDelete() throws Exception {
        ok("apply", "-f", config.toString());
        ok("create", "co", "dns", "-s", "tenant-a", "--set", "protocol=udp", "--set", "dst_port=53");
        ok("create", "rule", "dns", "-s", "tenant-a", "--set", "classification_object=dns", "--set", "priority=20");
        String table = ok("get", "rules", "-s", "tenant-a").out();
        assertTrue(table.lines().anyMatch(l -> l.startsWith("dns") && l.contains(" 20 ")), table);

        Run inUse = ctl("delete", "co", "dns", "-s", "tenant-a");
        assertEquals(Ctl.REFUSED, inUse.rc());
        assertTrue(inUse.err().contains("used by rules dns (classification_object)"), inUse.err());

        Run range = ctl("update", "rule", "dns", "-s", "tenant-a", "--set", "priority=70000");
        assertEquals(Ctl.REFUSED, range.rc());
        assertTrue(range.err().contains("priority: must be between 1 and 65535"), range.err());
        ok("update", "rule", "dns", "-s", "tenant-a", "--set", "priority=21");
        assertTrue(ok("get", "rule", "dns", "-s", "tenant-a").out().contains("priority:              21"));

        ok("delete", "rule", "dns", "-s", "tenant-a");
        ok("delete", "co", "dns", "-s", "tenant-a");
        Run gone = ctl("get", "rule", "dns", "-s", "tenant-a");
        assertEquals(Ctl.USAGE, gone.rc());
        assertTrue(gone.err().contains("no rule 'dns' in scope 'tenant-a'"), gone.err());

        // a per-scope config is addressed by its scope alone
        ok("update", "netflow_config", "-s", "tenant-a", "--set", "inactive_timeout=90");
        assertTrue(ok("get", "netflow_config", "-s", "tenant-a", "-o", "yaml").out().contains("inactive_timeout: 90"));
        assertTrue(ok("audit", "--limit", "5").out().contains("netflow_configs"));
    }

    @Test
    void anUnreachableEmsIsExitStatusThree() throws Exception {
        Run r = ctl("--ems", "http://127.0.0.1:" + Ports.freeTcp(), "get", "rules");
        assertEquals(Ctl.UNREACHABLE, r.rc(), r.toString());
        assertTrue(r.err().contains("EMS unreachable"), r.err());
    }
}
