package org.secmon.transport;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Numbers that must go on across a plugin's configurations — sequence numbers a collector checks — by key: a
 * collector's identity as its protocol sees it (address, port, source id...). Each configuration asks for the cells
 * of its collectors' keys: a key seen before gets its cell back, so the new instances number on where the old ones
 * are; a new key gets a new cell (zeros). Keys of earlier configurations are remembered too (a configuration that
 * failed to start must not make the running one's collectors start again later), up to {@value #MAX_REMEMBERED}.
 * A plugin keeps it in what the host keeps for it ({@code PluginContext.kept}); the cells are read and written under
 * the lock its numbering uses.
 */
public final class KeptNumbers {
    /** Keys remembered at most: beyond it, only the newest configuration's. */
    public static final int MAX_REMEMBERED = 1024;
    private final int width;
    private Map<String, long[]> byKey = new HashMap<>();

    /** @param width numbers per key (e.g. datagram, flow-sample and counter-sample sequences: 3) */
    public KeptNumbers(int width) {
        if (width < 1) {
            throw new IllegalArgumentException("width must be >= 1");
        }
        this.width = width;
    }

    /**
     * The cells of {@code keys}, in their order: one {@code long[width]} per key, the same array for a key asked for
     * before (and for a key given twice: one collector listed twice sees one sequence).
     */
    public synchronized long[][] cells(List<String> keys) {
        Map<String, long[]> now = new HashMap<>();
        long[][] cells = new long[keys.size()][];
        for (int i = 0; i < cells.length; i++) {
            String key = keys.get(i);
            long[] known = byKey.get(key);
            cells[i] = now.computeIfAbsent(key, k -> known != null ? known : new long[width]);
        }
        if (byKey.size() + now.size() <= MAX_REMEMBERED) {
            byKey.forEach(now::putIfAbsent);
        }
        byKey = now;
        return cells;
    }
}
