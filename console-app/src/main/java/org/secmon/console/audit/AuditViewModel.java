package org.secmon.console.audit;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import org.secmon.console.core.Dispatch;
import org.secmon.console.core.Session;
import org.secmon.console.core.ViewModel;

/** The EMS's audit log, newest first, a page at a time, filtered by user, operation and collection. */
public final class AuditViewModel extends ViewModel {
    /** One audited action. */
    public record Entry(String time, String user, String operation, String collection, String name, String remote) {
    }

    public static final int PAGE = 100;

    private final Session session;
    private final StringProperty user = new SimpleStringProperty("");
    private final StringProperty operation = new SimpleStringProperty("");
    private final StringProperty collection = new SimpleStringProperty("");
    private final ObservableList<Entry> entries = FXCollections.observableArrayList();
    private final ReadOnlyStringWrapper position = new ReadOnlyStringWrapper("");
    private int offset;
    private int total;

    public AuditViewModel(Dispatch dispatch, Session session) {
        super(dispatch);
        this.session = session;
    }

    public StringProperty userProperty() {
        return user;
    }

    public StringProperty operationProperty() {
        return operation;
    }

    public StringProperty collectionProperty() {
        return collection;
    }

    public ObservableList<Entry> entries() {
        return entries;
    }

    /** "1-100 of 2,345" */
    public ReadOnlyStringProperty positionProperty() {
        return position.getReadOnlyProperty();
    }

    public void refresh() {
        load(0);
    }

    public void next() {
        if (offset + PAGE < total) {
            load(offset + PAGE);
        }
    }

    public void previous() {
        if (offset > 0) {
            load(Math.max(0, offset - PAGE));
        }
    }

    private void load(int from) {
        StringBuilder q = new StringBuilder("audit?limit=" + PAGE + "&offset=" + from);
        filter(q, "user", user.get());
        filter(q, "operation", operation.get());
        filter(q, "collection", collection.get());
        async("Loading the audit log", () -> session.client().call("GET", q.toString(), null), page -> {
            List<Entry> l = new ArrayList<>();
            for (JsonNode a : page.path("items")) {
                l.add(new Entry(a.path("time").asText(), a.path("user").asText(), a.path("operation").asText(),
                        a.path("collection").asText(""), a.path("name").asText(a.path("resource_id").asText("")),
                        a.path("remote").asText("")));
            }
            entries.setAll(l);
            offset = from;
            total = page.path("total").asInt();
            position.set(total == 0 ? "no entries" : (from + 1) + "-" + (from + l.size()) + " of " + total);
        });
    }

    private static void filter(StringBuilder q, String name, String v) {
        if (v != null && !v.isBlank()) {
            q.append('&').append(name).append('=').append(URLEncoder.encode(v.strip(), StandardCharsets.UTF_8));
        }
    }
}
