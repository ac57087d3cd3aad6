package org.secmon.console.flows;

import javafx.scene.Parent;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.TableView;
import javafx.scene.control.TextField;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;

import org.secmon.console.core.Views;
import org.secmon.console.dashboard.ApplianceRow;

/** Flows: an appliance's largest flows with their server or query names, as it last reported them. */
public final class FlowsView {
    private FlowsView() {
    }

    public static Parent create(FlowsViewModel vm) {
        ComboBox<ApplianceRow> appliance = new ComboBox<>(vm.appliances());
        appliance.setId("flows-appliance");
        appliance.setCellFactory(l -> new Cell());
        appliance.setButtonCell(new Cell());
        appliance.valueProperty().bindBidirectional(vm.selectedProperty());
        TextField filter = new TextField();
        filter.setId("flows-filter");
        filter.setPromptText("filter: address, port, protocol or name");
        filter.setPrefColumnCount(24);
        filter.textProperty().bindBidirectional(vm.filterProperty());
        Button refresh = new Button("Refresh");
        refresh.setOnAction(e -> vm.refresh());
        HBox bar = new HBox(10, new Label("Appliance"), appliance, filter, Views.grow(), refresh);
        bar.getStyleClass().add("toolbar");

        TableView<FlowRow> t = Views.table("No flows reported: the appliance has no NetFlow monitoring running, or"
                + " nothing matches the filter");
        t.setId("flows");
        t.getColumns().add(Views.column("Proto", 60, FlowRow::protocol));
        t.getColumns().add(Views.column("Source", 170, FlowRow::source));
        t.getColumns().add(Views.column("Destination", 190, FlowRow::destination));
        t.getColumns().add(Views.column("Server / query name", 220, FlowRow::name));
        t.getColumns().add(Views.column("Packets", 80, r -> String.format(java.util.Locale.ROOT, "%,d",
                r.packets())));
        t.getColumns().add(Views.column("Bytes", 100, r -> String.format(java.util.Locale.ROOT, "%,d", r.bytes())));
        t.getColumns().add(Views.column("Flags", 60, FlowRow::flags));
        t.getColumns().add(Views.column("Age s", 60, FlowRow::age));
        t.getColumns().add(Views.column("Idle s", 60, FlowRow::idle));
        t.getColumns().add(Views.column("Cache", 80, FlowRow::plugin));
        t.setItems(vm.flows());
        Label summary = new Label();
        summary.setId("flows-summary");
        summary.textProperty().bind(vm.summaryProperty());
        summary.setWrapText(true);
        BorderPane bottom = new BorderPane(summary, null, null, Views.statusBar(vm), null);
        BorderPane root = new BorderPane(t, bar, null, bottom, null);
        root.getStyleClass().add("screen");
        Views.pollWhileShown(root, 5, () -> {
            if (!vm.busyProperty().get()) {
                vm.refresh();
            }
        });
        return root;
    }

    /** An appliance as "name (scope)". */
    private static final class Cell extends ListCell<ApplianceRow> {
        @Override
        protected void updateItem(ApplianceRow r, boolean empty) {
            super.updateItem(r, empty);
            setText(empty || r == null ? null : r.name() + " (" + r.scope() + ")");
        }
    }
}
