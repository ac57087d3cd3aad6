package org.secmon.console.ui;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.imageio.ImageIO;

import javafx.application.Platform;
import javafx.embed.swing.SwingFXUtils;
import javafx.event.Event;
import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.ListView;
import javafx.scene.control.TabPane;
import javafx.scene.control.TableView;
import javafx.scene.control.TextInputControl;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyEvent;
import javafx.stage.Stage;

import org.apache.sshd.common.config.keys.PublicKeyEntry;

import org.secmon.console.ConsoleApp;
import org.secmon.ems.api.model.ResourceKind;
import org.secmon.ems.testkit.EmsFixture;
import org.secmon.testkit.Await;

/**
 * {@code ScreenshotTour OUT-DIR WORK-DIR}: the console in a real window (run under Xvfb by
 * {@link ConsoleScreenshotsTest}) against a real EMS and agent with a small configuration; visits every main screen
 * and saves each as a PNG for a person to look at.
 */
public final class ScreenshotTour {
    private static Scene scene;

    private ScreenshotTour() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        Path work = Path.of(args[1]);
        Files.createDirectories(out);
        try (Lab lab = new Lab(work)) {
            KeyPair key = sshKey(work.resolve("id_ecdsa"));
            configure(lab, PublicKeyEntry.toString(key.getPublic()));
            CompletableFuture<Void> started = new CompletableFuture<>();
            Platform.startup(() -> {
                Stage stage = new Stage();
                new ConsoleApp().start(stage);
                scene = stage.getScene();
                started.complete(null);
            });
            started.get(30, TimeUnit.SECONDS);
            fx(() -> {
                text("#emsUrl", lab.ems.base);
                text("#user", "admin");
                text("#password", EmsFixture.ADMIN_PASSWORD);
                return null;
            });
            shot(out, "01-login");
            fx(() -> {
                ((Button) scene.lookup("#loginButton")).fire();
                return null;
            });
            await("the main window", () -> scene.lookup("#appliances") != null);
            await("rates on the dashboard", () -> {
                TableView<?> t = (TableView<?>) scene.lookup("#appliances");
                return !t.getItems().isEmpty() && ((javafx.scene.chart.LineChart<?, ?>) scene
                        .lookup("#packets-chart")).getData().getFirst().getData().size() >= 6;
            });
            shot(out, "02-dashboard");

            tab("flows");
            await("flows with their server or query names", () -> ((TableView<?>) inTab("#flows")).getItems()
                    .stream().filter(f -> !((org.secmon.console.flows.FlowRow) f).name().equals("-")).count() >= 4);
            shot(out, "09-flows");

            tab("configuration");
            kind("Classification objects");
            select("#entities", 0);
            await("the editor", () -> inTab("#save") != null);
            shot(out, "03-configuration-7-tuple");
            kind("Collector sets");
            select("#entities", 0);
            await("the collector-set editor", () -> inTab("#pick-members") != null);
            shot(out, "04-collector-set");

            tab("ipsec");
            await("the tunnels", () -> !((TableView<?>) inTab("#tunnels")).getItems().isEmpty());
            shot(out, "05-ipsec");
            tab("users-roles");
            select("#entities", 0);
            await("the user editor", () -> inTab("#save") != null);
            shot(out, "06-users");
            tab("audit-log");
            await("audit entries", () -> !((TableView<?>) inTab("#audit")).getItems().isEmpty());
            shot(out, "07-audit");

            tab("ssh-terminal");
            fx(() -> {
                @SuppressWarnings("unchecked")
                javafx.scene.control.Spinner<Integer> port = (javafx.scene.control.Spinner<Integer>) inTab("#ssh-port");
                port.getValueFactory().setValue(lab.sshPort);
                ((TextInputControl) inTab("#ssh-key")).setText(work.resolve("id_ecdsa").toString());
                return null;
            });
            fx(() -> {
                ((Button) inTab("#ssh-connect")).fire();
                return null;
            });
            await("the SSH prompt", () -> prompt());
            fx(() -> {
                Node canvas = inTab("#terminal");
                for (char c : "show plugins\r".toCharArray()) {
                    Event.fireEvent(canvas, new KeyEvent(KeyEvent.KEY_TYPED, String.valueOf(c), "", KeyCode.UNDEFINED,
                            false, false, false, false));
                }
                return null;
            });
            Thread.sleep(1500);
            shot(out, "08-ssh-terminal");
        } finally {
            Platform.exit();
        }
        System.out.println("screenshots in " + out);
        System.exit(0);
    }

    private static boolean prompt() {
        Object screen = inTab("#terminal").getProperties().get(org.secmon.console.terminal.TerminalScreen.class);
        return ((org.secmon.console.terminal.TerminalScreen) screen).text().contains("admin@secmon#");
    }

    /** A small configuration so that every screen has something to show. */
    private static void configure(Lab lab, String sshKey) {
        var c = lab.admin;
        String scope = c.find(ResourceKind.SCOPES, null, "lab").path("id").asText();
        c.create(ResourceKind.CLASSIFICATION_OBJECTS, Map.of("scope", scope, "name", "gateway-ping", "protocol",
                "icmp", "dst_ip", "10.2.0.1/32"));
        c.create(ResourceKind.CLASSIFICATION_OBJECTS, Map.of("scope", scope, "name", "all"));
        c.create(ResourceKind.RULES, Map.of("scope", scope, "name", "no-ping", "classification_object",
                "gateway-ping", "priority", 10, "action", "drop"));
        c.create(ResourceKind.RULES, Map.of("scope", scope, "name", "everything", "classification_object", "all",
                "priority", 100));
        c.create(ResourceKind.POLICIES, Map.of("scope", scope, "name", "monitor", "rules",
                List.of("no-ping", "everything")));
        c.create(ResourceKind.COLLECTORS, Map.of("scope", scope, "name", "nfdump-a", "address", "127.0.0.1",
                "port", 9201, "type", "netflow"));
        c.create(ResourceKind.COLLECTORS, Map.of("scope", scope, "name", "nfdump-b", "address", "127.0.0.1",
                "port", 9202, "type", "netflow"));
        c.create(ResourceKind.COLLECTOR_SETS, Map.of("scope", scope, "name", "analytics", "type", "netflow",
                "lb_algorithm", "weighted_round_robin", "members", List.of(Map.of("collector", "nfdump-a",
                        "weight", 1), Map.of("collector", "nfdump-b", "weight", 3))));
        c.create(ResourceKind.NETFLOW_MONITORS, Map.of("scope", scope, "name", "with-names", "collect_fields",
                List.of("tls_sni", "http_host", "dns_query")));
        c.create(ResourceKind.NETFLOW_ASSOCIATIONS, Map.of("scope", scope, "name", "flows", "policy", "monitor",
                "collector_set", "analytics", "monitor", "with-names"));
        c.create(ResourceKind.IKE_POLICIES, Map.of("name", "ike-gcm"));
        c.create(ResourceKind.IPSEC_POLICIES, Map.of("name", "esp-gcm"));
        c.create(ResourceKind.IPSEC_TUNNELS, Map.of("name", "to-analytics", "appliance",
                lab.appliance().path("id").asText(), "ike_policy", "ike-gcm", "ipsec_policy", "esp-gcm",
                "local_address", "192.0.2.10", "remote_address", "198.51.100.20", "local_subnets",
                List.of("192.0.2.10/32"), "remote_subnets", List.of("198.51.100.0/24"), "psk",
                "a-long-pre-shared-key-0123456789"));
        String admin = c.find(ResourceKind.USERS, null, "admin").path("id").asText();
        c.patch(ResourceKind.USERS, admin, Map.of("ssh_keys", List.of(sshKey)));
    }

    /** An EC key pair, the private key written in OpenSSH's format (as ssh-keygen would). */
    static KeyPair sshKey(Path file) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair k = g.generateKeyPair();
        try (var out = Files.newOutputStream(file)) {
            org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter.INSTANCE
                    .writePrivateKey(k, "console-test", null, out);
        }
        return k;
    }

    private static void text(String id, String v) {
        ((TextInputControl) scene.lookup(id)).setText(v);
    }

    private static Node inTab(String id) {
        TabPane tabs = (TabPane) scene.lookup("#tabs");
        return tabs.getSelectionModel().getSelectedItem().getContent().lookup(id);
    }

    private static void tab(String id) throws Exception {
        fx(() -> {
            TabPane tabs = (TabPane) scene.lookup("#tabs");
            tabs.getTabs().stream().filter(t -> ("tab-" + id).equals(t.getId())).findFirst()
                    .ifPresent(t -> tabs.getSelectionModel().select(t));
            return null;
        });
        Thread.sleep(300);
    }

    private static void kind(String title) throws Exception {
        fx(() -> {
            ListView<?> kinds = (ListView<?>) inTab("#kinds");
            for (int i = 0; i < kinds.getItems().size(); i++) {
                if (org.secmon.console.config.BrowserView.title((ResourceKind) kinds.getItems().get(i))
                        .equals(title)) {
                    kinds.getSelectionModel().select(i);
                }
            }
            return null;
        });
        await(title + " listed", () -> !((TableView<?>) inTab("#entities")).getItems().isEmpty());
    }

    private static void select(String table, int row) throws Exception {
        await(table + " filled", () -> !((TableView<?>) inTab(table)).getItems().isEmpty());
        fx(() -> {
            ((TableView<?>) inTab(table)).getSelectionModel().select(row);
            return null;
        });
    }

    private static <T> T fx(Callable<T> c) throws Exception {
        CompletableFuture<T> f = new CompletableFuture<>();
        Platform.runLater(() -> {
            try {
                f.complete(c.call());
            } catch (Exception | AssertionError e) {
                f.completeExceptionally(e);
            }
        });
        return f.get(30, TimeUnit.SECONDS);
    }

    private static void await(String what, Callable<Boolean> c) throws Exception {
        Await.until(Duration.ofSeconds(40), what, () -> fx(c), Boolean.TRUE::equals);
    }

    private static void shot(Path out, String name) throws Exception {
        Thread.sleep(400); // a pulse or two: layout and CSS settled
        BufferedImage img = fx(() -> SwingFXUtils.fromFXImage(scene.snapshot(null), null));
        ImageIO.write(img, "png", out.resolve(name + ".png").toFile());
        System.out.println("saved " + name + ".png " + img.getWidth() + "x" + img.getHeight());
    }
}
