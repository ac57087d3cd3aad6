package org.secmon.ems.server;

import java.lang.ref.WeakReference;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stopped EMS's metrics let go of what their callbacks read (the repository, the notifier): JvmMetrics keeps every
 * registry it is given forever, which once kept every EMS of the system tests alive until the JVM ran out of heap.
 */
class MetricsLeakTest {
    @Test
    void metricsDoNotOutliveTheirEms() throws Exception {
        WeakReference<Object> held = registerAndDrop();
        for (int i = 0; i < 50 && held.get() != null; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertNull(held.get(), "the metrics' callback state is still reachable after the metrics were dropped");
    }

    private static WeakReference<Object> registerAndDrop() {
        byte[] state = new byte[1 << 20]; // what a gauge reads, e.g. the notifier
        Metrics m = new Metrics(List.of("/api/v1/x"));
        m.gauge("secmon_test_gauge", "test", () -> state.length);
        assertTrue(new String(m.render(), java.nio.charset.StandardCharsets.UTF_8).contains("jvm_"));
        return new WeakReference<>(state);
    }
}
