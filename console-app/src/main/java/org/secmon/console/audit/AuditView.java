package org.secmon.console.audit;

import javafx.scene.Parent;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.TableView;
import javafx.scene.control.TextField;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;

import org.secmon.console.core.Views;

/** The audit log: filters, a page of entries, newer/older. */
public final class AuditView {
    private AuditView() {
    }

    public static Parent create(AuditViewModel vm) {
        TextField user = filter("user", vm.userProperty());
        TextField op = filter("operation (add, change...)", vm.operationProperty());
        TextField coll = filter("collection (rules...)", vm.collectionProperty());
        Button apply = new Button("Filter");
        apply.setDefaultButton(true);
        apply.setOnAction(e -> vm.refresh());
        Button newer = new Button("Newer");
        newer.setOnAction(e -> vm.previous());
        Button older = new Button("Older");
        older.setOnAction(e -> vm.next());
        Label pos = new Label();
        pos.textProperty().bind(vm.positionProperty());
        HBox bar = new HBox(8, user, op, coll, apply, Views.grow(), pos, newer, older);
        bar.getStyleClass().add("toolbar");
        TableView<AuditViewModel.Entry> t = Views.table("No audit entries");
        t.setId("audit");
        t.getColumns().add(Views.column("Time", 210, AuditViewModel.Entry::time));
        t.getColumns().add(Views.column("User", 100, AuditViewModel.Entry::user));
        t.getColumns().add(Views.column("Operation", 90, AuditViewModel.Entry::operation));
        t.getColumns().add(Views.column("Collection", 160, AuditViewModel.Entry::collection));
        t.getColumns().add(Views.column("Name", 160, AuditViewModel.Entry::name));
        t.getColumns().add(Views.column("From", 140, AuditViewModel.Entry::remote));
        t.setItems(vm.entries());
        BorderPane root = new BorderPane(t, bar, null, Views.statusBar(vm), null);
        root.getStyleClass().add("screen");
        root.sceneProperty().addListener((o, a, b) -> {
            if (b != null) {
                vm.refresh();
            }
        });
        return root;
    }

    private static TextField filter(String prompt, javafx.beans.property.StringProperty p) {
        TextField t = new TextField();
        t.setPromptText(prompt);
        t.textProperty().bindBidirectional(p);
        t.setPrefWidth(170);
        return t;
    }
}
