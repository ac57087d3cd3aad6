package org.secmon.console.config;

import java.util.Iterator;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** One entity in a browser's table: name, version and the rest of its fields in one line. */
public record EntityRow(String id, String name, long version, String summary, ObjectNode json) {
    static EntityRow of(ObjectNode e, Map<String, String> names) {
        StringBuilder sb = new StringBuilder();
        for (Iterator<Map.Entry<String, JsonNode>> it = e.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String k = f.getKey();
            if (k.equals("id") || k.equals("name") || k.equals("version") || k.equals("scope")
                    || f.getValue().isNull() || (f.getValue().isContainerNode() && f.getValue().isEmpty())) {
                continue;
            }
            sb.append(sb.isEmpty() ? "" : ", ").append(k).append(' ').append(render(f.getValue(), names));
        }
        return new EntityRow(e.path("id").asText(), e.path("name").asText(e.path("id").asText()),
                e.path("version").asLong(), sb.toString(), e);
    }

    private static String render(JsonNode v, Map<String, String> names) {
        if (v.isTextual()) {
            return names.getOrDefault(v.asText(), v.asText());
        }
        if (v.isArray()) {
            StringBuilder sb = new StringBuilder("[");
            v.forEach(i -> sb.append(sb.length() > 1 ? ", " : "").append(render(i, names)));
            return sb.append(']').toString();
        }
        if (v.isObject() && v.has("collector")) {
            return render(v.get("collector"), names) + "×" + v.path("weight").asText();
        }
        return v.toString();
    }
}
