package org.secmon.console.config;

import javafx.beans.binding.Bindings;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.scene.Node;
import javafx.scene.Parent;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Control;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.control.PasswordField;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Spinner;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import javafx.scene.control.cell.ComboBoxTableCell;
import javafx.scene.layout.ColumnConstraints;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

import org.secmon.console.core.Views;

/**
 * The form of an {@link EditorViewModel}: one row per field (label, control, the field's error under it), the
 * 7-tuple in one line for classification objects, members with weights and shares for collector sets.
 */
public final class EditorView {
    private EditorView() {
    }

    public static Parent create(EditorViewModel vm) {
        Label title = new Label();
        title.getStyleClass().add("section-title");
        title.textProperty().bind(vm.titleProperty());
        VBox top = new VBox(4, title);
        if (vm.kind() == org.secmon.ems.api.model.ResourceKind.CLASSIFICATION_OBJECTS) {
            Label tuple = new Label();
            tuple.setId("tuple-summary");
            tuple.getStyleClass().add("tuple");
            tuple.textProperty().bind(vm.summaryProperty());
            top.getChildren().add(tuple);
        }
        GridPane grid = new GridPane();
        grid.setHgap(10);
        grid.setVgap(2);
        ColumnConstraints labels = new ColumnConstraints();
        labels.setMinWidth(130);
        ColumnConstraints controls = new ColumnConstraints();
        controls.setHgrow(Priority.ALWAYS);
        controls.setFillWidth(true);
        grid.getColumnConstraints().addAll(labels, controls);
        int row = 0;
        for (FieldModel f : vm.fields()) {
            Label l = new Label(f.label() + (f.required() ? " *" : ""));
            l.getStyleClass().add("field-label");
            Node control = control(f);
            control.setId("field-" + f.name());
            control.disableProperty().bind(f.enabledProperty().not().or(vm.editableProperty().not()));
            if (!f.doc().isEmpty() && control instanceof Control c) {
                c.setTooltip(new Tooltip(f.doc()));
            }
            Label err = new Label();
            err.setId("error-" + f.name());
            err.getStyleClass().add("field-error");
            err.setWrapText(true);
            err.textProperty().bind(f.errorProperty());
            err.visibleProperty().bind(f.errorProperty().isNotEmpty());
            err.managedProperty().bind(err.visibleProperty());
            Label help = new Label(f.doc());
            help.getStyleClass().add("field-help");
            help.setWrapText(true);
            help.setVisible(!f.doc().isEmpty() && f.type() != FieldModel.Type.TEXT);
            help.setManaged(help.isVisible());
            VBox cell = new VBox(2, control, help, err);
            grid.add(l, 0, row);
            grid.add(cell, 1, row);
            GridPane.setMargin(l, new Insets(4, 0, 0, 0));
            GridPane.setValignment(l, javafx.geometry.VPos.TOP); // beside the control, not the help under it
            row++;
        }
        ListView<String> general = new ListView<>(vm.generalErrors());
        general.setId("general-errors");
        general.getStyleClass().add("general-errors");
        general.setPrefHeight(60);
        general.visibleProperty().bind(Bindings.isNotEmpty(vm.generalErrors()));
        general.managedProperty().bind(general.visibleProperty());

        Button save = new Button(vm.isNew() ? "Create" : "Save");
        save.setId("save");
        save.setDefaultButton(true);
        save.disableProperty().bind(vm.busyProperty().or(vm.editableProperty().not()));
        save.setOnAction(e -> vm.save());
        Label readOnly = new Label("read-only: your roles do not allow changing this");
        readOnly.getStyleClass().add("field-help");
        readOnly.visibleProperty().bind(vm.editableProperty().not());
        HBox buttons = new HBox(10, save, readOnly);
        VBox form = new VBox(8, top, general, grid, buttons, Views.statusBar(vm));
        form.setPadding(new Insets(10));
        form.getStyleClass().add("editor");
        ScrollPane scroll = new ScrollPane(form);
        scroll.setFitToWidth(true);
        return scroll;
    }

    private static Node control(FieldModel f) {
        return switch (f.type()) {
            case TEXT -> {
                if (!f.choices().isEmpty()) { // protocol: type or pick
                    ComboBox<String> c = new ComboBox<>(f.choices());
                    c.setEditable(true);
                    c.setMaxWidth(Double.MAX_VALUE);
                    c.getEditor().textProperty().bindBidirectional(f.valueProperty());
                    c.promptTextProperty().bind(f.hintProperty());
                    yield c;
                }
                TextField t = new TextField();
                t.textProperty().bindBidirectional(f.valueProperty());
                t.promptTextProperty().bind(f.hintProperty());
                yield t;
            }
            case NUMBER -> {
                TextField t = new TextField();
                t.textProperty().bindBidirectional(f.valueProperty());
                t.promptTextProperty().bind(f.hintProperty());
                t.setMaxWidth(200);
                yield t;
            }
            case SECRET -> {
                PasswordField p = new PasswordField();
                p.textProperty().bindBidirectional(f.valueProperty());
                p.promptTextProperty().bind(f.hintProperty());
                yield p;
            }
            case BOOL -> {
                CheckBox c = new CheckBox();
                c.selectedProperty().bindBidirectional(f.checkedProperty());
                yield c;
            }
            case CHOICE, REF -> {
                ComboBox<String> c = new ComboBox<>(f.choices());
                c.setEditable(f.type() == FieldModel.Type.REF); // a name not loaded yet can still be typed
                c.setMaxWidth(Double.MAX_VALUE);
                c.promptTextProperty().bind(f.hintProperty());
                c.valueProperty().bindBidirectional(f.valueProperty());
                if (c.isEditable()) {
                    c.getEditor().textProperty().bindBidirectional(f.valueProperty());
                }
                yield c;
            }
            case LIST -> list(f);
            case TEXT_LIST, JSON -> {
                TextArea a = new TextArea();
                a.setPrefRowCount(f.type() == FieldModel.Type.JSON ? 6 : 3);
                a.textProperty().bindBidirectional(f.valueProperty());
                a.setPromptText(f.type() == FieldModel.Type.JSON ? "JSON" : "one per line");
                yield a;
            }
            case MEMBERS -> members(f);
        };
    }

    /** An ordered list: pick from the choices and add, remove, move up or down (a policy's rules in order). */
    private static Node list(FieldModel f) {
        ListView<String> items = new ListView<>(f.items());
        items.setPrefHeight(110);
        ComboBox<String> pick = new ComboBox<>(f.choices());
        pick.setId("pick-" + f.name());
        pick.setPromptText("add...");
        Button add = new Button("Add");
        add.setId("add-" + f.name());
        add.setOnAction(e -> {
            String v = pick.getValue();
            if (v != null && !v.isBlank() && !f.items().contains(v)) {
                f.items().add(v);
            }
        });
        Button remove = new Button("Remove");
        remove.setOnAction(e -> {
            int i = items.getSelectionModel().getSelectedIndex();
            if (i >= 0) {
                f.items().remove(i);
            }
        });
        Button up = new Button("Up");
        up.setOnAction(e -> move(items, f, -1));
        Button down = new Button("Down");
        down.setOnAction(e -> move(items, f, 1));
        HBox bar = new HBox(6, pick, add, remove, up, down);
        return new VBox(4, items, bar);
    }

    private static void move(ListView<String> items, FieldModel f, int by) {
        int i = items.getSelectionModel().getSelectedIndex();
        int j = i + by;
        if (i < 0 || j < 0 || j >= f.items().size()) {
            return;
        }
        String v = f.items().remove(i);
        f.items().add(j, v);
        items.getSelectionModel().select(j);
    }

    /** Collector-set members: collector, weight (0-100, 0 = standby) and the share of sessions it gets. */
    private static Node members(FieldModel f) {
        TableView<FieldModel.Member> t = new TableView<>(f.members());
        t.setEditable(true);
        t.setPrefHeight(150);
        t.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        t.setPlaceholder(new Label("no members: add collectors"));
        TableColumn<FieldModel.Member, String> c = new TableColumn<>("Collector");
        c.setCellValueFactory(d -> d.getValue().collectorProperty());
        c.setCellFactory(ComboBoxTableCell.forTableColumn(f.choices()));
        c.setPrefWidth(180);
        TableColumn<FieldModel.Member, Integer> w = new TableColumn<>("Weight");
        w.setCellValueFactory(d -> d.getValue().weightProperty().asObject());
        w.setCellFactory(col -> new TableCell<>() {
            private final Spinner<Integer> spin = new Spinner<>(0, 100, 1);
            {
                spin.setEditable(true);
                spin.setPrefWidth(90);
                spin.valueProperty().addListener((o, a, b) -> {
                    FieldModel.Member m = getTableRow() == null ? null : getTableRow().getItem();
                    if (m != null && b != null) {
                        m.weightProperty().set(b);
                    }
                });
            }

            @Override
            protected void updateItem(Integer item, boolean empty) {
                super.updateItem(item, empty);
                if (empty || item == null) {
                    setGraphic(null);
                } else {
                    spin.getValueFactory().setValue(item);
                    setGraphic(spin);
                }
            }
        });
        w.setPrefWidth(110);
        TableColumn<FieldModel.Member, String> s = new TableColumn<>("Share");
        s.setCellValueFactory(d -> d.getValue().shareProperty());
        s.setPrefWidth(90);
        t.getColumns().add(c);
        t.getColumns().add(w);
        t.getColumns().add(s);
        ComboBox<String> pick = new ComboBox<>(f.choices());
        pick.setId("pick-members");
        pick.setPromptText("collector...");
        Button add = new Button("Add member");
        add.setId("add-members");
        add.setOnAction(e -> {
            if (pick.getValue() != null) {
                f.addMember(pick.getValue(), 1);
            }
        });
        Button remove = new Button("Remove");
        remove.setOnAction(e -> {
            FieldModel.Member m = t.getSelectionModel().getSelectedItem();
            if (m != null) {
                f.removeMember(m);
            }
        });
        f.members().addListener((ListChangeListener<FieldModel.Member>) ch -> t.refresh());
        return new VBox(4, t, new HBox(6, pick, add, remove));
    }
}
