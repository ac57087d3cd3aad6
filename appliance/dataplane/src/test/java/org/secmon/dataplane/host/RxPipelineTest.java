package org.secmon.dataplane.host;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.dataplane.agent.AgentRunner;
import org.secmon.dataplane.agent.IdleStrategy;
import org.secmon.dataplane.parse.MalformedReason;
import org.secmon.dataplane.source.CaptureFileSource;
import org.secmon.dataplane.testdata.CaptureWriter;
import org.secmon.dataplane.testdata.FlowCountPlugin;
import org.secmon.dataplane.testdata.TrafficGenerator;
import org.secmon.plugin.DeliveryMode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A generated capture through the whole rx path: per-flow counts equal what the generator wrote. */
class RxPipelineTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(DeliveryMode.class)
    void perFlowCountsMatchTheGenerator(DeliveryMode mode) throws Exception {
        Path f = dir.resolve("gen.pcapng");
        TrafficGenerator.Expected exp = TrafficGenerator.generate(f, 3000, 12, 7, true,
                CaptureWriter.Format.PCAPNG_LE);
        FlowCountPlugin plugin = new FlowCountPlugin("count", mode);
        try (CaptureFileSource src = new CaptureFileSource(f)) {
            RxAgent rx = new RxAgent("rx-p0q0", src, 32);
            try (PluginHost host = new PluginHost(List.of(rx), null, dir)) {
                host.register(plugin);
                AgentRunner runner = new AgentRunner(rx, IdleStrategy.busySpin()).start();
                assertTrue(runner.awaitFinished(60, TimeUnit.SECONDS));
                host.awaitRingsDrained(Duration.ofSeconds(30));
                assertTrue(plugin.ended, "end of stream reached the plugin");
                assertEquals(exp.packets(), src.records());
                assertEquals(exp.malformed(), rx.malformed());
                assertEquals(exp.goodPackets(), rx.rxPackets());
                assertEquals(exp.malformed(), rx.malformed(MalformedReason.ETHERNET_TRUNCATED)
                        + rx.malformed(MalformedReason.IPV4_BAD_VERSION)
                        + rx.malformed(MalformedReason.IPV4_BAD_TOTAL_LENGTH)
                        + rx.malformed(MalformedReason.TCP_BAD_DATA_OFFSET)
                        + rx.malformed(MalformedReason.IPV6_TRUNCATED)
                        + rx.malformed(MalformedReason.UDP_BAD_LENGTH));
                org.secmon.dataplane.testdata.FlowAssert.assertSameFlows(exp.flows(), plugin.flows, "flows");
                assertEquals(exp.goodPackets(), host.plugin("count").received());
                runner.close();
            }
        }
    }
}
