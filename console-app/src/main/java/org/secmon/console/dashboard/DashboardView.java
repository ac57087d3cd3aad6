package org.secmon.console.dashboard;

import java.util.function.ToDoubleFunction;

import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.scene.Parent;
import javafx.scene.chart.LineChart;
import javafx.scene.chart.NumberAxis;
import javafx.scene.chart.XYChart;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.SplitPane;
import javafx.scene.control.TableView;
import javafx.scene.control.TextArea;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

import org.secmon.console.core.Views;

/** Appliances (status, applied vs desired version, plugins) and live charts of the selected one. */
public final class DashboardView {
    private DashboardView() {
    }

    public static Parent create(DashboardViewModel vm) {
        TableView<ApplianceRow> table = Views.table("No appliance has registered yet: start an agent with --ems");
        table.setId("appliances");
        table.getColumns().add(Views.column("Appliance", 140, ApplianceRow::name));
        table.getColumns().add(Views.column("Scope", 90, ApplianceRow::scope));
        table.getColumns().add(Views.column("Status", 80, ApplianceRow::status));
        table.getColumns().add(Views.column("Configuration", 170, ApplianceRow::sync));
        table.getColumns().add(Views.column("Plugins", 220, ApplianceRow::plugins));
        table.getColumns().add(Views.column("Last seen", 200, ApplianceRow::lastSeen));
        table.setItems(vm.appliances());
        vm.selectedProperty().addListener((o, a, b) -> {
            if (b != null && table.getSelectionModel().getSelectedItem() != b) {
                table.getSelectionModel().select(b);
            }
        });
        table.getSelectionModel().selectedItemProperty().addListener((o, a, b) -> {
            if (b != null) {
                vm.selectedProperty().set(b);
            }
        });

        Label summary = new Label();
        summary.setId("dashboard-summary");
        summary.textProperty().bind(vm.summaryProperty());
        Button refresh = new Button("Refresh");
        refresh.setOnAction(e -> vm.refresh());
        Button enroll = new Button("Enroll...");
        enroll.setId("enroll");
        enroll.setVisible(vm.canEnroll());
        enroll.setManaged(vm.canEnroll());
        enroll.setOnAction(e -> {
            EnrollViewModel evm = vm.enrollment();
            javafx.stage.Stage stage = new javafx.stage.Stage();
            stage.initOwner(enroll.getScene().getWindow());
            stage.setTitle("Enrollment token");
            javafx.scene.Scene scene = new javafx.scene.Scene(EnrollView.create(evm));
            scene.getStylesheets().setAll(enroll.getScene().getStylesheets());
            stage.setScene(scene);
            stage.setOnHidden(x -> evm.forget()); // shown once: gone from the console with the window
            evm.loadScopes();
            stage.show();
        });
        HBox top = new HBox(10, summary, Views.grow(), enroll, refresh);
        top.getStyleClass().add("toolbar");

        LineChart<Number, Number> pps = chart("Packets/s received", "packets-chart");
        LineChart<Number, Number> flows = chart("Active flows", "flows-chart");
        LineChart<Number, Number> eps = chart("Exports/s (datagrams to collectors)", "exports-chart");
        vm.rates().addListener((ListChangeListener<DashboardViewModel.Rate>) c -> {
            plot(pps, vm, DashboardViewModel.Rate::packetsPerSecond);
            plot(flows, vm, r -> r.flows());
            plot(eps, vm, DashboardViewModel.Rate::exportsPerSecond);
        });
        Label chartsTitle = new Label();
        chartsTitle.getStyleClass().add("section-title");
        chartsTitle.textProperty().bind(javafx.beans.binding.Bindings.createStringBinding(() ->
                vm.selectedProperty().get() == null ? "Select an appliance"
                        : vm.selectedProperty().get().name() + " — live (from the counters it reports)",
                vm.selectedProperty()));
        TextArea details = new TextArea();
        details.setId("counters");
        details.setEditable(false);
        details.setPrefRowCount(5);
        details.setMinHeight(96);
        details.textProperty().bind(vm.detailsProperty());
        VBox charts = new VBox(6, chartsTitle, pps, flows, eps, details);
        charts.setPadding(new Insets(6));
        for (LineChart<?, ?> ch : java.util.List.of(pps, flows, eps)) {
            VBox.setVgrow(ch, Priority.ALWAYS);
        }

        SplitPane split = new SplitPane(table, charts);
        split.setOrientation(Orientation.HORIZONTAL);
        split.setDividerPositions(0.55);
        BorderPane root = new BorderPane(split, top, null, Views.statusBar(vm), null);
        root.getStyleClass().add("screen");
        Views.pollWhileShown(root, 2, () -> {
            if (!vm.busyProperty().get()) {
                vm.refresh();
            }
        });
        return root;
    }

    private static LineChart<Number, Number> chart(String title, String id) {
        NumberAxis x = new NumberAxis();
        x.setLabel("seconds");
        x.setForceZeroInRange(false);
        NumberAxis y = new NumberAxis();
        y.setForceZeroInRange(true);
        LineChart<Number, Number> c = new LineChart<>(x, y);
        c.setId(id);
        c.setTitle(title);
        c.setAnimated(false);
        c.setCreateSymbols(false);
        c.setLegendVisible(false);
        c.setMinHeight(120);
        c.getData().add(new XYChart.Series<>());
        return c;
    }

    private static void plot(LineChart<Number, Number> c, DashboardViewModel vm,
            ToDoubleFunction<DashboardViewModel.Rate> f) {
        var data = c.getData().getFirst().getData();
        java.util.List<XYChart.Data<Number, Number>> points = new java.util.ArrayList<>();
        for (DashboardViewModel.Rate r : vm.rates()) {
            points.add(new XYChart.Data<>(r.t(), f.applyAsDouble(r)));
        }
        data.setAll(points);
        // all zero (nothing exported yet): a 0..1 axis instead of a collapsed one
        NumberAxis y = (NumberAxis) c.getYAxis();
        boolean flat = points.stream().allMatch(p -> p.getYValue().doubleValue() == 0);
        y.setAutoRanging(!flat);
        if (flat) {
            y.setLowerBound(0);
            y.setUpperBound(1);
            y.setTickUnit(0.25);
        }
    }
}
