package org.secmon.plugin;

import java.util.List;
import java.util.Objects;

/**
 * A plugin's answer to a {@link SecmonPlugin#query query}: named columns and rows of values (strings and numbers;
 * the CLI right-aligns and groups numbers), plus a one-line note (e.g. "top 10 of 1,234 flows by bytes").
 */
public record Table(String note, List<String> columns, List<List<Object>> rows) {
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
    }
}
