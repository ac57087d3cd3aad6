package org.secmon.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.fail;

/** Compares per-flow {packets, bytes} maps and reports a short, readable difference. */
public final class FlowAssert {
    private FlowAssert() {
    }

    public static void assertSameFlows(Map<String, long[]> expected, Map<String, long[]> actual, String label) {
        List<String> missing = new ArrayList<>();
        List<String> extra = new ArrayList<>();
        List<String> differ = new ArrayList<>();
        TreeSet<String> keys = new TreeSet<>(expected.keySet());
        keys.addAll(actual.keySet());
        for (String k : keys) {
            long[] e = expected.get(k);
            long[] a = actual.get(k);
            if (a == null) {
                missing.add(k + "=" + e[0] + "/" + e[1]);
            } else if (e == null) {
                extra.add(k + "=" + a[0] + "/" + a[1]);
            } else if (e[0] != a[0] || e[1] != a[1]) {
                differ.add(k + " expected " + e[0] + "/" + e[1] + " got " + a[0] + "/" + a[1]);
            }
        }
        if (missing.isEmpty() && extra.isEmpty() && differ.isEmpty()) {
            return;
        }
        fail(String.format("%s: %d expected flows, %d actual; %d missing %s, %d extra %s, %d differ %s", label,
                expected.size(), actual.size(), missing.size(), head(missing), extra.size(), head(extra),
                differ.size(), head(differ)));
    }

    private static List<String> head(List<String> l) {
        return l.subList(0, Math.min(5, l.size()));
    }
}
