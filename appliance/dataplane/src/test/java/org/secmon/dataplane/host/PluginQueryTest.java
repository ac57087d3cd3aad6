package org.secmon.dataplane.host;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.secmon.dataplane.agent.AgentRunner;
import org.secmon.dataplane.agent.IdleStrategy;
import org.secmon.dataplane.source.Burst;
import org.secmon.dataplane.source.PacketSource;
import org.secmon.plugin.DeliveryMode;
import org.secmon.plugin.PluginState;
import org.secmon.plugin.Table;
import org.secmon.testkit.FlowCountPlugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Operator queries ({@code show flows top N}) are answered on the plugin's own data-plane thread. */
class PluginQueryTest {
    @TempDir
    Path dir;

    /** A live port with no traffic: the rx thread keeps polling (and polling its plugins) until stopped. */
    static final class Quiet implements PacketSource {
        public int poll(Burst b) {
            return 0;
        }

        public void release(Burst b) {
        }

        public boolean captureTime() {
            return false;
        }

        public String describe() {
            return "quiet";
        }

        public void close() {
        }
    }

    static final class Answering extends FlowCountPlugin {
        Answering(DeliveryMode mode) {
            super("asked", mode);
        }

        @Override
        public Table query(String topic, int limit) {
            return switch (topic) {
                case "thread" -> new Table("asked for " + limit, List.of("thread"),
                        List.of(List.of(Thread.currentThread().getName())));
                case "broken" -> throw new IllegalStateException("query bug");
                default -> null;
            };
        }
    }

    @ParameterizedTest
    @EnumSource(DeliveryMode.class)
    void theDataPlaneThreadAnswersAndErrorsDoNotFailThePlugin(DeliveryMode mode) throws Exception {
        Answering plugin = new Answering(mode);
        RxAgent rx = new RxAgent("rx-p0q0", new Quiet(), 32);
        try (PluginHost host = new PluginHost(List.of(rx), null, dir)) {
            host.register(plugin);
            LoadedPlugin lp = host.plugin("asked");
            AgentRunner runner = new AgentRunner(rx, IdleStrategy.backoff(1_000_000)).start();
            try {
                Table t = lp.query("thread", 7, 5000);
                assertEquals("asked for 7", t.note());
                String expected = mode == DeliveryMode.DIRECT ? "rx-p0q0" : "plugin-asked";
                assertEquals(expected, t.rows().getFirst().getFirst(), "answered on the data-plane thread");
                assertNull(lp.query("weather", 1, 5000), "an unknown topic has no answer");
                IllegalStateException e = assertThrows(IllegalStateException.class,
                        () -> lp.query("broken", 1, 5000));
                assertTrue(e.getMessage().contains("query bug"), e.getMessage());
                assertEquals(PluginState.STARTED, lp.state(), "a failing query does not fail the plugin");
                assertEquals("asked for 3", lp.query("thread", 3, 5000).note(), "and it answers again");
            } finally {
                runner.close();
            }
            if (mode == DeliveryMode.DIRECT) {
                IllegalStateException e = assertThrows(IllegalStateException.class,
                        () -> lp.query("thread", 1, 300));
                assertTrue(e.getMessage().contains("did not answer within 300 ms"), e.getMessage());
                IllegalStateException again = assertThrows(IllegalStateException.class,
                        () -> lp.query("thread", 1, 100));
                assertTrue(again.getMessage().contains("did not answer"), "the timed-out query was withdrawn: "
                        + again.getMessage());
            }
        }
    }
}
