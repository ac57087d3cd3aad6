package org.secmon.console.dashboard;

import javafx.geometry.Insets;
import javafx.scene.Parent;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.Spinner;
import javafx.scene.control.TextField;
import javafx.scene.input.Clipboard;
import javafx.scene.input.ClipboardContent;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;

import org.secmon.console.core.Views;

/** The enrollment form: kind, scope, name, uses and validity; the token once made, with a copy button. */
public final class EnrollView {
    private EnrollView() {
    }

    public static Parent create(EnrollViewModel vm) {
        ComboBox<EnrollViewModel.Kind> kind = new ComboBox<>();
        kind.setId("enroll-kind");
        kind.getItems().setAll(EnrollViewModel.Kind.values());
        kind.valueProperty().bindBidirectional(vm.kindProperty());
        ComboBox<String> scope = new ComboBox<>(vm.scopes());
        scope.setId("enroll-scope");
        scope.valueProperty().bindBidirectional(vm.scopeProperty());
        scope.disableProperty().bind(vm.kindProperty().isEqualTo(EnrollViewModel.Kind.IPSEC_ENFORCER));
        TextField name = new TextField();
        name.setId("enroll-name");
        name.setPromptText("e.g. gw-1 (empty: any new one, with several uses)");
        name.textProperty().bindBidirectional(vm.nameProperty());
        Spinner<Integer> uses = new Spinner<>(1, 1000, 1);
        uses.setId("enroll-uses");
        uses.setEditable(true);
        uses.getValueFactory().valueProperty().addListener((o, a, b) -> vm.usesProperty().set(b));
        Spinner<Integer> ttl = new Spinner<>(1, 525_600, 60);
        ttl.setId("enroll-ttl");
        ttl.setEditable(true);
        ttl.getValueFactory().valueProperty().addListener((o, a, b) -> vm.ttlMinutesProperty().set(b));

        GridPane form = new GridPane();
        form.setHgap(8);
        form.setVgap(6);
        form.addRow(0, new Label("For"), kind);
        form.addRow(1, new Label("Scope"), scope);
        form.addRow(2, new Label("Name"), name);
        form.addRow(3, new Label("Uses"), uses);
        form.addRow(4, new Label("Valid (minutes)"), ttl);

        Button make = new Button("Make token");
        make.setId("enroll-make");
        make.setDefaultButton(true);
        make.disableProperty().bind(vm.busyProperty());
        make.setOnAction(e -> vm.enroll());
        TextField token = new TextField();
        token.setId("enrollment-token");
        token.setEditable(false);
        token.setPrefColumnCount(48);
        token.textProperty().bind(vm.tokenProperty());
        Button copy = new Button("Copy");
        copy.disableProperty().bind(vm.tokenProperty().isEmpty());
        copy.setOnAction(e -> {
            ClipboardContent c = new ClipboardContent();
            c.putString(vm.tokenProperty().get());
            Clipboard.getSystemClipboard().setContent(c);
        });
        Label result = new Label();
        result.setId("enroll-result");
        result.setWrapText(true);
        result.textProperty().bind(vm.resultProperty());
        VBox root = new VBox(10, form, make, new HBox(6, token, copy), result, Views.statusBar(vm));
        root.setPadding(new Insets(12));
        root.setPrefWidth(560);
        root.getStyleClass().add("screen");
        return root;
    }
}
