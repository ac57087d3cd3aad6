package org.secmon.ems.api.schema;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.secmon.ems.api.model.ResourceKind;

/** What the generic service needs to know about a kind, derived once from its record's annotations. */
public final class Schema {
    /**
     * A reference inside a document: {@code path} like {@code ["members", "[]", "collector"]}.
     *
     * @param display JSON path for messages, e.g. {@code members[].collector}
     */
    public record RefPath(List<String> path, String display, String target) {
    }

    private static final Map<ResourceKind, Schema> CACHE = new ConcurrentHashMap<>();

    private final ResourceKind kind;
    private final List<RefPath> refs = new ArrayList<>();
    private final Set<String> readOnly = new LinkedHashSet<>();
    private final Set<String> writeOnly = new LinkedHashSet<>();
    private final Set<String> fields = new LinkedHashSet<>();

    private Schema(ResourceKind kind) {
        this.kind = kind;
        for (RecordComponent c : Validator.components(kind.type())) {
            String name = Validator.jsonName(c.getName());
            fields.add(name);
            if (c.isAnnotationPresent(ReadOnly.class)) {
                readOnly.add(name);
            }
            if (c.isAnnotationPresent(WriteOnly.class)) {
                writeOnly.add(name);
            }
            collectRefs(c, List.of(name), name);
        }
    }

    private void collectRefs(RecordComponent c, List<String> path, String display) {
        Ref ref = c.getAnnotation(Ref.class);
        Class<?> raw = c.getType();
        if (ref != null) {
            if (List.class.isAssignableFrom(raw)) {
                refs.add(new RefPath(append(path, "[]"), display + "[]", ref.value()));
            } else {
                refs.add(new RefPath(path, display, ref.value()));
            }
            return;
        }
        if (List.class.isAssignableFrom(raw)) {
            Type t = c.getGenericType();
            if (t instanceof ParameterizedType pt && pt.getActualTypeArguments()[0] instanceof Class<?> item
                    && item.isRecord()) {
                for (RecordComponent ic : Validator.components(item)) {
                    String n = Validator.jsonName(ic.getName());
                    collectRefs(ic, append(append(path, "[]"), n), display + "[]." + n);
                }
            }
        }
    }

    private static List<String> append(List<String> l, String s) {
        List<String> out = new ArrayList<>(l);
        out.add(s);
        return List.copyOf(out);
    }

    public static Schema of(ResourceKind kind) {
        return CACHE.computeIfAbsent(kind, Schema::new);
    }

    public ResourceKind kind() {
        return kind;
    }

    public List<RefPath> refs() {
        return refs;
    }

    public Set<String> readOnly() {
        return readOnly;
    }

    public Set<String> writeOnly() {
        return writeOnly;
    }

    public Set<String> fields() {
        return fields;
    }
}
