package org.secmon.agent;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.dataplane.agent.AgentRunner;
import org.secmon.dataplane.agent.IdleStrategy;
import org.secmon.dataplane.filter.Rule;
import org.secmon.dataplane.host.LoadedPlugin;
import org.secmon.dataplane.host.PluginHost;
import org.secmon.dataplane.host.PluginSetup;
import org.secmon.dataplane.host.RxAgent;
import org.secmon.dataplane.host.RxQueues;
import org.secmon.dataplane.ingest.Ingest;
import org.secmon.dataplane.source.Sources;
import org.secmon.plugin.PluginConfig;
import org.secmon.plugin.PluginState;
import org.secmon.plugin.Table;
import org.secmon.testkit.Await;
import org.secmon.testkit.CaptureWriter;
import org.secmon.testkit.FrameBuilder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The NetFlow plugin (from its jar, as the agent loads it) on two rx queues of a looping capture: an instance per
 * queue, and {@code show flows top N} — {@link LoadedPlugin#query} — answers from both queues' caches at once: every
 * flow of the capture exactly once, largest first, the note counting the flows of both caches; the counters are
 * the sum of both instances'.
 */
class QueueLocalPluginsTest {
    @TempDir
    Path dir;

    @Test
    void showFlowsTopMergesTheQueuesCaches() throws Exception {
        // UDP flows only: none ends (no FIN or RST), so once the capture looped every flow sits in one queue's cache
        Path pcap = dir.resolve("flows.pcap");
        int want = 300;
        long packets = 0;
        try (CaptureWriter w = new CaptureWriter(pcap, CaptureWriter.Format.PCAP_LE_NANOS, 65535)) {
            long ts = 1_700_000_000_000_000_000L;
            for (int round = 0; round < 4; round++) {
                for (int f = 0; f < want; f++) {
                    if (round > f % 4) {
                        continue; // flows of 1 to 4 packets
                    }
                    w.write(FrameBuilder.udp("10.2." + (f / 200) + "." + (f % 200 + 1), "192.0.2.9", 30_000 + f, 53)
                            .payload(f % 97).build(), ts += 1_000);
                    packets++;
                }
            }
        }
        long loop = packets;
        try (DatagramSocket sink = new DatagramSocket(0, InetAddress.getLoopbackAddress());
             RxQueues rx = RxQueues.open(new Sources.CaptureFile(pcap, Long.MAX_VALUE), 2, 20_000, 32,
                     Ingest.NONE);
             PluginHost host = new PluginHost(rx.agents(), Path.of("target/plugins"), dir.resolve("state"))) {
            host.requireSetup(true);
            host.setup("netflow", PluginSetup.defaults().withRules(List.of(Rule.forwardAll())).withConfig(
                    PluginConfig.of(Map.of("collector", "127.0.0.1:" + sink.getLocalPort(),
                            "active_timeout", 600, "inactive_timeout", 600))));
            host.scan();
            LoadedPlugin nf = host.plugin("netflow");
            assertEquals(PluginState.STARTED, nf.state(), String.valueOf(nf.failure()));
            assertEquals(2, nf.instanceCount());
            List<AgentRunner> runners = new ArrayList<>();
            for (RxAgent a : rx.agents()) {
                runners.add(new AgentRunner(a, IdleStrategy.backoff(1_000_000)).start());
            }
            try {
                // one loop of the capture is ~1,100 packets per reader: after three, every flow is in a cache
                Await.until(Duration.ofSeconds(20), "three loops of the capture on both queues",
                        () -> rx.agents().stream().mapToLong(RxAgent::rxPackets).min().orElse(0),
                        n -> n > 3 * loop / 2);
                Table t = nf.query("flows", 100_000, 10_000);
                assertTrue(t.note().startsWith("top " + want + " of " + want + " flows"), t.note());
                assertTrue(t.note().endsWith("(2 rx queues)"), t.note());
                assertEquals(want, t.total(), "the queues' cache sizes add up");
                assertEquals(want, t.rows().size(), t.note());
                Set<String> seen = new HashSet<>();
                long last = Long.MAX_VALUE;
                int bytes = t.columns().indexOf("bytes");
                for (List<Object> r : t.rows()) {
                    assertTrue(seen.add(r.get(0) + " " + r.get(1) + " " + r.get(2)), "twice: " + r);
                    long b = ((Number) r.get(bytes)).longValue();
                    assertTrue(b <= last, "largest first: " + b + " after " + last);
                    last = b;
                }
                Table top = nf.query("flows", 5, 10_000);
                assertEquals(5, top.rows().size(), top.note());
                assertTrue(top.note().startsWith("top 5 of " + want + " flows"), top.note());
                Await.until(Duration.ofSeconds(5), "flows_active summed over the queues",
                        () -> nf.customCounters().get("flows_active"), n -> n == want);
            } finally {
                for (AgentRunner r : runners) {
                    r.close();
                }
            }
            assertEquals(rx.rxPackets(), nf.received() + nf.filtered(), "every packet of both queues to an instance");
        }
    }
}
