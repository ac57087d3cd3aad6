package org.secmon.console.dashboard;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import org.secmon.console.core.Dispatch;
import org.secmon.console.core.Session;
import org.secmon.console.core.ViewModel;
import org.secmon.ems.api.Json;
import org.secmon.ems.api.model.ResourceKind;

/**
 * Making an enrollment token from the console, as {@code secmonctl enroll} does: for an appliance in a scope or for
 * an IPsec enforcer, bound to a name (or, with several uses, to any new one), expiring. The token is shown once;
 * {@link #forget} drops it from the console when the dialog closes.
 */
public final class EnrollViewModel extends ViewModel {
    /** What the token registers. */
    public enum Kind {
        APPLIANCE("appliance", "Appliance (in a scope)"), IPSEC_ENFORCER("ipsec_enforcer", "IPsec enforcer");

        final String json;
        final String label;

        Kind(String json, String label) {
            this.json = json;
            this.label = label;
        }

        @Override
        public String toString() {
            return label;
        }
    }

    private final Session session;
    private final ObjectProperty<Kind> kind = new SimpleObjectProperty<>(Kind.APPLIANCE);
    private final ObservableList<String> scopes = FXCollections.observableArrayList();
    private final StringProperty scope = new SimpleStringProperty("");
    private final StringProperty name = new SimpleStringProperty("");
    private final IntegerProperty uses = new SimpleIntegerProperty(1);
    private final IntegerProperty ttlMinutes = new SimpleIntegerProperty(60);
    private final ReadOnlyStringWrapper token = new ReadOnlyStringWrapper("");
    private final ReadOnlyStringWrapper result = new ReadOnlyStringWrapper("");

    public EnrollViewModel(Dispatch dispatch, Session session) {
        super(dispatch);
        this.session = session;
    }

    public ObjectProperty<Kind> kindProperty() {
        return kind;
    }

    /** The scopes the user sees, by name (for appliances). */
    public ObservableList<String> scopes() {
        return scopes;
    }

    public StringProperty scopeProperty() {
        return scope;
    }

    /** The machine's name; empty: any new one (needs more than one use). */
    public StringProperty nameProperty() {
        return name;
    }

    public IntegerProperty usesProperty() {
        return uses;
    }

    public IntegerProperty ttlMinutesProperty() {
        return ttlMinutes;
    }

    /** The token just made (empty before, and after {@link #forget}). */
    public ReadOnlyStringProperty tokenProperty() {
        return token.getReadOnlyProperty();
    }

    /** What the token is for and until when, and how to use it. */
    public ReadOnlyStringProperty resultProperty() {
        return result.getReadOnlyProperty();
    }

    // ---- commands ----------------------------------------------------------------------------------------------

    public void loadScopes() {
        async("Loading scopes", () -> session.client().list(ResourceKind.SCOPES, Map.of()).stream()
                .map(s -> s.path("name").asText()).sorted().toList(), this::showScopes);
    }

    private void showScopes(List<String> names) {
        scopes.setAll(names);
        if ((scope.get() == null || scope.get().isEmpty()) && !names.isEmpty()) {
            scope.set(names.getFirst());
        }
    }

    /** Asks the EMS for a token; a refusal (permissions, a bad name, an unknown scope) shows in its own words. */
    public void enroll() {
        forget();
        Kind k = kind.get();
        String n = name.get() == null ? "" : name.get().strip();
        String s = scope.get() == null ? "" : scope.get().strip();
        if (k == Kind.APPLIANCE && s.isEmpty()) {
            setError("choose the scope the appliance joins");
            return;
        }
        if (n.isEmpty() && uses.get() < 2) {
            setError("name the " + (k == Kind.APPLIANCE ? "appliance" : "enforcer")
                    + ", or allow more than one use for any new one");
            return;
        }
        ObjectNode body = Json.mapper().createObjectNode().put("kind", k.json);
        if (k == Kind.APPLIANCE) {
            body.put("scope", s);
        }
        if (!n.isEmpty()) {
            body.put("name", n);
        }
        body.put("uses", uses.get()).put("ttl_seconds", ttlMinutes.get() * 60L);
        async("Making an enrollment token", () -> session.client().call("POST", "enrollments", body), r -> show(k, r));
    }

    private void show(Kind k, JsonNode r) {
        token.set(r.path("token").asText());
        String who = r.hasNonNull("name") ? "'" + r.path("name").asText() + "'"
                : "any new " + (k == Kind.APPLIANCE ? "appliance" : "enforcer");
        long n = r.path("uses_left").asLong();
        result.set("For " + who + (k == Kind.APPLIANCE ? " in scope " + scope.get().strip() : " (IPsec enforcer)")
                + ", " + n + (n == 1 ? " use" : " uses") + ", until " + r.path("expires_at").asText()
                + ". Shown only now: " + (k == Kind.APPLIANCE
                ? "give it to the appliance (config drive SECMON_ENROLLMENT_TOKEN, or --enrollment-token-file)."
                : "give it to the enforcer (secmon enforcer --enrollment-token-file FILE)."));
        setStatus("enrollment token made");
    }

    /** Drops the token from the console (the dialog closed): the EMS keeps only its hash. */
    public void forget() {
        token.set("");
        result.set("");
    }
}
