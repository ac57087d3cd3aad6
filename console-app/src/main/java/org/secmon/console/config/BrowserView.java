package org.secmon.console.config;

import javafx.geometry.Insets;
import javafx.scene.Parent;
import javafx.scene.control.Alert;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonType;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.SplitPane;
import javafx.scene.control.TableView;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;

import org.secmon.console.core.Views;
import org.secmon.ems.api.model.ResourceKind;

/** Kinds on the left, the entities of the chosen kind (in the chosen scope) in the middle, the editor on the right. */
public final class BrowserView {
    private BrowserView() {
    }

    public static Parent create(BrowserViewModel vm) {
        ListView<ResourceKind> kinds = new ListView<>(vm.kinds());
        kinds.setId("kinds");
        kinds.setPrefWidth(190);
        kinds.setCellFactory(l -> new ListCell<>() {
            @Override
            protected void updateItem(ResourceKind k, boolean empty) {
                super.updateItem(k, empty);
                setText(empty || k == null ? null : title(k));
            }
        });
        kinds.getSelectionModel().selectedItemProperty().addListener((o, a, b) -> vm.kindProperty().set(b));

        ComboBox<BrowserViewModel.ScopeItem> scope = new ComboBox<>(vm.scopes());
        scope.setId("scope");
        scope.setPromptText("scope");
        scope.valueProperty().bindBidirectional(vm.scopeProperty());
        Label scopeLabel = new Label("Scope");
        HBox scopeBar = new HBox(8, scopeLabel, scope);
        scopeBar.visibleProperty().bind(javafx.beans.binding.Bindings.createBooleanBinding(vm::needsScope,
                vm.kindProperty()));

        TableView<EntityRow> table = Views.table("Nothing here yet: New creates one");
        table.setId("entities");
        table.getColumns().add(Views.column("Name", 150, EntityRow::name));
        table.getColumns().add(Views.column("Version", 70, EntityRow::version));
        table.getColumns().add(Views.column("Settings", 380, EntityRow::summary));
        table.setItems(vm.rows());
        table.getSelectionModel().selectedItemProperty().addListener((o, a, b) -> {
            if (b != null) {
                vm.edit(b);
            }
        });

        Button create = new Button("New");
        create.setId("new-entity");
        create.setOnAction(e -> {
            table.getSelectionModel().clearSelection();
            vm.create();
        });
        Button delete = new Button("Delete");
        delete.setId("delete-entity");
        delete.disableProperty().bind(table.getSelectionModel().selectedItemProperty().isNull());
        delete.setOnAction(e -> {
            EntityRow r = table.getSelectionModel().getSelectedItem();
            Alert a = new Alert(Alert.AlertType.CONFIRMATION, "Delete " + r.name() + "?", ButtonType.OK,
                    ButtonType.CANCEL);
            a.setHeaderText(null);
            a.showAndWait().filter(ButtonType.OK::equals).ifPresent(b -> vm.delete(r));
        });
        Button refresh = new Button("Refresh");
        refresh.setOnAction(e -> vm.refresh());
        HBox bar = new HBox(8, scopeBar, Views.grow(), create, delete, refresh);
        bar.getStyleClass().add("toolbar");
        VBox middle = new VBox(6, bar, table, Views.statusBar(vm));
        VBox.setVgrow(table, Priority.ALWAYS);
        middle.setPadding(new Insets(6));

        StackPane editorPane = new StackPane(new Label("Select an entity to edit it, or New"));
        editorPane.setId("editor-pane");
        vm.editorProperty().addListener((o, a, b) -> editorPane.getChildren().setAll(b == null
                ? new Label("Select an entity to edit it, or New") : EditorView.create(b)));

        SplitPane split = new SplitPane(kinds, middle, editorPane);
        split.setDividerPositions(0.16, 0.58);
        SplitPane.setResizableWithParent(kinds, false);
        BorderPane root = new BorderPane(split);
        root.getStyleClass().add("screen");
        root.sceneProperty().addListener((o, a, b) -> {
            if (b != null && kinds.getSelectionModel().isEmpty() && !vm.kinds().isEmpty()) {
                kinds.getSelectionModel().selectFirst();
            }
        });
        return root;
    }

    /** "Classification objects" */
    public static String title(ResourceKind k) {
        String s = switch (k.collection()) {
            case "ike_policies" -> "IKE policies";
            case "ipsec_policies" -> "IPsec policies";
            case "ipsec_tunnels" -> "IPsec tunnels";
            case "ipsec_enforcers" -> "IPsec enforcers";
            case "ipsec_endpoint_groups" -> "IPsec endpoint groups";
            case "netflow_monitors" -> "NetFlow monitors";
            case "netflow_configs" -> "NetFlow settings";
            case "sflow_configs" -> "sFlow settings";
            case "ingest_configs" -> "Mirror ingest";
            case "netflow_associations" -> "NetFlow associations";
            case "sflow_associations" -> "sFlow associations";
            case "rawforward_associations" -> "Raw-forward associations";
            default -> k.collection().replace('_', ' ');
        };
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
