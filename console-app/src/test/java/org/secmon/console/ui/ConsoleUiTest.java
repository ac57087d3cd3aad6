package org.secmon.console.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.node.ObjectNode;

import javafx.scene.Node;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.control.TableView;
import javafx.scene.control.TextInputControl;
import javafx.stage.Stage;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import org.secmon.console.ConsoleApp;
import org.secmon.console.dashboard.ApplianceRow;
import org.secmon.ems.api.model.ResourceKind;
import org.secmon.ems.testkit.EmsFixture;

/**
 * The console driven as an operator would, headless (JavaFX's Headless platform): log in to a real EMS, build a
 * NetFlow setup through the editors (classification object, rule, policy, collectors, collector set, association)
 * and watch the agent's applied version follow on the dashboard.
 */
@ExtendWith(ApplicationExtension.class)
class ConsoleUiTest {
    @TempDir
    static Path dir;
    private static Lab lab;

    @BeforeAll
    static void startLab() throws Exception {
        lab = new Lab(dir);
    }

    @AfterAll
    static void stopLab() throws Exception {
        if (lab != null) {
            lab.close();
        }
    }

    @Start
    void start(Stage stage) {
        new ConsoleApp().start(stage);
    }

    private static void waitUntil(String what, int seconds, java.util.concurrent.Callable<Boolean> c) {
        waitUntil(what, seconds, () -> "", c);
    }

    /** As above; on a time-out the message has {@code detail}'s answer (what was there instead). */
    private static void waitUntil(String what, int seconds, java.util.function.Supplier<String> detail,
            java.util.concurrent.Callable<Boolean> c) {
        try {
            WaitForAsyncUtils.waitFor(seconds, TimeUnit.SECONDS, c);
        } catch (java.util.concurrent.TimeoutException e) {
            String d;
            try {
                d = detail.get();
            } catch (RuntimeException x) {
                d = "(" + x + ")";
            }
            throw new AssertionError("timed out waiting for " + what + (d.isEmpty() ? "" : ": " + d));
        }
    }

    /** Lookups inside the selected tab: the configuration, IPsec and user browsers use the same ids. */
    private static org.testfx.service.query.NodeQuery q(FxRobot r, String query) {
        var tabs = r.lookup("#tabs").tryQuery();
        if (tabs.isEmpty()) {
            return r.lookup(query);
        }
        Node content = ((javafx.scene.control.TabPane) tabs.get()).getSelectionModel().getSelectedItem().getContent();
        return r.from(content).lookup(query);
    }

    /** Clicks a tab's header and waits until its content shows. */
    private static void tab(FxRobot r, String id) {
        r.clickOn("#tab-" + id);
        javafx.scene.control.TabPane tabs = r.lookup("#tabs").queryAs(javafx.scene.control.TabPane.class);
        waitUntil("tab " + id, 10, () -> ("tab-" + id).equals(tabs.getSelectionModel().getSelectedItem().getId()));
    }

    private static void type(FxRobot r, String query, String text) {
        TextInputControl t = q(r, query).query() instanceof ComboBox<?> c ? c.getEditor()
                : q(r, query).queryAs(TextInputControl.class);
        r.interact(() -> t.setText(""));
        r.clickOn(t).write(text);
    }

    private static void choose(FxRobot r, String query, String value) {
        ComboBox<?> c = q(r, query).queryAs(ComboBox.class);
        waitUntil(value + " among the choices of " + query, 10, () -> c.getItems().contains(value));
        r.interact(() -> c.getSelectionModel().select(c.getItems().indexOf(value)));
    }

    private static void kind(FxRobot r, String title) {
        waitUntil("the list of kinds", 10, () -> q(r, "#kinds").tryQuery().isPresent());
        ListView<?> kinds = q(r, "#kinds").queryAs(ListView.class);
        java.util.function.Supplier<java.util.Optional<Node>> cell = () -> r.from(kinds).lookup((Node n) ->
                n instanceof javafx.scene.control.ListCell<?> c && title.equals(c.getText())).tryQuery();
        waitUntil(title + " among the kinds", 10, () -> cell.get().isPresent());
        r.clickOn(cell.get().orElseThrow());
    }

    private static void createEntity(FxRobot r, String title) {
        kind(r, title);
        r.clickOn(q(r, "#new-entity").queryAs(Node.class));
        waitUntil("the editor of a new " + title, 10, () -> q(r, "#save").tryQuery().isPresent());
    }

    private static void save(FxRobot r, String name) {
        r.clickOn(q(r, "#save").queryAs(Node.class));
        TableView<?> t = q(r, "#entities").queryAs(TableView.class);
        waitUntil(name + " in the list (or see the editor's errors)", 15, () -> t.getItems().stream()
                .anyMatch(i -> i instanceof org.secmon.console.config.EntityRow e && e.name().equals(name)));
    }

    @Test
    void loginEditAndWatchTheAgentApply(FxRobot r) {
        long before = lab.scopeVersion();

        type(r, "#emsUrl", lab.ems.base);
        type(r, "#user", "admin");
        r.clickOn("#password").write("wrong-password-1");
        r.clickOn("#loginButton");
        Label error = r.lookup(".login-card .error").queryAs(Label.class);
        waitUntil("the login error", 15, () -> error.getText().contains("401"));

        type(r, "#password", EmsFixture.ADMIN_PASSWORD);
        r.clickOn("#loginButton");
        waitUntil("the main window", 15, () -> r.lookup("#appliances").tryQuery().isPresent());
        TableView<?> appliances = r.lookup("#appliances").queryAs(TableView.class);
        waitUntil("the agent on the dashboard", 15, () -> appliances.getItems().size() == 1);

        tab(r, "configuration");
        createEntity(r, "Classification objects");
        type(r, "#field-name", "web");
        type(r, "#field-dst_port", "80");
        type(r, "#field-protocol", "icmp");
        Label portError = q(r, "#error-dst_port").queryAs(Label.class);
        waitUntil("the live 7-tuple check", 5, () -> portError.getText().contains("ports need protocol"));
        type(r, "#field-protocol", "tcp");
        type(r, "#field-dst_ip", "10.1.0.0/16");
        assertEquals("tcp   any  ->  10.1.0.0/16 port 80",
                q(r, "#tuple-summary").queryAs(Label.class).getText());
        save(r, "web");

        createEntity(r, "Rules");
        type(r, "#field-name", "web-in");
        type(r, "#field-classification_object", "web");
        type(r, "#field-priority", "99999");
        r.clickOn(q(r, "#save").queryAs(Node.class));
        Label prioError = q(r, "#error-priority").queryAs(Label.class);
        waitUntil("the EMS's range error at the field", 10, () -> prioError.getText().contains("65535"));
        type(r, "#field-priority", "100");
        save(r, "web-in");

        createEntity(r, "Policies");
        type(r, "#field-name", "web-policy");
        choose(r, "#pick-rules", "web-in");
        r.clickOn(q(r, "#add-rules").queryAs(Node.class));
        save(r, "web-policy");

        for (String[] c : new String[][] {{"nf-a", "9101"}, {"nf-b", "9102"}}) {
            createEntity(r, "Collectors");
            type(r, "#field-name", c[0]);
            type(r, "#field-address", "127.0.0.1");
            type(r, "#field-port", c[1]);
            choose(r, "#field-type", "netflow");
            save(r, c[0]);
        }

        createEntity(r, "Collector sets");
        type(r, "#field-name", "nf-pair");
        choose(r, "#field-type", "netflow");
        choose(r, "#field-lb_algorithm", "weighted_round_robin");
        choose(r, "#pick-members", "nf-a");
        r.clickOn(q(r, "#add-members").queryAs(Node.class));
        choose(r, "#pick-members", "nf-b");
        r.clickOn(q(r, "#add-members").queryAs(Node.class));
        save(r, "nf-pair");

        createEntity(r, "NetFlow associations");
        type(r, "#field-name", "web-flows");
        type(r, "#field-policy", "web-policy");
        type(r, "#field-collector_set", "nf-pair");
        save(r, "web-flows");

        String scope = lab.admin.find(ResourceKind.SCOPES, null, "lab").path("id").asText();
        ObjectNode set = lab.admin.find(ResourceKind.COLLECTOR_SETS, scope, "nf-pair");
        assertEquals(2, set.path("members").size(), set.toString());
        ObjectNode assoc = lab.admin.find(ResourceKind.NETFLOW_ASSOCIATIONS, scope, "web-flows");
        assertEquals(set.path("id").asText(), assoc.path("collector_set").asText());
        long after = lab.scopeVersion();
        assertTrue(after >= before + 7, "every save changed the scope's configuration: " + before + " -> " + after);

        // the dashboard follows the agent: it applies the new version and reports it
        tab(r, "dashboard");
        waitUntil("the agent's applied version " + after + " on the dashboard", 30, () -> {
            r.interact(() -> { });
            return appliances.getItems().stream().anyMatch(i -> i instanceof ApplianceRow a
                    && a.sync().equals("in sync (" + after + ")"));
        });
        assertTrue(lab.appliance().path("capabilities").has("netflow"));
        // the agent reported its SSH CLI's real host key: what the console's terminal checks keys against
        java.security.PublicKey host = new org.apache.sshd.server.keyprovider.SimpleGeneratorHostKeyProvider(
                dir.resolve("agent/ssh_host_ec_key")).loadKeys(null).iterator().next().getPublic();
        assertEquals(org.secmon.console.terminal.HostKeyCheck.fingerprint(host),
                lab.appliance().path("ssh_host_key").asText());

        // the appliance's largest flows with the names from their metadata, once a monitor collects them
        ObjectNode everything = lab.admin.create(ResourceKind.CLASSIFICATION_OBJECTS, java.util.Map.of("scope", scope,
                "name", "everything"));
        lab.admin.create(ResourceKind.RULES, java.util.Map.of("scope", scope, "name", "all", "classification_object",
                everything.path("id").asText(), "priority", 200));
        lab.admin.create(ResourceKind.POLICIES, java.util.Map.of("scope", scope, "name", "all-traffic", "rules",
                java.util.List.of("all")));
        lab.admin.create(ResourceKind.NETFLOW_MONITORS, java.util.Map.of("scope", scope, "name", "names",
                "collect_fields", java.util.List.of("tls_sni", "http_host", "dns_query")));
        lab.admin.patch(ResourceKind.NETFLOW_ASSOCIATIONS, assoc.path("id").asText(), java.util.Map.of("policy",
                "all-traffic", "monitor", "names")); // an appliance runs one association per plugin
        tab(r, "flows");
        TableView<?> flows = r.lookup("#flows").queryAs(TableView.class);
        waitUntil("a DNS query's name beside its flow on the flows screen", 30, () -> "flows "
                + r.lookup("#flows-summary").queryAs(Label.class).getText() + ": " + flows.getItems() + "; the"
                + " appliance's flows in the EMS: " + lab.admin.flows(lab.appliance().path("id").asText()), () -> {
            r.interact(() -> { });
            return flows.getItems().stream().anyMatch(i -> i instanceof org.secmon.console.flows.FlowRow f
                    && f.destination().equals("10.2.0.53:53") && f.name().matches("api\\.(shop\\.example\\.com|"
                            + "intranet\\.example\\.org|mail\\.example\\.net)"));
        });
        r.clickOn("#flows-filter").write("intranet");
        waitUntil("the filter keeps only intranet's flows", 10, () -> {
            r.interact(() -> { });
            return !flows.getItems().isEmpty() && flows.getItems().stream().allMatch(i ->
                    ((org.secmon.console.flows.FlowRow) i).name().contains("intranet"));
        });
        assertTrue(r.lookup("#flows-summary").queryAs(Label.class).getText().contains("netflow: top "),
                r.lookup("#flows-summary").queryAs(Label.class).getText());
        tab(r, "dashboard");

        // an enrollment token from the dashboard, for the next appliance: shown once, and it registers it
        r.clickOn("#enroll");
        waitUntil("the enrollment form", 10, () -> r.lookup("#enroll-make").tryQuery().isPresent());
        waitUntil("the scope chosen", 10, () -> "lab".equals(r.lookup("#enroll-scope").queryAs(ComboBox.class)
                .getValue()));
        r.clickOn("#enroll-name").write("edge-2");
        r.clickOn("#enroll-make");
        TextInputControl token = r.lookup("#enrollment-token").queryAs(TextInputControl.class);
        waitUntil("the token", 15, () -> token.getText().startsWith("enr_"));
        try {
            assertEquals(201, lab.ems.call("POST", "/api/v1/appliances/register", null,
                    "{\"name\":\"edge-2\",\"scope\":\"lab\"}", "X-Enrollment-Token", token.getText()).status());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        r.interact(() -> token.getScene().getWindow().hide());
        assertEquals("", token.getText(), "closing the form forgets the token");
    }
}
