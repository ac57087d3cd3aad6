package org.secmon.console.flows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.collections.transformation.FilteredList;

import org.secmon.console.core.Dispatch;
import org.secmon.console.core.Session;
import org.secmon.console.core.ViewModel;
import org.secmon.console.dashboard.ApplianceRow;

/**
 * An appliance's largest flows as it last reported them to the EMS (the agent sends each flow cache's top N with
 * every report): the 5-tuple with the server or query name from the flow's metadata. Filtered by any text in the
 * addresses, ports, protocol or name.
 */
public final class FlowsViewModel extends ViewModel {
    private final Session session;
    private final ObservableList<ApplianceRow> appliances = FXCollections.observableArrayList();
    private final ObjectProperty<ApplianceRow> selected = new SimpleObjectProperty<>();
    private final ObservableList<FlowRow> all = FXCollections.observableArrayList();
    private final FilteredList<FlowRow> flows = new FilteredList<>(all);
    private final StringProperty filter = new SimpleStringProperty("");
    private final ReadOnlyStringWrapper summary = new ReadOnlyStringWrapper("");

    public FlowsViewModel(Dispatch dispatch, Session session) {
        super(dispatch);
        this.session = session;
        filter.addListener((o, a, b) -> flows.setPredicate(r -> r.matches(b)));
        selected.addListener((o, a, b) -> {
            if (b == null || a == null || !a.id().equals(b.id())) {
                all.clear();
                summary.set("");
                if (b != null) {
                    refreshFlows();
                }
            }
        });
    }

    public ObservableList<ApplianceRow> appliances() {
        return appliances;
    }

    public ObjectProperty<ApplianceRow> selectedProperty() {
        return selected;
    }

    /** The selected appliance's flows that match the filter, largest first per flow cache. */
    public ObservableList<FlowRow> flows() {
        return flows;
    }

    /** Text a flow's addresses, ports, protocol or name must contain to be shown. */
    public StringProperty filterProperty() {
        return filter;
    }

    /** "netflow: top 20 of 1,234 flows in the cache ...; reported 2026-12-03T01:19:00Z" */
    public ReadOnlyStringProperty summaryProperty() {
        return summary.getReadOnlyProperty();
    }

    /** Reloads the appliances (keeping the selection) and the selected one's flows. */
    public void refresh() {
        async("Loading appliances", () -> ApplianceRow.list(session.client()), rows -> {
            ApplianceRow sel = selected.get();
            appliances.setAll(rows);
            ApplianceRow again = ApplianceRow.reselect(rows, sel);
            selected.set(again);
            if (sel != null && again != null) {
                refreshFlows(); // the same appliance: the listener does not fetch
            }
        });
    }

    /** Fetches the selected appliance's last reported flows. */
    public void refreshFlows() {
        ApplianceRow sel = selected.get();
        if (sel == null) {
            return;
        }
        String id = sel.id();
        async("Loading the flows of " + sel.name(), () -> session.client().flows(id), r -> show(id, r));
    }

    void show(String applianceId, JsonNode report) {
        if (selected.get() == null || !selected.get().id().equals(applianceId)) {
            return; // the selection moved on while the call ran
        }
        all.setAll(rows(report));
        summary.set(describe(report));
    }

    /** The rows of a report's flows, per flow cache in the order it listed them. */
    static List<FlowRow> rows(JsonNode report) {
        List<FlowRow> out = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : report.path("flows").properties()) {
            JsonNode p = e.getValue();
            List<String> cols = new ArrayList<>();
            p.path("columns").forEach(c -> cols.add(c.asText()));
            for (JsonNode r : p.path("rows")) {
                out.add(new FlowRow(e.getKey(), text(r, cols, "proto"), text(r, cols, "source"),
                        text(r, cols, "destination"), text(r, cols, "name"), number(r, cols, "packets"),
                        number(r, cols, "bytes"), text(r, cols, "flags"), text(r, cols, "age s"),
                        text(r, cols, "idle s")));
            }
        }
        return out;
    }

    /** Each flow cache's note (or why it listed nothing), and when the appliance reported. */
    static String describe(JsonNode report) {
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : report.path("flows").properties()) {
            JsonNode p = e.getValue();
            parts.add(e.getKey() + ": " + (p.has("error") ? "not listed: " + p.path("error").asText()
                    : p.path("note").asText()));
        }
        if (parts.isEmpty()) {
            parts.add("no flows reported (no flow cache running, or the agent runs with --report-flows 0)");
        }
        String at = report.path("reported_at").asText("");
        return String.join("; ", parts) + (at.isEmpty() ? "" : "; reported " + at);
    }

    private static String text(JsonNode row, List<String> cols, String col) {
        int i = cols.indexOf(col);
        return i < 0 ? "" : row.path(i).asText("");
    }

    private static long number(JsonNode row, List<String> cols, String col) {
        int i = cols.indexOf(col);
        return i < 0 ? 0 : row.path(i).asLong(0);
    }
}
