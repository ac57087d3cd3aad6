package org.secmon.agent.metrics;

import java.lang.ref.WeakReference;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A stopped agent's metrics let go of its data plane: the collector holds the rx agent and the plugin host (flow
 * caches, rings), and JvmMetrics keeps every registry it is given forever.
 */
class AgentMetricsLeakTest {
    @Test
    void theRegistryDoesNotOutliveTheAgent() throws Exception {
        WeakReference<AgentMetrics> held = registerAndDrop();
        for (int i = 0; i < 50 && held.get() != null; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertNull(held.get(), "the agent's metrics (and the data plane they read) are still reachable");
    }

    private static WeakReference<AgentMetrics> registerAndDrop() {
        AgentMetrics m = new AgentMetrics(null, List::of, new AgentMetrics.AgentState() {
            public Long appliedVersion() {
                return null;
            }

            public boolean connected() {
                return false;
            }

            public long notifications() {
                return 0;
            }

            public long applies() {
                return 0;
            }

            public double applySeconds() {
                return 0;
            }

            public long emsErrors() {
                return 0;
            }

            public JsonNode ipsecState() {
                return null;
            }
        }, "test");
        m.registry();
        return new WeakReference<>(m);
    }
}
