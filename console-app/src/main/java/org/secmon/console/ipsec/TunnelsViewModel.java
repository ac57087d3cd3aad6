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
                String a = runBy(t);
                if (!reports.containsKey(a)) {
                    try {
                        JsonNode r = report(c, t);
                        reports.put(a, r);
                        applianceNames.put(a, r.path("name").asText(a));
                    } catch (EmsException e) {
                        reports.put(a, null); // not visible or gone: state unknown
                    }
                }
            }
            List<TunnelRow> rows = new ArrayList<>();
            for (ObjectNode t : ts) {
                rows.add(row(t, applianceNames, reports.get(runBy(t))));
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

    /** The id of whoever runs the tunnel's end: its appliance, or its registered enforcer. */
    static String runBy(JsonNode t) {
        return t.hasNonNull("appliance") ? t.path("appliance").asText() : t.path("enforcer").asText();
    }

    /**
     * The SA state the tunnel's end last reported, as {name, reported_at, counters: {ipsec: ...}}: an appliance's
     * counters, or a registered enforcer's state.
     */
    private static JsonNode report(EmsClient c, JsonNode t) {
        if (t.hasNonNull("appliance")) {
            return c.counters(t.path("appliance").asText());
        }
        JsonNode st = c.call("GET", "ipsec_enforcers/" + t.path("enforcer").asText() + "/state", null);
        ObjectNode r = org.secmon.ems.api.Json.mapper().createObjectNode();
        r.put("name", st.path("name").asText()).put("reported_at", st.path("reported_at").asText(""));
        r.putObject("counters").set("ipsec", st.path("state"));
        return r;
    }

    /** The name the enforcer reports a tunnel under: its strongSwan connection, {@code secmon-NAME}. */
    static String connectionName(String tunnel) {
        return "secmon-" + tunnel.replaceAll("[^A-Za-z0-9_-]", "_");
    }

    static TunnelRow row(JsonNode t, Map<String, String> applianceNames, JsonNode report) {
        String a = runBy(t);
        JsonNode tunnels = report == null ? null : report.path("counters").path("ipsec").path("tunnels");
        JsonNode sa = tunnels == null ? null : tunnels.path(connectionName(t.path("name").asText()));
        String ike = report == null ? "unknown" : sa.isMissingNode() ? "not reported" : sa.path("ike").asText("down");
        boolean known = sa != null && !sa.isMissingNode();
        return new TunnelRow(t.path("name").asText(), applianceNames.getOrDefault(a, a),
                t.path("local_address").asText() + " -> " + t.path("remote_address").asText(),
                t.path("auth").asText("psk"), t.hasNonNull("dscp") ? t.get("dscp").asText() : "all", ike,
                known ? sa.path("child").asText("") : "", known ? sa.path("esp").asText("") : "",
                known ? sa.path("bytes_in").asLong() : 0, known ? sa.path("bytes_out").asLong() : 0,
                report == null ? "" : report.path("reported_at").asText(""));
    }
}
