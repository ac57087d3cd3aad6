package org.secmon.plugin;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A plugin's configuration: a tree of maps, lists, strings, numbers and booleans (what a JSON or YAML document
 * decodes to), with typed getters that report the offending key on a wrong type.
 */
public final class PluginConfig {
    private static final PluginConfig EMPTY = new PluginConfig(Map.of());

    private final Map<String, Object> values;

    private PluginConfig(Map<String, Object> values) {
        this.values = values;
    }

    public static PluginConfig empty() {
        return EMPTY;
    }

    /** Deep, unmodifiable copy of the given tree. */
    public static PluginConfig of(Map<String, ?> values) {
        return new PluginConfig(copyMap(values));
    }

    public Map<String, Object> asMap() {
        return values;
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    public String string(String key, String defaultValue) {
        Object v = values.get(key);
        return v == null ? defaultValue : v.toString();
    }

    public long longValue(String key, long defaultValue) {
        Object v = values.get(key);
        if (v == null) {
            return defaultValue;
        }
        if (v instanceof Number n) {
            return n.longValue();
        }
        try {
            return Long.parseLong(v.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("config '" + key + "': expected an integer, got '" + v + "'");
        }
    }

    public int intValue(String key, int defaultValue) {
        long v = longValue(key, defaultValue);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("config '" + key + "': out of range: " + v);
        }
        return (int) v;
    }

    public boolean bool(String key, boolean defaultValue) {
        Object v = values.get(key);
        if (v == null) {
            return defaultValue;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        return switch (v.toString().trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw new IllegalArgumentException("config '" + key + "': expected a boolean, got '" + v + "'");
        };
    }

    public PluginConfig child(String key) {
        Object v = values.get(key);
        if (v == null) {
            return EMPTY;
        }
        if (v instanceof Map<?, ?> m) {
            @SuppressWarnings("unchecked")
            Map<String, Object> cast = (Map<String, Object>) m;
            return new PluginConfig(cast);
        }
        throw new IllegalArgumentException("config '" + key + "': expected an object, got '" + v + "'");
    }

    /** A list of strings, written either as a list or as one comma-separated string; empty when absent. */
    public List<String> strings(String key) {
        Object v = values.get(key);
        if (v == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (v instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> || o instanceof List<?>) {
                    throw new IllegalArgumentException("config '" + key + "': expected a list of names, got '" + o + "'");
                }
                out.add(String.valueOf(o).trim());
            }
        } else if (v instanceof Map<?, ?>) {
            throw new IllegalArgumentException("config '" + key + "': expected a list, got '" + v + "'");
        } else {
            for (String part : v.toString().split(",")) {
                if (!part.isBlank()) {
                    out.add(part.trim());
                }
            }
        }
        return out;
    }

    public List<PluginConfig> children(String key) {
        Object v = values.get(key);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?> list)) {
            throw new IllegalArgumentException("config '" + key + "': expected a list, got '" + v + "'");
        }
        List<PluginConfig> out = new ArrayList<>(list.size());
        for (Object o : list) {
            if (!(o instanceof Map<?, ?> m)) {
                throw new IllegalArgumentException("config '" + key + "': expected a list of objects, got '" + o + "'");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> cast = (Map<String, Object>) m;
            out.add(new PluginConfig(cast));
        }
        return out;
    }

    @Override
    public String toString() {
        return values.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PluginConfig other && other.values.equals(values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    private static Map<String, Object> copyMap(Map<String, ?> in) {
        Map<String, Object> out = new LinkedHashMap<>();
        in.forEach((k, v) -> out.put(k, copy(v)));
        return Collections.unmodifiableMap(out);
    }

    private static Object copy(Object v) {
        if (v instanceof Map<?, ?> m) {
            @SuppressWarnings("unchecked")
            Map<String, ?> cast = (Map<String, ?>) m;
            return copyMap(cast);
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            for (Object o : l) {
                out.add(copy(o));
            }
            return Collections.unmodifiableList(out);
        }
        return v;
    }
}
