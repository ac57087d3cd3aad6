package org.secmon.ems.api.schema;

import java.lang.reflect.RecordComponent;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

import org.secmon.ems.api.model.Entity;

/**
 * Checks the constraints declared on a record's components ({@link Required}, {@link Range}, {@link Length},
 * {@link Format}), recursing into nested records and lists of them, then the entity's own cross-field checks.
 * Field names in errors are the JSON (snake_case) paths.
 */
public final class Validator {
    private static final ConcurrentHashMap<Class<?>, RecordComponent[]> COMPONENTS = new ConcurrentHashMap<>();

    private Validator() {
    }

    public static Errors validate(Entity entity) {
        Errors errors = new Errors();
        check(entity, "", errors);
        if (errors.isEmpty()) {
            entity.validate(errors);
        }
        return errors;
    }

    /** camelCase to snake_case, as the JSON mapping names fields. */
    public static String jsonName(String javaName) {
        StringBuilder b = new StringBuilder(javaName.length() + 4);
        for (int i = 0; i < javaName.length(); i++) {
            char c = javaName.charAt(i);
            if (Character.isUpperCase(c)) {
                b.append('_').append(Character.toLowerCase(c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    public static RecordComponent[] components(Class<?> type) {
        return COMPONENTS.computeIfAbsent(type, Class::getRecordComponents);
    }

    static void check(Object record, String prefix, Errors errors) {
        for (RecordComponent c : components(record.getClass())) {
            if (c.isAnnotationPresent(ReadOnly.class)) {
                continue;
            }
            String field = prefix + jsonName(c.getName());
            Object v;
            try {
                v = c.getAccessor().invoke(record);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            if (v == null || (v instanceof String s && s.isEmpty())
                    || (v instanceof Collection<?> l && l.isEmpty() && c.isAnnotationPresent(Required.class))) {
                if (c.isAnnotationPresent(Required.class)) {
                    errors.add(field, "is required");
                }
                continue;
            }
            Range range = c.getAnnotation(Range.class);
            if (range != null && v instanceof Number n && (n.longValue() < range.min() || n.longValue() > range.max())) {
                errors.add(field, "must be between " + range.min() + " and " + range.max() + ", not " + n);
            }
            Length length = c.getAnnotation(Length.class);
            if (length != null) {
                int size = v instanceof String s ? s.length() : v instanceof Collection<?> l ? l.size() : -1;
                if (size >= 0 && (size < length.min() || size > length.max())) {
                    errors.add(field, (v instanceof String ? "length" : "number of entries") + " must be between "
                            + length.min() + " and " + length.max() + ", not " + size);
                }
            }
            OneOf oneOf = c.getAnnotation(OneOf.class);
            if (oneOf != null && v instanceof String s
                    && !List.of(oneOf.value()).contains(s.toLowerCase(java.util.Locale.ROOT))) {
                errors.add(field, "must be one of " + String.join(", ", oneOf.value()) + ", not '"
                        + Formats.printable(s, 64) + "'");
            }
            Format format = c.getAnnotation(Format.class);
            if (v instanceof List<?> list) {
                for (int i = 0; i < list.size(); i++) {
                    Object item = list.get(i);
                    String f = field + "[" + i + "]";
                    if (item == null) {
                        errors.add(f, "must not be null");
                    } else if (item.getClass().isRecord()) {
                        check(item, f + ".", errors);
                    } else if (format != null && item instanceof String s) {
                        String m = Formats.check(format.value(), s);
                        if (m != null) {
                            errors.add(f, m);
                        }
                    } else if (item instanceof String s && s.isBlank()) {
                        errors.add(f, "must not be empty");
                    }
                }
            } else if (format != null && v instanceof String s) {
                String m = Formats.check(format.value(), s);
                if (m != null) {
                    errors.add(field, m);
                }
            } else if (v.getClass().isRecord()) {
                check(v, field + ".", errors);
            }
        }
    }
}
