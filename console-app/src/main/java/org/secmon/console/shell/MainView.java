package org.secmon.console.shell;

import java.util.List;

import javafx.fxml.FXML;
import javafx.scene.Node;
import javafx.scene.Parent;
import javafx.scene.control.Label;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;

import org.secmon.console.audit.AuditView;
import org.secmon.console.audit.AuditViewModel;
import org.secmon.console.config.BrowserView;
import org.secmon.console.config.BrowserViewModel;
import org.secmon.console.core.Dispatch;
import org.secmon.console.core.Fxml;
import org.secmon.console.core.Session;
import org.secmon.console.dashboard.DashboardView;
import org.secmon.console.dashboard.DashboardViewModel;
import org.secmon.console.flows.FlowsView;
import org.secmon.console.flows.FlowsViewModel;
import org.secmon.console.ipsec.TunnelsView;
import org.secmon.console.ipsec.TunnelsViewModel;
import org.secmon.console.terminal.TerminalView;
import org.secmon.console.terminal.TerminalViewModel;
import org.secmon.ems.api.model.ResourceKind;

/** The main window (Main.fxml): header, then one tab per screen the operator's roles let them see. */
public final class MainView {
    /** The configuration kinds, in the order an operator builds a monitoring setup. */
    public static final List<ResourceKind> CONFIGURATION = List.of(ResourceKind.SCOPES,
            ResourceKind.CLASSIFICATION_OBJECTS, ResourceKind.RULES, ResourceKind.POLICIES, ResourceKind.COLLECTORS,
            ResourceKind.COLLECTOR_SETS, ResourceKind.NETFLOW_MONITORS, ResourceKind.NETFLOW_CONFIGS,
            ResourceKind.SFLOW_CONFIGS, ResourceKind.INGEST_CONFIGS, ResourceKind.NETFLOW_ASSOCIATIONS, ResourceKind.SFLOW_ASSOCIATIONS,
            ResourceKind.RAWFORWARD_ASSOCIATIONS, ResourceKind.APPLIANCES);
    public static final List<ResourceKind> IPSEC = List.of(ResourceKind.IPSEC_TUNNELS, ResourceKind.IKE_POLICIES,
            ResourceKind.IPSEC_POLICIES, ResourceKind.IPSEC_ENDPOINT_GROUPS, ResourceKind.IPSEC_ENFORCERS);
    public static final List<ResourceKind> ADMIN = List.of(ResourceKind.USERS, ResourceKind.ROLES,
            ResourceKind.PROJECTS);

    private final Session session;
    private final Dispatch dispatch;
    private final Runnable onLogout;
    @FXML
    private Label where;
    @FXML
    private Label who;
    @FXML
    private TabPane tabs;

    private MainView(Session session, Dispatch dispatch, Runnable onLogout) {
        this.session = session;
        this.dispatch = dispatch;
        this.onLogout = onLogout;
    }

    public static Parent create(Session session, Dispatch dispatch, Runnable onLogout) {
        return Fxml.load(MainView.class, "/org/secmon/console/shell/Main.fxml",
                new MainView(session, dispatch, onLogout));
    }

    @FXML
    private void initialize() {
        where.setText(session.emsUrl());
        who.setText(session.user());
        add("Dashboard", DashboardView.create(new DashboardViewModel(dispatch, session)));
        if (session.canView(ResourceKind.APPLIANCES)) {
            add("Flows", FlowsView.create(new FlowsViewModel(dispatch, session)));
        }
        add("Configuration", BrowserView.create(new BrowserViewModel(dispatch, session, CONFIGURATION)));
        if (session.canView(ResourceKind.IPSEC_TUNNELS)) {
            add("IPsec", TunnelsView.create(new TunnelsViewModel(dispatch, session),
                    new BrowserViewModel(dispatch, session, IPSEC)));
        }
        if (session.canView(ResourceKind.USERS) || session.canView(ResourceKind.ROLES)) {
            add("Users & roles", BrowserView.create(new BrowserViewModel(dispatch, session, ADMIN)));
        }
        if (session.can("audit", "view")) {
            add("Audit log", AuditView.create(new AuditViewModel(dispatch, session)));
        }
        TerminalViewModel term = new TerminalViewModel(dispatch, TerminalViewModel.defaultKnownHosts(),
                host -> hostKeys(session, host));
        term.userProperty().set(session.user());
        add("SSH terminal", TerminalView.create(term));
    }

    /** The SSH host key fingerprints appliances at {@code host} (an address or a name) reported to the EMS. */
    static java.util.List<String> hostKeys(org.secmon.console.core.Session session, String host) {
        java.util.List<String> out = new java.util.ArrayList<>();
        java.util.List<com.fasterxml.jackson.databind.node.ObjectNode> appliances;
        try {
            appliances = session.client().list(ResourceKind.APPLIANCES, java.util.Map.of());
        } catch (org.secmon.ems.api.client.EmsException e) {
            if (e.status() == 403) {
                return out; // a user who may not see appliances: trust on first use, as for an unknown address
            }
            throw e;
        }
        for (var a : appliances) {
            boolean here = host.equals(a.path("name").asText());
            for (var addr : a.path("addresses")) {
                here |= host.equals(addr.asText());
            }
            if (here && a.hasNonNull("ssh_host_key")) {
                out.add(a.path("ssh_host_key").asText());
            }
        }
        return out;
    }

    private void add(String title, Node content) {
        Tab t = new Tab(title, content);
        t.setId("tab-" + title.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z]+", "-"));
        tabs.getTabs().add(t);
    }

    @FXML
    private void logout() {
        dispatch.work(session::close);
        onLogout.run();
    }
}
