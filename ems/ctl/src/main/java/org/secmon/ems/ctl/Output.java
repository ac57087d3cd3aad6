package org.secmon.ems.ctl;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import org.secmon.ems.api.Json;

/** Tables for people, JSON and YAML for programs and files. */
final class Output {
    enum Format { TABLE, WIDE, JSON, YAML }

    static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .build());

    private static final int MAX_CELL = 40;
    private static final int TABLE_COLUMNS = 7;

    private Output() {
    }

    static Format format(String s) {
        try {
            return Format.valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CtlException("unknown output format '" + s + "'; formats: table, wide, json, yaml");
        }
    }

    static String json(JsonNode n) {
        try {
            return Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String yaml(JsonNode n) {
        try {
            return YAML.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Prints entities: a table (wide: every column), or a JSON array / YAML list. */
    static void print(PrintWriter out, Format f, List<ObjectNode> rows) {
        switch (f) {
            case JSON -> {
                ArrayNode a = Json.mapper().createArrayNode();
                rows.forEach(a::add);
                out.println(json(a));
            }
            case YAML -> {
                ArrayNode a = Json.mapper().createArrayNode();
                rows.forEach(a::add);
                out.print(yaml(a));
            }
            case TABLE, WIDE -> table(out, rows, f == Format.WIDE);
        }
        out.flush();
    }

    /** Prints one entity (JSON or YAML as asked, a field list for tables). */
    static void printOne(PrintWriter out, Format f, ObjectNode entity) {
        switch (f) {
            case JSON -> out.println(json(entity));
            case YAML -> out.print(yaml(entity));
            case TABLE, WIDE -> {
                int w = 0;
                for (Iterator<String> it = entity.fieldNames(); it.hasNext(); ) {
                    w = Math.max(w, it.next().length());
                }
                for (Iterator<Map.Entry<String, JsonNode>> it = entity.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    out.printf("%-" + (w + 1) + "s %s%n", e.getKey() + ":", cell(e.getValue(), Integer.MAX_VALUE));
                }
            }
        }
        out.flush();
    }

    private static void table(PrintWriter out, List<ObjectNode> rows, boolean wide) {
        if (rows.isEmpty()) {
            out.println("(none)");
            return;
        }
        // columns: name and scope first, id last, the rest in record order; internal ones (version) in wide only
        Set<String> cols = new LinkedHashSet<>();
        cols.add("name");
        for (ObjectNode r : rows) {
            if (r.has("scope")) {
                cols.add("scope");
            }
        }
        for (ObjectNode r : rows) {
            for (Iterator<String> it = r.fieldNames(); it.hasNext(); ) {
                String c = it.next();
                if (!c.equals("id") && (wide || !c.equals("version"))) {
                    cols.add(c);
                }
            }
        }
        List<String> shown = new ArrayList<>(cols);
        if (!wide && shown.size() > TABLE_COLUMNS) {
            shown = new ArrayList<>(shown.subList(0, TABLE_COLUMNS));
        }
        shown.add("id");
        int limit = wide ? Integer.MAX_VALUE : MAX_CELL;
        List<String[]> cells = new ArrayList<>();
        int[] width = new int[shown.size()];
        String[] head = new String[shown.size()];
        for (int i = 0; i < shown.size(); i++) {
            head[i] = shown.get(i).toUpperCase(Locale.ROOT);
            width[i] = head[i].length();
        }
        for (ObjectNode r : rows) {
            String[] line = new String[shown.size()];
            for (int i = 0; i < shown.size(); i++) {
                line[i] = cell(r.get(shown.get(i)), limit);
                width[i] = Math.max(width[i], line[i].length());
            }
            cells.add(line);
        }
        printRow(out, head, width);
        for (String[] line : cells) {
            printRow(out, line, width);
        }
    }

    private static void printRow(PrintWriter out, String[] cells, int[] width) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            sb.append(cells[i]);
            if (i < cells.length - 1) {
                sb.append(" ".repeat(width[i] - cells[i].length() + 2));
            }
        }
        out.println(sb.toString().stripTrailing());
    }

    static String cell(JsonNode v, int limit) {
        String s;
        if (v == null || v.isNull() || v.isMissingNode()) {
            s = "-";
        } else if (v.isArray()) {
            List<String> parts = new ArrayList<>();
            for (JsonNode e : v) {
                parts.add(e.isObject() ? compact(e) : e.asText());
            }
            s = String.join(",", parts);
        } else if (v.isObject()) {
            s = compact(v);
        } else {
            s = v.asText();
        }
        return s.length() > limit ? s.substring(0, limit - 3) + "..." : s;
    }

    /** {@code {collector: c1, weight: 3}} as {@code c1:3}, {@code {id, name}} as the name, others as k=v pairs. */
    private static String compact(JsonNode o) {
        if (o.has("name") && o.has("id")) {
            return o.path("name").asText();
        }
        if (o.size() == 2 && o.has("collector") && o.has("weight")) {
            return o.path("collector").asText() + ":" + o.path("weight").asText();
        }
        List<String> parts = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            parts.add(e.getKey() + "=" + e.getValue().asText());
        }
        return String.join(" ", parts);
    }
}
