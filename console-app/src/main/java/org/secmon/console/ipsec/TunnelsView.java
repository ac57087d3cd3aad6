package org.secmon.console.ipsec;

import javafx.geometry.Orientation;
import javafx.scene.Parent;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.SplitPane;
import javafx.scene.control.TableRow;
import javafx.scene.control.TableView;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;

import org.secmon.console.config.BrowserView;
import org.secmon.console.config.BrowserViewModel;
import org.secmon.console.core.Views;

/** IPsec: the tunnels with their SA state on top, the IPsec configuration (tunnels, IKE and ESP policies) below. */
public final class TunnelsView {
    private TunnelsView() {
    }

    public static Parent create(TunnelsViewModel vm, BrowserViewModel config) {
        TableView<TunnelRow> t = Views.table("No IPsec tunnels configured");
        t.setId("tunnels");
        t.getColumns().add(Views.column("Tunnel", 120, TunnelRow::name));
        t.getColumns().add(Views.column("Appliance", 120, TunnelRow::appliance));
        t.getColumns().add(Views.column("Endpoints", 200, TunnelRow::endpoints));
        t.getColumns().add(Views.column("Auth", 80, TunnelRow::auth));
        t.getColumns().add(Views.column("DSCP", 50, TunnelRow::dscp));
        t.getColumns().add(Views.column("IKE SA", 100, TunnelRow::ike));
        t.getColumns().add(Views.column("Child SA", 90, TunnelRow::child));
        t.getColumns().add(Views.column("ESP", 140, TunnelRow::esp));
        t.getColumns().add(Views.column("Bytes in", 90, TunnelRow::bytesIn));
        t.getColumns().add(Views.column("Bytes out", 90, TunnelRow::bytesOut));
        t.setItems(vm.tunnels());
        t.setRowFactory(tv -> new TableRow<>() {
            @Override
            protected void updateItem(TunnelRow r, boolean empty) {
                super.updateItem(r, empty);
                getStyleClass().removeAll("row-up", "row-down");
                if (!empty && r != null) {
                    getStyleClass().add(r.ike().equals("established") ? "row-up" : "row-down");
                }
            }
        });
        Label summary = new Label();
        summary.textProperty().bind(vm.summaryProperty());
        Button refresh = new Button("Refresh");
        refresh.setOnAction(e -> vm.refresh());
        HBox bar = new HBox(10, new Label("SA state as the appliances last reported it"), summary, Views.grow(),
                refresh);
        bar.getStyleClass().add("toolbar");
        BorderPane status = new BorderPane(t, bar, null, Views.statusBar(vm), null);
        SplitPane split = new SplitPane(status, BrowserView.create(config));
        split.setOrientation(Orientation.VERTICAL);
        split.setDividerPositions(0.35);
        BorderPane root = new BorderPane(split);
        root.getStyleClass().add("screen");
        Views.pollWhileShown(root, 5, () -> {
            if (!vm.busyProperty().get()) {
                vm.refresh();
            }
        });
        return root;
    }
}
