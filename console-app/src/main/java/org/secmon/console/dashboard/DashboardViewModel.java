package org.secmon.console.dashboard;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleObjectProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import org.secmon.console.core.Dispatch;
import org.secmon.console.core.Session;
import org.secmon.console.core.ViewModel;
import org.secmon.ems.api.model.ResourceKind;

/**
 * The appliances with their status and applied vs desired configuration version, and for the selected one live
 * rates computed from the counters it reports to the EMS (the console never asks appliances directly).
 */
public final class DashboardViewModel extends ViewModel {
    /** One point of the live charts: seconds since the first sample, and the rates over the last interval. */
    public record Rate(double t, double packetsPerSecond, long flows, double exportsPerSecond) {
    }

    /** The appliance's counters at one report: what the rates are computed from. */
    record Totals(Instant at, long rxPackets, long flows, long exports) {
        static Totals of(JsonNode counters, Instant at) {
            long flows = 0;
            long exports = 0;
            for (JsonNode p : counters.path("plugins")) {
                flows += p.path("flows_active").asLong(0);
                // NetFlow/IPFIX and sFlow datagrams, raw-forward packets: what left the appliance for collectors
                exports += p.path("datagrams").asLong(0) + p.path("packets_sent").asLong(0);
            }
            return new Totals(at, counters.path("rx_packets").asLong(0), flows, exports);
        }
    }

    public static final int KEEP = 150;

    private final Session session;
    private final ObservableList<ApplianceRow> appliances = FXCollections.observableArrayList();
    private final ObjectProperty<ApplianceRow> selected = new SimpleObjectProperty<>();
    private final ObservableList<Rate> rates = FXCollections.observableArrayList();
    private final ReadOnlyStringWrapper summary = new ReadOnlyStringWrapper("");
    private final ReadOnlyStringWrapper details = new ReadOnlyStringWrapper("");
    private Totals last;
    private Instant first;

    public DashboardViewModel(Dispatch dispatch, Session session) {
        super(dispatch);
        this.session = session;
        selected.addListener((o, a, b) -> {
            if (b == null || a == null || !a.id().equals(b.id())) {
                rates.clear();
                last = null;
                first = null;
                details.set("");
                if (b != null) {
                    refreshCounters();
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

    /** The selected appliance's rates, oldest first, at most {@link #KEEP}. */
    public ObservableList<Rate> rates() {
        return rates;
    }

    /** "3 appliances: 2 up, 1 down; 1 behind" */
    public ReadOnlyStringProperty summaryProperty() {
        return summary.getReadOnlyProperty();
    }

    /** The selected appliance's latest counters, one per line. */
    public ReadOnlyStringProperty detailsProperty() {
        return details.getReadOnlyProperty();
    }

    /** Whether the user may make enrollment tokens (may add appliances or IPsec enforcers). */
    public boolean canEnroll() {
        return session != null && (session.can(ResourceKind.APPLIANCES.collection(), "add")
                || session.can(ResourceKind.IPSEC_ENFORCERS.collection(), "add"));
    }

    /** A fresh enrollment form. */
    public EnrollViewModel enrollment() {
        return new EnrollViewModel(dispatch, session);
    }

    // ---- commands ----------------------------------------------------------------------------------------------

    /** Reloads the appliance list (keeping the selection) and the selected appliance's counters. */
    public void refresh() {
        async("Loading appliances", () -> ApplianceRow.list(session.client()), this::showAppliances);
    }

    private void showAppliances(List<ApplianceRow> rows) {
        ApplianceRow sel = selected.get();
        appliances.setAll(rows);
        long up = rows.stream().filter(r -> r.status().equals("up")).count();
        long behind = rows.stream().filter(r -> r.desiredVersion() != null
                && !r.desiredVersion().equals(r.appliedVersion())).count();
        summary.set(rows.size() + (rows.size() == 1 ? " appliance" : " appliances") + ": " + up + " up, "
                + (rows.size() - up) + " not up; " + behind + " behind their configuration");
        ApplianceRow again = ApplianceRow.reselect(rows, sel);
        selected.set(again);
        if (sel != null && again != null) {
            refreshCounters(); // the same appliance: the listener does not fetch
        }
    }

    /** Fetches the selected appliance's counters and adds a rate sample when it reported since the last one. */
    public void refreshCounters() {
        ApplianceRow sel = selected.get();
        if (sel == null) {
            return;
        }
        String id = sel.id();
        async("Loading counters of " + sel.name(), () -> session.client().counters(id), c -> addSample(id, c));
    }

    void addSample(String applianceId, ObjectNode report) {
        if (selected.get() == null || !selected.get().id().equals(applianceId)) {
            return; // the selection moved on while the call ran
        }
        JsonNode counters = report.path("counters");
        details.set(describe(counters));
        String at = report.path("reported_at").asText("");
        if (at.isEmpty() || !counters.isObject()) {
            return;
        }
        Instant when = Instant.parse(at);
        Totals now = Totals.of(counters, when);
        if (last != null && !when.isAfter(last.at())) {
            return; // no new report since the last poll
        }
        if (first == null) {
            first = when;
        }
        if (last != null) {
            double dt = (when.toEpochMilli() - last.at().toEpochMilli()) / 1000.0;
            // counters restart from 0 when the agent restarts: no negative rate, that interval counts from 0
            long dp = now.rxPackets() >= last.rxPackets() ? now.rxPackets() - last.rxPackets() : now.rxPackets();
            long de = now.exports() >= last.exports() ? now.exports() - last.exports() : now.exports();
            rates.add(new Rate((when.toEpochMilli() - first.toEpochMilli()) / 1000.0, dp / dt, now.flows(),
                    de / dt));
            if (rates.size() > KEEP) {
                rates.remove(0, rates.size() - KEEP);
            }
        }
        last = now;
    }

    private static String describe(JsonNode c) {
        if (!c.isObject()) {
            return "no counters reported yet";
        }
        StringBuilder sb = new StringBuilder();
        sb.append("rx packets ").append(c.path("rx_packets").asLong()).append(", bytes ")
                .append(c.path("rx_bytes").asLong()).append(", malformed ").append(c.path("malformed").asLong());
        if (c.path("skipped").asLong() > 0 || c.path("duplicates_dropped").asLong() > 0) {
            sb.append(", skipped ").append(c.path("skipped").asLong()).append(", duplicates dropped ")
                    .append(c.path("duplicates_dropped").asLong());
        }
        // the mirror tunnels terminated: packets and bytes per observation point
        for (JsonNode pt : c.path("observation_points")) {
            sb.append("\ntunnel ").append(pt.path("point").asText()).append(": packets ")
                    .append(pt.path("packets").asLong()).append(", bytes ").append(pt.path("bytes").asLong());
        }
        c.path("plugins").properties().forEach(e -> {
            sb.append('\n').append(e.getKey()).append(':');
            e.getValue().properties().forEach(f -> sb.append(' ').append(f.getKey()).append(' ')
                    .append(f.getValue().asText()));
        });
        for (JsonNode w : c.path("agent").path("warnings")) {
            sb.append("\nwarning: ").append(w.asText());
        }
        return sb.toString();
    }
}
