package org.secmon.console.config;

import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import org.secmon.console.core.Dispatch;
import org.secmon.console.core.Session;
import org.secmon.console.core.ViewModel;
import org.secmon.ems.api.Json;
import org.secmon.ems.api.client.EmsException;
import org.secmon.ems.api.model.ResourceKind;
import org.secmon.ems.api.schema.Doc;
import org.secmon.ems.api.schema.Format;
import org.secmon.ems.api.schema.Formats;
import org.secmon.ems.api.schema.Range;
import org.secmon.ems.api.schema.ReadOnly;
import org.secmon.ems.api.schema.Ref;
import org.secmon.ems.api.schema.Required;
import org.secmon.ems.api.schema.Validator;
import org.secmon.ems.api.schema.WriteOnly;

/**
 * Creates or edits one entity. The fields come from the model record (so every kind the EMS has gets an editor):
 * references are chosen by name, enums from their values, numbers and formats are checked while typing, and on save
 * the EMS's validation errors are shown at their fields. Saving an existing entity sends its version (If-Match), so
 * a concurrent change by someone else is reported, not overwritten.
 */
public final class EditorViewModel extends ViewModel {
    private static final List<String> PROTOCOLS = java.util.stream.Stream.concat(java.util.stream.Stream.of("any"),
            org.secmon.plugin.IpProtocols.names().keySet().stream().filter(n -> !n.equals("ipv6-icmp"))).toList();

    private final Session session;
    private final ResourceKind kind;
    private final String scope;
    private final ObjectNode original;
    private final Consumer<ObjectNode> saved;
    private final List<FieldModel> fields = new ArrayList<>();
    private final Map<String, FieldModel> byName = new LinkedHashMap<>();
    /** per referenced collection: name to id, and id to name */
    private final Map<String, Map<String, String>> idsByName = new HashMap<>();
    private final Map<String, Map<String, String>> namesById = new HashMap<>();
    private final ReadOnlyStringWrapper title = new ReadOnlyStringWrapper();
    private final ReadOnlyStringWrapper summary = new ReadOnlyStringWrapper("");
    private final ReadOnlyBooleanWrapper editable = new ReadOnlyBooleanWrapper(true);
    private final ObservableList<String> generalErrors = FXCollections.observableArrayList();

    /**
     * @param scope    the scope's id for scoped kinds (new entities go there), else null
     * @param original the entity as the EMS rendered it, or null for a new one
     * @param saved    called on the UI thread with the entity as stored
     */
    public EditorViewModel(Dispatch dispatch, Session session, ResourceKind kind, String scope, ObjectNode original,
            Consumer<ObjectNode> saved) {
        super(dispatch);
        this.session = session;
        this.kind = kind;
        this.scope = scope;
        this.original = original;
        this.saved = saved;
        for (RecordComponent c : Validator.components(kind.type())) {
            if (c.isAnnotationPresent(ReadOnly.class) || (kind.scoped() && c.getName().equals("scope"))) {
                continue;
            }
            FieldModel f = field(c);
            fields.add(f);
            byName.put(f.name(), f);
        }
        defaults();
        editable.set(session.can(kind.collection(), original == null ? "add" : "change"));
        title.set(original == null ? "New " + kind.singular().replace('_', ' ')
                : kind.singular().replace('_', ' ') + " " + original.path("name").asText(original.path("id").asText()));
        if (kind == ResourceKind.CLASSIFICATION_OBJECTS) {
            FieldModel proto = byName.get("protocol");
            proto.choices().setAll(PROTOCOLS);
            for (FieldModel f : fields) {
                f.valueProperty().addListener((o, a, b) -> sevenTuple());
            }
        }
        if (original != null) {
            fill(original);
        }
        if (kind == ResourceKind.CLASSIFICATION_OBJECTS) {
            sevenTuple();
        }
    }

    public List<FieldModel> fields() {
        return fields;
    }

    public FieldModel field(String name) {
        return byName.get(name);
    }

    public ResourceKind kind() {
        return kind;
    }

    public boolean isNew() {
        return original == null;
    }

    public ReadOnlyStringProperty titleProperty() {
        return title.getReadOnlyProperty();
    }

    /** Classification objects: the 7-tuple in one line, e.g. {@code udp 10.0.0.0/8 -> any port 53}. */
    public ReadOnlyStringProperty summaryProperty() {
        return summary.getReadOnlyProperty();
    }

    /** False when the operator's roles do not allow saving (the editor is then a read-only view). */
    public ReadOnlyBooleanProperty editableProperty() {
        return editable.getReadOnlyProperty();
    }

    /** EMS errors that belong to no field shown (e.g. {@code exists}, {@code stale}). */
    public ObservableList<String> generalErrors() {
        return generalErrors;
    }

    // ---- commands ----------------------------------------------------------------------------------------------

    /** Loads the names of the entities the reference fields can point to. */
    public void loadChoices() {
        if (fields.stream().allMatch(f -> f.target() == null)) {
            return;
        }
        async("Loading choices", () -> session.referenced(kind, scope), this::showChoices);
    }

    void showChoices(Map<String, List<ObjectNode>> byTarget) {
        byTarget.forEach((t, list) -> {
            Map<String, String> ids = new LinkedHashMap<>();
            Map<String, String> names = new HashMap<>();
            for (ObjectNode e : list) {
                ids.put(e.path("name").asText(), e.path("id").asText());
                names.put(e.path("id").asText(), e.path("name").asText());
            }
            idsByName.put(t, ids);
            namesById.put(t, names);
        });
        for (FieldModel f : fields) {
            if (f.target() == null) {
                continue;
            }
            Map<String, String> ids = idsByName.getOrDefault(f.target(), Map.of());
            f.choices().setAll(ids.keySet());
            // the EMS renders references as ids: show names
            Map<String, String> names = namesById.getOrDefault(f.target(), Map.of());
            if (f.type() == FieldModel.Type.REF && names.containsKey(f.valueProperty().get())) {
                f.valueProperty().set(names.get(f.valueProperty().get()));
            }
            if (f.type() == FieldModel.Type.LIST) {
                f.items().replaceAll(v -> names.getOrDefault(v, v));
            }
            if (f.type() == FieldModel.Type.MEMBERS) {
                for (FieldModel.Member m : f.members()) {
                    String v = m.collectorProperty().get();
                    m.collectorProperty().set(names.getOrDefault(v, v));
                }
            }
        }
    }

    /** Validates what can be checked here, then creates or replaces the entity in the EMS. */
    public void save() {
        generalErrors.clear();
        ObjectNode body;
        try {
            body = body();
        } catch (FieldException e) {
            return; // shown at the field
        }
        boolean create = original == null;
        String id = create ? null : original.path("id").asText();
        Long version = create ? null : original.path("version").asLong();
        String what = (create ? "Creating " : "Saving ") + kind.singular().replace('_', ' ') + " "
                + body.path("name").asText("");
        async(what, () -> create ? session.client().create(kind, body)
                : session.client().replace(kind, id, body, version), stored -> {
                    for (FieldModel f : fields) {
                        f.errorProperty().set("");
                    }
                    setStatus("saved " + kind.singular().replace('_', ' ') + " " + stored.path("name").asText());
                    saved.accept(stored);
                }, this::showErrors);
    }

    /** The JSON to send: every field converted from its text; a field that cannot be converted gets an error. */
    ObjectNode body() throws FieldException {
        ObjectNode o = Json.mapper().createObjectNode();
        if (kind.scoped()) {
            o.put("scope", scope);
        }
        boolean bad = false;
        for (FieldModel f : fields) {
            f.errorProperty().set("");
            String v = f.valueProperty().get() == null ? "" : f.valueProperty().get().strip();
            try {
                switch (f.type()) {
                    case TEXT, CHOICE -> {
                        if (!v.isEmpty()) {
                            o.put(f.name(), v);
                        }
                        if (f.type() == FieldModel.Type.TEXT && f.format() != null && !v.isEmpty()) {
                            String p = Formats.check(f.format(), v);
                            if (p != null) {
                                throw new FieldException(p);
                            }
                        }
                    }
                    case SECRET -> {
                        if (!v.isEmpty()) {
                            o.put(f.name(), v);
                        }
                    }
                    case NUMBER -> {
                        if (!v.isEmpty()) {
                            try {
                                o.put(f.name(), Long.parseLong(v));
                            } catch (NumberFormatException e) {
                                throw new FieldException("must be a whole number, not '" + v + "'");
                            }
                        }
                    }
                    case BOOL -> o.put(f.name(), f.checkedProperty().get());
                    case REF -> {
                        if (!v.isEmpty()) {
                            o.put(f.name(), idsByName.getOrDefault(f.target(), Map.of()).getOrDefault(v, v));
                        }
                    }
                    case LIST -> {
                        ArrayNode a = o.putArray(f.name());
                        Map<String, String> ids = f.target() == null ? Map.of()
                                : idsByName.getOrDefault(f.target(), Map.of());
                        f.items().forEach(i -> a.add(ids.getOrDefault(i, i)));
                    }
                    case TEXT_LIST -> {
                        ArrayNode a = o.putArray(f.name());
                        v.lines().map(String::strip).filter(l -> !l.isEmpty()).forEach(a::add);
                        if (a.isEmpty() && !f.required()) {
                            o.remove(f.name());
                        }
                    }
                    case MEMBERS -> {
                        ArrayNode a = o.putArray(f.name());
                        Map<String, String> ids = idsByName.getOrDefault("collectors", Map.of());
                        for (FieldModel.Member m : f.members()) {
                            String c = m.collectorProperty().get();
                            if (c == null || c.isBlank()) {
                                throw new FieldException("every member needs a collector");
                            }
                            a.addObject().put("collector", ids.getOrDefault(c, c))
                                    .put("weight", m.weightProperty().get());
                        }
                    }
                    case JSON -> {
                        if (!v.isEmpty()) {
                            try {
                                o.set(f.name(), Json.mapper().readTree(v));
                            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                                throw new FieldException("not valid JSON: " + e.getOriginalMessage());
                            }
                        }
                    }
                }
                if (f.required() && !o.has(f.name()) && !(f.type() == FieldModel.Type.SECRET && original != null)) {
                    throw new FieldException("is required");
                }
            } catch (FieldException e) {
                f.errorProperty().set(e.getMessage());
                bad = true;
            }
        }
        if (bad) {
            throw new FieldException("fields have errors");
        }
        return o;
    }

    /** The EMS refused: each error at its field (members[1].weight at members), the rest above the form. */
    void showErrors(Exception e) {
        if (!(e instanceof EmsException x) || x.status() == 0) {
            setError(describe(e));
            return;
        }
        boolean any = false;
        JsonNode errors = x.body().path("errors");
        if (errors.isEmpty() && x.field() != null) {
            errors = Json.mapper().createArrayNode().add(Json.mapper().createObjectNode().put("field", x.field())
                    .put("message", x.getMessage()));
        }
        for (JsonNode err : errors) {
            String path = err.path("field").asText();
            String top = path.split("[.\\[]", 2)[0];
            FieldModel f = byName.get(top);
            String msg = err.path("message").asText();
            if (f != null) {
                String prev = f.errorProperty().get();
                String m = path.equals(top) ? msg : path + ": " + msg;
                f.errorProperty().set(prev.isEmpty() ? m : prev + "; " + m);
                any = true;
            } else {
                generalErrors.add(path.isEmpty() ? msg : path + ": " + msg);
            }
        }
        if (x.status() == 412 || "stale".equals(x.code())) {
            generalErrors.add("someone else changed this " + kind.singular().replace('_', ' ')
                    + " since you opened it: reopen it to see their change, then edit again");
        } else if (!any && generalErrors.isEmpty()) {
            generalErrors.add(x.describe());
        }
        setError(any ? "the EMS refused some fields (shown at each field)" : String.join("; ", generalErrors));
    }

    // ---- the form from the record ------------------------------------------------------------------------------

    private static FieldModel field(RecordComponent c) {
        String name = Validator.jsonName(c.getName());
        Class<?> t = c.getType();
        Doc doc = c.getAnnotation(Doc.class);
        Format format = c.getAnnotation(Format.class);
        Range range = c.getAnnotation(Range.class);
        Ref ref = c.getAnnotation(Ref.class);
        String help = (doc != null ? doc.value() : "") + (format != null
                ? (doc != null ? "; " : "") + format.value().description() : "")
                + (range != null ? (doc != null || format != null ? "; " : "") + range.min() + " to " + range.max()
                : "");
        boolean required = c.isAnnotationPresent(Required.class);
        FieldModel.Type type;
        List<String> enumChoices = List.of();
        if (c.isAnnotationPresent(WriteOnly.class)) {
            type = FieldModel.Type.SECRET;
        } else if (ref != null) {
            type = List.class.isAssignableFrom(t) ? FieldModel.Type.LIST : FieldModel.Type.REF;
        } else if (t == Boolean.class || t == boolean.class) {
            type = FieldModel.Type.BOOL;
        } else if (t == Integer.class || t == Long.class || t == int.class || t == long.class) {
            type = FieldModel.Type.NUMBER;
        } else if (t.isEnum()) {
            type = FieldModel.Type.CHOICE;
            enumChoices = enumValues(t);
        } else if (List.class.isAssignableFrom(t)) {
            Type item = c.getGenericType() instanceof ParameterizedType p ? p.getActualTypeArguments()[0] : null;
            if (item == String.class) {
                type = FieldModel.Type.TEXT_LIST;
            } else if (item instanceof Class<?> ic && ic.isEnum()) {
                type = FieldModel.Type.LIST;
                enumChoices = enumValues(ic);
            } else if (item == org.secmon.ems.api.model.CollectorSetMember.class) {
                type = FieldModel.Type.MEMBERS;
            } else {
                type = FieldModel.Type.JSON;
            }
        } else if (t == String.class) {
            type = FieldModel.Type.TEXT;
        } else {
            type = FieldModel.Type.JSON;
        }
        String target = ref != null ? ref.value() : type == FieldModel.Type.MEMBERS ? "collectors" : null;
        FieldModel f = new FieldModel(name, type, help, required, target, format != null ? format.value() : null,
                range != null ? range.min() : Long.MIN_VALUE, range != null ? range.max() : Long.MAX_VALUE);
        f.choices().setAll(enumChoices);
        return f;
    }

    private static List<String> enumValues(Class<?> e) {
        List<String> out = new ArrayList<>();
        for (Object v : e.getEnumConstants()) {
            out.add(Json.mapper().convertValue(v, String.class));
        }
        return out;
    }

    /** The defaults the model applies to unset fields (its constructor's), shown as prompt text. */
    private void defaults() {
        ObjectNode d;
        try {
            RecordComponent[] cs = Validator.components(kind.type());
            Class<?>[] types = new Class<?>[cs.length];
            for (int i = 0; i < cs.length; i++) {
                types[i] = cs[i].getType();
            }
            Constructor<?> k = kind.type().getDeclaredConstructor(types);
            Object[] nulls = new Object[cs.length];
            for (int i = 0; i < cs.length; i++) {
                nulls[i] = types[i] == boolean.class ? false : types[i].isPrimitive() ? 0 : null;
            }
            d = Json.mapper().valueToTree(k.newInstance(nulls));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return;
        }
        for (FieldModel f : fields) {
            JsonNode v = d.get(f.name());
            if (v == null || v.isNull() || (v.isContainerNode() && v.isEmpty())) {
                continue;
            }
            if (f.type() == FieldModel.Type.BOOL) {
                f.checkedProperty().set(v.asBoolean());
            } else if (v.isValueNode()) {
                f.hintProperty().set("default: " + v.asText());
            }
        }
    }

    private void fill(ObjectNode e) {
        for (FieldModel f : fields) {
            if (f.type() == FieldModel.Type.SECRET) {
                f.hintProperty().set("unchanged (write-only)"); // never rendered by the EMS
                continue;
            }
            JsonNode v = e.get(f.name());
            if (v == null || v.isNull()) {
                continue;
            }
            switch (f.type()) {
                case BOOL -> f.checkedProperty().set(v.asBoolean());
                case LIST -> {
                    List<String> l = new ArrayList<>();
                    v.forEach(i -> l.add(i.asText()));
                    f.items().setAll(l);
                }
                case TEXT_LIST -> {
                    StringBuilder sb = new StringBuilder();
                    v.forEach(i -> sb.append(sb.isEmpty() ? "" : "\n").append(i.asText()));
                    f.valueProperty().set(sb.toString());
                }
                case MEMBERS -> v.forEach(m -> f.addMember(m.path("collector").asText(),
                        m.path("weight").asInt(1)));
                case JSON -> f.valueProperty().set(v.toPrettyString());
                default -> f.valueProperty().set(v.asText());
            }
        }
    }

    /** Ports only with protocols that have them; the tuple in one readable line. */
    private void sevenTuple() {
        String proto = text("protocol");
        boolean ports = Formats.hasPorts(proto);
        for (String port : List.of("src_port", "dst_port")) {
            byName.get(port).enabledProperty().set(ports);
            if (!ports && !Formats.isAny(text(port))) {
                byName.get(port).errorProperty().set("ports need protocol tcp, udp, sctp or any, not " + proto);
            }
        }
        String src = side("src_ip", "src_port", "src_mac", ports);
        String dst = side("dst_ip", "dst_port", "dst_mac", ports);
        summary.set((Formats.isAny(proto) ? "any protocol" : proto.toLowerCase(Locale.ROOT)) + "   " + src + "  ->  "
                + dst);
    }

    private String side(String ip, String port, String mac, boolean ports) {
        StringBuilder sb = new StringBuilder(Formats.isAny(text(ip)) ? "any" : text(ip));
        if (ports && !Formats.isAny(text(port))) {
            sb.append(" port ").append(text(port));
        }
        if (!Formats.isAny(text(mac))) {
            sb.append(" (").append(text(mac)).append(')');
        }
        return sb.toString();
    }

    private String text(String field) {
        String v = byName.get(field).valueProperty().get();
        return v == null ? "" : v.strip();
    }

    /** A field whose text cannot be sent. */
    static final class FieldException extends Exception {
        FieldException(String message) {
            super(message, null, false, false);
        }
    }
}
