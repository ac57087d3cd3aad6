package org.secmon.console.terminal;

import java.util.List;

import javafx.geometry.Insets;
import javafx.geometry.VPos;
import javafx.scene.Parent;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.Spinner;
import javafx.scene.control.TextField;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyEvent;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Pane;
import javafx.scene.paint.Color;
import javafx.scene.text.Font;
import javafx.scene.text.Text;

import org.secmon.console.core.Views;

/**
 * The SSH terminal tab: where to connect, and a terminal drawn on a canvas from the {@link TerminalScreen}; typed
 * keys go to the appliance as a terminal sends them (Enter CR, Backspace DEL, arrows as ESC [ A...).
 */
public final class TerminalView {
    private static final Color BACKGROUND = Color.web("#1e2127");
    private static final Color FOREGROUND = Color.web("#d7dae0");
    private static final Color CURSOR = Color.web("#61afef");

    private TerminalView() {
    }

    public static Parent create(TerminalViewModel vm) {
        TextField host = new TextField();
        host.setId("ssh-host");
        host.textProperty().bindBidirectional(vm.hostProperty());
        host.setPrefWidth(150);
        Spinner<Integer> port = new Spinner<>(1, 65535, vm.portProperty().get());
        port.setId("ssh-port");
        port.setEditable(true);
        port.setPrefWidth(95);
        port.valueProperty().addListener((o, a, b) -> vm.portProperty().set(b));
        TextField user = new TextField();
        user.setId("ssh-user");
        user.textProperty().bindBidirectional(vm.userProperty());
        user.setPrefWidth(100);
        TextField key = new TextField();
        key.setId("ssh-key");
        key.textProperty().bindBidirectional(vm.keyFileProperty());
        key.setPrefWidth(240);
        Button connect = new Button("Connect");
        connect.setId("ssh-connect");
        connect.disableProperty().bind(vm.connectedProperty().or(vm.busyProperty()));
        Button disconnect = new Button("Disconnect");
        disconnect.disableProperty().bind(vm.connectedProperty().not());
        disconnect.setOnAction(e -> vm.disconnect());
        HBox bar = new HBox(8, new Label("Appliance"), host, new Label("port"), port, new Label("user"), user,
                new Label("key"), key, connect, disconnect);
        bar.getStyleClass().add("toolbar");

        Font font = Font.font("Monospaced", 13);
        Text probe = new Text("M");
        probe.setFont(font);
        double cw = Math.max(6, probe.getLayoutBounds().getWidth());
        double ch = Math.max(12, Math.ceil(probe.getLayoutBounds().getHeight()));
        Canvas canvas = new Canvas(800, 480);
        canvas.setId("terminal");
        canvas.setFocusTraversable(true);
        canvas.getProperties().put(TerminalScreen.class, vm.screen()); // what tests read back
        Pane holder = new Pane(canvas);
        holder.setStyle("-fx-background-color: #1e2127;");
        holder.setPadding(new Insets(4));
        Runnable redraw = () -> draw(canvas.getGraphicsContext2D(), vm.screen(), font, cw, ch, canvas.isFocused());
        Runnable fit = () -> {
            canvas.setWidth(Math.max(100, holder.getWidth()));
            canvas.setHeight(Math.max(100, holder.getHeight()));
            vm.resize((int) Math.max(20, Math.floor((canvas.getWidth() - 8) / cw)),
                    (int) Math.max(5, Math.floor((canvas.getHeight() - 8) / ch)));
            redraw.run();
        };
        holder.widthProperty().addListener((o, a, b) -> fit.run());
        holder.heightProperty().addListener((o, a, b) -> fit.run());
        vm.changesProperty().addListener((o, a, b) -> redraw.run());
        canvas.focusedProperty().addListener((o, a, b) -> redraw.run());
        canvas.setOnMouseClicked(e -> canvas.requestFocus());
        connect.setOnAction(e -> {
            vm.connect();
            canvas.requestFocus();
        });
        canvas.addEventFilter(KeyEvent.KEY_PRESSED, e -> {
            String seq = switch (e.getCode()) {
                case UP -> "\u001b[A";
                case DOWN -> "\u001b[B";
                case RIGHT -> "\u001b[C";
                case LEFT -> "\u001b[D";
                case HOME -> "\u001b[H";
                case END -> "\u001b[F";
                case DELETE -> "\u001b[3~";
                case TAB -> "\t";
                default -> null;
            };
            if (seq != null) {
                vm.send(seq);
                e.consume(); // Tab completes on the appliance instead of moving the focus
            }
        });
        canvas.addEventHandler(KeyEvent.KEY_TYPED, e -> {
            String c = e.getCharacter();
            if (c.isEmpty() || c.equals(KeyEvent.CHAR_UNDEFINED) || c.equals("\t")) {
                return;
            }
            vm.send(c.equals("\b") ? "\u007f" : c.equals("\n") ? "\r" : c);
            e.consume();
        });
        canvas.addEventHandler(KeyEvent.KEY_PRESSED, e -> {
            if (e.getCode() == KeyCode.ENTER) {
                e.consume();
            }
        });
        BorderPane root = new BorderPane(holder, bar, null, Views.statusBar(vm), null);
        root.getStyleClass().add("screen");
        return root;
    }

    private static void draw(GraphicsContext g, TerminalScreen s, Font font, double cw, double ch, boolean focused) {
        g.setFill(BACKGROUND);
        g.fillRect(0, 0, g.getCanvas().getWidth(), g.getCanvas().getHeight());
        g.setFont(font);
        g.setTextBaseline(VPos.TOP);
        List<String> lines = s.lines();
        double x0 = 4;
        double y0 = 4;
        g.setFill(focused ? CURSOR : CURSOR.deriveColor(0, 1, 1, 0.4));
        g.fillRect(x0 + s.cursorCol() * cw, y0 + s.cursorRow() * ch, cw, ch);
        g.setFill(FOREGROUND);
        for (int r = 0; r < lines.size(); r++) {
            if (!lines.get(r).isEmpty()) {
                g.fillText(lines.get(r), x0, y0 + r * ch);
            }
        }
    }
}
