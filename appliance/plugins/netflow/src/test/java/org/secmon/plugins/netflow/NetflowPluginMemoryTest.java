package org.secmon.plugins.netflow;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.plugin.PluginConfig;
import org.secmon.testkit.TestPluginContext;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A flow cache larger than the heap: the plugin does not start, and says why and what to do — not a bare
 * OutOfMemoryError (the image test's 2 GB appliance with the default 2,000,000 flows failed that way).
 */
class NetflowPluginMemoryTest {
    @Test
    void aCacheThatDoesNotFitTheHeapIsRefusedWithTheFigures(@TempDir Path dir) throws Exception {
        long maxHeap = Runtime.getRuntime().maxMemory();
        int flows = 100_000_000; // 12.8 GB of records alone: above this JVM's heap
        org.junit.jupiter.api.Assumptions.assumeTrue(maxHeap < 12L << 30, "a heap of 12 GB or more holds it");
        NetflowPlugin p = new NetflowPlugin();
        p.init(new TestPluginContext("netflow", dir));
        p.configure(PluginConfig.of(Map.of("collectors", List.of(Map.of("name", "c", "address", "127.0.0.1",
                "port", 2055, "type", "netflow")), "max_flows", flows)));
        IllegalStateException e = assertThrows(IllegalStateException.class, p::start);
        assertEquals(NetflowPlugin.tooLarge(flows, maxHeap), e.getMessage());
        assertTrue(e.getMessage().startsWith("max_flows 100,000,000: the flow cache (about 17,166 MB) does not fit"),
                e.getMessage());
        assertTrue(e.getMessage().contains("lower max_flows"), e.getMessage());
        p.stop();
    }
}
