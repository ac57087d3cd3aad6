package org.secmon.plugin;

import java.util.List;
import java.util.Objects;

/**
 * A plugin's answer to a {@link SecmonPlugin#query query}: named columns and rows of values (strings and numbers;
 * the CLI right-aligns and groups numbers), plus a one-line note (e.g. "top 10 of 1,234 flows by bytes"), and
 * {@code total}: how many items the rows were chosen from (the flows in a cache), -1 when not counted — so that the
 * answers of a plugin's per-queue instances add up ({@link SecmonPlugin#merge}) without reading the note.
 */
public record Table(String note, List<String> columns, List<List<Object>> rows, long total) {
    /** A table whose rows are all there is to say (no total counted). */
    public Table(String note, List<String> columns, List<List<Object>> rows) {
        this(note, columns, rows, -1);
    }

    public Table {
        Objects.requireNonNull(columns, "columns");
        columns = List.copyOf(columns);
        rows = List.copyOf(rows);
        for (List<Object> r : rows) {
            if (r.size() != columns.size()) {
                throw new IllegalArgumentException("a row has " + r.size() + " values for " + columns.size()
                        + " columns");
            }
        }
        note = note == null ? "" : note;
        if (total < -1) {
            throw new IllegalArgumentException("total must be -1 (not counted) or more, not " + total);
        }
    }
}
