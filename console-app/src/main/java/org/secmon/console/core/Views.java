package org.secmon.console.core;

import javafx.animation.KeyFrame;
import javafx.animation.Timeline;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressIndicator;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.util.Duration;

/** Small pieces every view uses: the status bar, table columns, polling while shown. */
public final class Views {
    private Views() {
    }

    /** Busy spinner, progress text and the error line of a view model. */
    public static HBox statusBar(ViewModel vm) {
        return statusBar(vm.busyProperty(), vm.statusProperty(), vm.errorProperty());
    }

    public static HBox statusBar(ReadOnlyBooleanProperty busy, ReadOnlyStringProperty status,
            ReadOnlyStringProperty error) {
        ProgressIndicator p = new ProgressIndicator();
        p.setMaxSize(18, 18);
        p.visibleProperty().bind(busy);
        Label s = new Label();
        s.textProperty().bind(status);
        s.getStyleClass().add("status");
        Label e = new Label();
        e.textProperty().bind(error);
        e.getStyleClass().add("error");
        e.setWrapText(true);
        HBox.setHgrow(e, Priority.ALWAYS);
        HBox box = new HBox(8, p, s, e);
        box.setAlignment(Pos.CENTER_LEFT);
        box.getStyleClass().add("status-bar");
        return box;
    }

    public static <R> TableColumn<R, String> column(String title, double width,
            java.util.function.Function<R, Object> value) {
        TableColumn<R, String> c = new TableColumn<>(title);
        c.setPrefWidth(width);
        c.setCellValueFactory(d -> new javafx.beans.property.SimpleStringProperty(
                String.valueOf(value.apply(d.getValue()) == null ? "" : value.apply(d.getValue()))));
        return c;
    }

    public static <R> TableView<R> table(String placeholder) {
        TableView<R> t = new TableView<>();
        t.setPlaceholder(new Label(placeholder));
        t.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        return t;
    }

    /** Runs {@code poll} every {@code seconds} while {@code node} is in a window (stops when it leaves). */
    public static void pollWhileShown(Node node, double seconds, Runnable poll) {
        Timeline t = new Timeline(new KeyFrame(Duration.seconds(seconds), e -> poll.run()));
        t.setCycleCount(Timeline.INDEFINITE);
        node.sceneProperty().addListener((o, a, b) -> {
            if (b != null) {
                poll.run();
                t.play();
            } else {
                t.stop();
            }
        });
    }

    public static Region grow() {
        Region r = new Region();
        HBox.setHgrow(r, Priority.ALWAYS);
        return r;
    }
}
