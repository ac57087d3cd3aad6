package org.secmon.console.ipsec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import org.secmon.console.core.Dispatch;
import org.secmon.console.core.Session;
import org.secmon.console.core.ViewModel;
import org.secmon.ems.api.client.EmsClient;
import org.secmon.ems.api.client.EmsException;
import org.secmon.ems.api.model.ResourceKind;

/**
 * IPsec tunnels as configured in the EMS, each with the SA state (IKE, child SA, ESP proposal, bytes) its appliance's
 * enforcer last reported with its counters.
 */
public final class TunnelsViewModel extends ViewModel {
    private final Session session;
    private final ObservableList<TunnelRow> tunnels = FXCollections.observableArrayList();
    private final ReadOnlyStringWrapper summary = new ReadOnlyStringWrapper("");

    public TunnelsViewModel(Dispatch dispatch, Session session) {
        super(dispatch);
        this.session = session;
    }

    public ObservableList<TunnelRow> tunnels() {
        return tunnels;
    }

    /** "3 tunnels: 2 established, 1 down" */
    public ReadOnlyStringProperty summaryProperty() {
        return summary.getReadOnlyProperty();
    }

    public void refresh() {
        async("Loading IPsec tunnels", () -> {
            EmsClient c = session.client();
            List<ObjectNode> ts = c.list(ResourceKind.IPSEC_TUNNELS, Map.of());
            Map<String, String> applianceNames = new HashMap<>();
            Map<String, JsonNode> reports = new HashMap<>();
            for (ObjectNode t : ts) {
                String a = t.path("appliance").asText();
                if (!reports.containsKey(a)) {
                    try {
                        ObjectNode r = c.counters(a);
                        reports.put(a, r);
                        applianceNames.put(a, r.path("name").asText(a));
                    } catch (EmsException e) {
                        reports.put(a, null); // not visible or gone: state unknown
                    }
                }
            }
            List<TunnelRow> rows = new ArrayList<>();
            for (ObjectNode t : ts) {
                rows.add(row(t, applianceNames, reports.get(t.path("appliance").asText())));
            }
            return rows;
        }, rows -> {
            tunnels.setAll(rows);
            long up = rows.stream().filter(r -> r.ike().equals("established") && r.child().equals("installed"))
                    .count();
            summary.set(rows.size() + (rows.size() == 1 ? " tunnel: " : " tunnels: ") + up + " up, "
                    + (rows.size() - up) + " not up");
        });
    }

    static TunnelRow row(JsonNode t, Map<String, String> applianceNames, JsonNode report) {
        String a = t.path("appliance").asText();
        JsonNode sa = report == null ? null : report.path("counters").path("ipsec").path("tunnels")
                .path(t.path("name").asText());
        String ike = report == null ? "unknown" : sa == null || sa.isMissingNode() ? "not reported"
                : sa.path("ike").asText("down");
        return new TunnelRow(t.path("name").asText(), applianceNames.getOrDefault(a, a),
                t.path("local_address").asText() + " -> " + t.path("remote_address").asText(),
                t.path("auth").asText("psk"), t.hasNonNull("dscp") ? t.get("dscp").asText() : "all", ike,
                sa == null ? "" : sa.path("child").asText(""), sa == null ? "" : sa.path("esp").asText(""),
                sa == null ? 0 : sa.path("bytes_in").asLong(), sa == null ? 0 : sa.path("bytes_out").asLong(),
                report == null ? "" : report.path("reported_at").asText(""));
    }
}
