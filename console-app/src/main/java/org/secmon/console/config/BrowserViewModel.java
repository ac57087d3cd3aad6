package org.secmon.console.config;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;

import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.SimpleObjectProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import org.secmon.console.core.Dispatch;
import org.secmon.console.core.Session;
import org.secmon.console.core.ViewModel;
import org.secmon.ems.api.client.EmsClient;
import org.secmon.ems.api.model.ResourceKind;

/**
 * Browses entities of a few kinds (configuration, IPsec, or users and roles): pick a kind (and a scope for scoped
 * kinds), see the entities, open one in an {@link EditorViewModel}, create or delete.
 */
public final class BrowserViewModel extends ViewModel {
    /** A scope as the scope chooser shows it. */
    public record ScopeItem(String id, String name) {
        @Override
        public String toString() {
            return name;
        }
    }

    private final Session session;
    private final ObservableList<ResourceKind> kinds = FXCollections.observableArrayList();
    private final ObjectProperty<ResourceKind> kind = new SimpleObjectProperty<>();
    private final ObservableList<ScopeItem> scopes = FXCollections.observableArrayList();
    private final ObjectProperty<ScopeItem> scope = new SimpleObjectProperty<>();
    private final ObservableList<EntityRow> rows = FXCollections.observableArrayList();
    private final ReadOnlyObjectWrapper<EditorViewModel> editor = new ReadOnlyObjectWrapper<>();

    public BrowserViewModel(Dispatch dispatch, Session session, List<ResourceKind> kinds) {
        super(dispatch);
        this.session = session;
        this.kinds.setAll(kinds.stream().filter(session::canView).toList());
        kind.addListener((o, a, b) -> {
            editor.set(null);
            rows.clear(); // never open an entity of the previous kind in this kind's editor
            refresh();
        });
        scope.addListener((o, a, b) -> {
            editor.set(null);
            if (a != null && b != null && !a.id().equals(b.id())) {
                rows.clear();
            }
            if (kind.get() != null && kind.get().scoped()) {
                refresh();
            }
        });
    }

    public ObservableList<ResourceKind> kinds() {
        return kinds;
    }

    public ObjectProperty<ResourceKind> kindProperty() {
        return kind;
    }

    public ObservableList<ScopeItem> scopes() {
        return scopes;
    }

    public ObjectProperty<ScopeItem> scopeProperty() {
        return scope;
    }

    public ObservableList<EntityRow> rows() {
        return rows;
    }

    /** The entity being created or edited, or null. */
    public ReadOnlyObjectProperty<EditorViewModel> editorProperty() {
        return editor.getReadOnlyProperty();
    }

    public boolean needsScope() {
        return kind.get() != null && kind.get().scoped();
    }

    // ---- commands ----------------------------------------------------------------------------------------------

    /** Loads the scopes, then the entities of the chosen kind (in the chosen scope). */
    public void refresh() {
        ResourceKind k = kind.get();
        ScopeItem s = scope.get();
        async("Loading " + (k == null ? "scopes" : k.collection().replace('_', ' ')), () -> {
            EmsClient c = session.client();
            List<ScopeItem> sc = c.list(ResourceKind.SCOPES, Map.of()).stream()
                    .map(e -> new ScopeItem(e.path("id").asText(), e.path("name").asText())).toList();
            List<ObjectNode> items = k == null ? List.of()
                    : k.scoped() ? (s == null ? List.of() : c.list(k, s.id())) : c.list(k, Map.of());
            Map<String, String> names = new HashMap<>();
            // references are ids: name them in the summaries (what the kind's references point to)
            if (k != null) {
                session.referenced(k, s == null ? null : s.id()).values().forEach(l -> l.forEach(e ->
                        names.put(e.path("id").asText(), e.path("name").asText())));
            }
            return new Loaded(sc, items, names);
        }, l -> {
            if (kind.get() != k || (k != null && k.scoped() && s != null && scope.get() != null
                    && !s.id().equals(scope.get().id()))) {
                return; // the operator moved on while this list loaded
            }
            scopes.setAll(l.scopes());
            rows.setAll(l.items().stream().map(e -> EntityRow.of(e, l.names())).toList());
            if (scope.get() == null && !l.scopes().isEmpty() && s == null) {
                scope.set(l.scopes().getFirst()); // refreshes again with the scope
            }
        });
    }

    private record Loaded(List<ScopeItem> scopes, List<ObjectNode> items, Map<String, String> names) {
    }

    /** Opens an editor for a new entity of the chosen kind. */
    public EditorViewModel create() {
        ResourceKind k = kind.get();
        if (k == null) {
            setError("choose what to create first");
            return null;
        }
        if (k.scoped() && scope.get() == null) {
            setError("choose a scope first (create one under Scopes)");
            return null;
        }
        return open(null);
    }

    public EditorViewModel edit(EntityRow row) {
        return row == null ? null : open(row.json());
    }

    private EditorViewModel open(ObjectNode e) {
        ResourceKind k = kind.get();
        String sc = k.scoped() ? scope.get().id() : null;
        EditorViewModel vm = new EditorViewModel(dispatch, session, k, sc, e, stored -> {
            setStatus("saved " + k.singular().replace('_', ' ') + " " + stored.path("name").asText()
                    + " (version " + stored.path("version").asLong() + ")");
            refresh();
            open(stored); // the stored entity, with its new version for the next save
        });
        editor.set(vm);
        vm.loadChoices();
        return vm;
    }

    /** Deletes an entity; one still referenced is refused by the EMS with what uses it. */
    public void delete(EntityRow row) {
        ResourceKind k = kind.get();
        if (row == null || k == null) {
            return;
        }
        async("Deleting " + row.name(), () -> {
            session.client().delete(k, row.id());
            return row;
        }, r -> {
            editor.set(null);
            setStatus("deleted " + k.singular().replace('_', ' ') + " " + r.name());
            refresh();
        });
    }

    public void closeEditor() {
        editor.set(null);
    }
}
