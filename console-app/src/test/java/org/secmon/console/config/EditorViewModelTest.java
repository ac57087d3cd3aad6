package org.secmon.console.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import org.secmon.console.core.Dispatch;
import org.secmon.console.core.Session;
import org.secmon.console.shell.MainView;
import org.secmon.ems.api.client.EmsClient;
import org.secmon.ems.api.model.ResourceKind;
import org.secmon.ems.testkit.EmsFixture;

/**
 * The schema-driven editors against a real EMS, without the toolkit: a whole monitoring setup is built through the
 * view models, with errors checked while typing, the EMS's refusals shown at their fields, and concurrent edits
 * detected.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EditorViewModelTest {
    @TempDir
    static Path dir;
    private EmsFixture ems;
    private Session session;
    private BrowserViewModel config;

    @BeforeAll
    void start() throws Exception {
        ems = EmsFixture.embedded(dir);
        EmsClient c = EmsClient.create(URI.create(ems.base));
        c.login("admin", EmsFixture.ADMIN_PASSWORD);
        session = new Session(c, c.whoami());
        config = new BrowserViewModel(Dispatch.direct(), session, MainView.CONFIGURATION);
    }

    @AfterAll
    void stop() {
        session.close();
        ems.close();
    }

    /** Opens a new-entity editor of {@code kind} in the browser and returns it. */
    private EditorViewModel create(ResourceKind kind) {
        config.kindProperty().set(kind);
        EditorViewModel e = config.create();
        assertNotNull(e, config.errorProperty().get());
        return e;
    }

    private static void set(EditorViewModel e, String field, String value) {
        e.field(field).valueProperty().set(value);
    }

    @Test
    @Order(1)
    void fieldsComeFromTheModel() {
        BrowserViewModel admin = new BrowserViewModel(Dispatch.direct(), session, MainView.ADMIN);
        admin.kindProperty().set(ResourceKind.USERS);
        EditorViewModel u = admin.create();
        assertEquals(FieldModel.Type.SECRET, u.field("password").type());
        assertEquals(FieldModel.Type.LIST, u.field("roles").type());
        assertEquals("roles", u.field("roles").target());
        assertTrue(u.field("roles").choices().contains("admin"), "role names to pick: " + u.field("roles").choices());
        assertEquals(FieldModel.Type.TEXT_LIST, u.field("ssh_keys").type());
        assertEquals(FieldModel.Type.BOOL, u.field("enabled").type());

        config.kindProperty().set(ResourceKind.RULES);
        assertNull(config.create(), "no scope yet");
        assertTrue(config.errorProperty().get().contains("choose a scope"), config.errorProperty().get());
    }

    @Test
    @Order(2)
    void buildsAMonitoringSetup() {
        BrowserViewModel admin = new BrowserViewModel(Dispatch.direct(), session, MainView.ADMIN);
        admin.kindProperty().set(ResourceKind.PROJECTS);
        EditorViewModel p = admin.create();
        set(p, "name", "tenant-a");
        p.save();
        assertEquals("", p.errorProperty().get());

        EditorViewModel scope = create(ResourceKind.SCOPES);
        set(scope, "name", "web");
        assertEquals(List.of("tenant-a"), scope.field("project").choices());
        set(scope, "project", "tenant-a");
        assertTrue(scope.field("netflow_enabled").checkedProperty().get(), "the model's default (true) is shown");
        scope.save();
        assertEquals("", scope.errorProperty().get(), scope.generalErrors().toString());
        config.refresh();
        assertEquals("web", config.scopeProperty().get().name(), "the first scope is chosen");

        // a 7-tuple: format errors while typing, ports only with protocols that have them
        EditorViewModel co = create(ResourceKind.CLASSIFICATION_OBJECTS);
        set(co, "name", "dns");
        set(co, "dst_ip", "10.0.0.300/8");
        assertTrue(co.field("dst_ip").errorProperty().get().startsWith("must be an IPv4 or IPv6 address"),
                co.field("dst_ip").errorProperty().get());
        set(co, "dst_ip", "10.0.0.53/32");
        assertEquals("", co.field("dst_ip").errorProperty().get());
        set(co, "protocol", "icmp");
        set(co, "dst_port", "53");
        assertFalse(co.field("dst_port").enabledProperty().get());
        assertTrue(co.field("dst_port").errorProperty().get().contains("ports need protocol"));
        set(co, "protocol", "udp");
        assertTrue(co.field("dst_port").enabledProperty().get());
        assertEquals("udp   any  ->  10.0.0.53/32 port 53", co.summaryProperty().get());
        co.save();
        assertEquals("", co.errorProperty().get(), co.generalErrors().toString());

        // a number that is not one never leaves the console; one out of range is refused by the EMS at the field
        EditorViewModel rule = create(ResourceKind.RULES);
        assertEquals(List.of("dns"), rule.field("classification_object").choices());
        set(rule, "name", "dns-queries");
        set(rule, "classification_object", "dns");
        set(rule, "priority", "ten");
        rule.save();
        assertEquals("must be a whole number, not 'ten'", rule.field("priority").errorProperty().get());
        set(rule, "priority", "70000");
        assertEquals("must be between 1 and 65535", rule.field("priority").errorProperty().get(), "live check");
        rule.save();
        assertTrue(rule.field("priority").errorProperty().get().contains("65535"),
                "the EMS's own message at the field: " + rule.field("priority").errorProperty().get());
        assertTrue(rule.errorProperty().get().contains("shown at each field"), rule.errorProperty().get());
        set(rule, "priority", "10");
        set(rule, "action", "forward");
        rule.save();
        assertEquals("", rule.errorProperty().get(), rule.generalErrors().toString());
        assertEquals("", rule.field("priority").errorProperty().get());

        EditorViewModel policy = create(ResourceKind.POLICIES);
        set(policy, "name", "monitor-dns");
        assertEquals(List.of("dns-queries"), policy.field("rules").choices());
        policy.field("rules").items().add("dns-queries");
        policy.save();
        assertEquals("", policy.errorProperty().get(), policy.generalErrors().toString());

        for (String[] c : new String[][] {{"c1", "9995"}, {"c2", "9996"}}) {
            EditorViewModel col = create(ResourceKind.COLLECTORS);
            set(col, "name", c[0]);
            set(col, "address", "127.0.0.1");
            set(col, "port", c[1]);
            set(col, "type", "netflow");
            col.save();
            assertEquals("", col.errorProperty().get(), col.generalErrors().toString());
        }

        EditorViewModel set = create(ResourceKind.COLLECTOR_SETS);
        set(set, "name", "pair");
        set(set, "type", "netflow");
        set(set, "lb_algorithm", "weighted_round_robin");
        FieldModel members = set.field("members");
        assertEquals(List.of("c1", "c2"), members.choices());
        FieldModel.Member m1 = members.addMember("c1", 1);
        FieldModel.Member m2 = members.addMember("c2", 3);
        assertEquals("25 %", m1.shareProperty().get());
        assertEquals("75 %", m2.shareProperty().get());
        m1.weightProperty().set(0);
        assertEquals("standby", m1.shareProperty().get());
        assertEquals("100 %", m2.shareProperty().get());
        m1.weightProperty().set(1);
        set.save();
        assertEquals("", set.errorProperty().get(), set.generalErrors().toString());
        ObjectNode stored = session.client().find(ResourceKind.COLLECTOR_SETS, config.scopeProperty().get().id(),
                "pair");
        assertEquals(3, stored.path("members").get(1).path("weight").asInt());
        // references are stored as ids; the reopened editor shows names again
        EditorViewModel again = config.editorProperty().get();
        assertEquals("c2", again.field("members").members().get(1).collectorProperty().get());

        EditorViewModel assoc = create(ResourceKind.NETFLOW_ASSOCIATIONS);
        set(assoc, "name", "dns-flows");
        set(assoc, "policy", "monitor-dns");
        set(assoc, "collector_set", "pair");
        assoc.save();
        assertEquals("", assoc.errorProperty().get(), assoc.generalErrors().toString());
        config.kindProperty().set(ResourceKind.NETFLOW_ASSOCIATIONS);
        assertEquals(1, config.rows().size());
        assertTrue(config.rows().getFirst().summary().contains("policy monitor-dns"),
                "summaries name references: " + config.rows().getFirst().summary());
    }

    @Test
    @Order(3)
    void emsRefusalsWithoutAFieldAreShownAboveTheForm() {
        EditorViewModel dup = create(ResourceKind.COLLECTORS);
        set(dup, "name", "c1");
        set(dup, "address", "127.0.0.1");
        set(dup, "port", "1");
        set(dup, "type", "netflow");
        dup.save();
        assertFalse(dup.errorProperty().get().isEmpty());
        assertTrue(String.join(" ", dup.generalErrors()).contains("c1") || !dup.field("name").errorProperty().get()
                .isEmpty(), "the duplicate name is reported: " + dup.generalErrors());
    }

    @Test
    @Order(4)
    void aConcurrentChangeIsReportedNotOverwritten() {
        config.kindProperty().set(ResourceKind.RULES);
        EntityRow row = config.rows().stream().filter(r -> r.name().equals("dns-queries")).findFirst().orElseThrow();
        EditorViewModel mine = config.edit(row);
        // someone else changes the rule meanwhile
        session.client().patch(ResourceKind.RULES, row.id(), Map.of("priority", 20));
        set(mine, "priority", "30");
        mine.save();
        assertTrue(String.join(" ", mine.generalErrors()).contains("someone else changed this rule"),
                mine.generalErrors().toString());
        assertEquals(20, session.client().get(ResourceKind.RULES, row.id()).path("priority").asInt());
    }

    @Test
    @Order(5)
    void deletingSomethingInUseSaysWhatUsesIt() {
        config.kindProperty().set(ResourceKind.CLASSIFICATION_OBJECTS);
        EntityRow dns = config.rows().getFirst();
        config.delete(dns);
        assertTrue(config.errorProperty().get().contains("used by rules dns-queries"), config.errorProperty().get());
        assertEquals(1, config.rows().size());
    }

    @Test
    @Order(6)
    void readOnlyUsersGetReadOnlyEditors() throws Exception {
        BrowserViewModel admin = new BrowserViewModel(Dispatch.direct(), session, MainView.ADMIN);
        admin.kindProperty().set(ResourceKind.ROLES);
        EditorViewModel role = admin.create();
        set(role, "name", "viewer");
        set(role, "permissions", "[{\"resource\": \"*\", \"operations\": [\"view\"]}]");
        role.save();
        assertEquals("", role.errorProperty().get(), role.generalErrors().toString());
        admin.kindProperty().set(ResourceKind.USERS);
        EditorViewModel user = admin.create();
        set(user, "name", "watcher");
        set(user, "password", "watcher-password-1");
        user.field("roles").items().add("viewer");
        user.field("projects").items().add("tenant-a");
        user.save();
        assertEquals("", user.errorProperty().get(), user.generalErrors().toString());
        assertEquals("unchanged (write-only)", admin.editorProperty().get().field("password").hintProperty().get());
        assertEquals("", admin.editorProperty().get().field("password").valueProperty().get(),
                "the password is never read back");

        EmsClient c = EmsClient.create(URI.create(ems.base));
        c.login("watcher", "watcher-password-1");
        try (Session watcher = new Session(c, c.whoami())) {
            BrowserViewModel b = new BrowserViewModel(Dispatch.direct(), watcher, MainView.CONFIGURATION);
            b.kindProperty().set(ResourceKind.RULES);
            EditorViewModel e = b.edit(b.rows().getFirst());
            assertFalse(e.editableProperty().get(), "a viewer's editor cannot save");
            assertFalse(watcher.can("rules", "change"));
        }
    }
}
