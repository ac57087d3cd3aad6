package org.secmon.tools.replay;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.testkit.CaptureWriter;
import org.secmon.testkit.TrafficGenerator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReplayCommandTest {
    @TempDir
    Path dir;

    @Test
    void summaryMatchesTheGeneratedCapture() throws Exception {
        Path f = dir.resolve("t.pcap");
        TrafficGenerator.Expected exp = TrafficGenerator.generate(f, 600, 6, 3, true,
                CaptureWriter.Format.PCAP_BE_NANOS);
        ReplayCommand.Summary r = ReplayCommand.replay("--pcap", f.toString(), "--plugins",
                Files.createDirectories(dir.resolve("p")).toString(),
                "--loop", "2");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(2 * exp.packets(), r.records());
        assertEquals(2 * exp.goodPackets(), r.packets());
        assertEquals(2 * exp.malformed(), r.malformed());
        assertEquals(2 * exp.goodPackets(), r.plugin("count").received());
        assertEquals(2 * exp.nonIp(), r.counter("count", "non_ip"));
        assertTrue(r.malformedByReason().containsKey("ethernet_truncated"), r.out());
    }

    @Test
    void rulesFromConfigFilterAndTruncate() throws Exception {
        Path f = dir.resolve("t.pcap");
        TrafficGenerator.generate(f, 240, 4, 5, false, CaptureWriter.Format.PCAP_LE_MICROS);
        Path cfg = dir.resolve("c.yaml");
        Files.writeString(cfg, """
                plugins:
                  count:
                    mode: ring
                    rules:
                      - priority: 1
                        protocol: udp
                        action: forward
                        truncate_to_size: 50
                """);
        ReplayCommand.Summary r = ReplayCommand.replay("--pcap", f.toString(), "--config", cfg.toString(), "--plugins", dir.toString());
        assertEquals(0, r.exitCode(), r.err() + r.out());
        long received = r.plugin("count").received();
        assertEquals(org.secmon.plugin.DeliveryMode.RING.toString(), r.plugin("count").mode());
        assertEquals(1, r.plugin("count").rules());
        long udp = r.counter("count", "udp");
        assertEquals(received, udp, "only UDP passes");
        assertEquals(0, r.counter("count", "tcp"));
        assertEquals(50 * received, r.counter("count", "delivered_bytes"), "every packet truncated to 50 bytes");
        assertTrue(r.plugin("count").filtered() > 0);
    }

    @Test
    void clearErrors() throws Exception {
        ReplayCommand.Summary r = ReplayCommand.replay("--pcap", dir.resolve("missing.pcap").toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("missing.pcap: no such file"), r.err());

        Path notCapture = dir.resolve("x.pcap");
        Files.writeString(notCapture, "definitely not a capture");
        r = ReplayCommand.replay("--pcap", notCapture.toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("not a pcap or pcapng file"), r.err());

        Path f = dir.resolve("t.pcap");
        TrafficGenerator.generate(f, 10, 2, 1, false, CaptureWriter.Format.PCAP_LE_MICROS);
        Path cfg = dir.resolve("bad.yaml");
        Files.writeString(cfg, "plugins:\n  count:\n    rules:\n      - dst_port: 70000\n");
        r = ReplayCommand.replay("--pcap", f.toString(), "--config", cfg.toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("plugin 'count' rule 1: dst_port:"), r.err());

        Files.writeString(cfg, "plugins:\n  count:\n    rules:\n      - src_ip: 10.0.0.0/8\n        colour: red\n");
        r = ReplayCommand.replay("--pcap", f.toString(), "--config", cfg.toString());
        assertTrue(r.err().contains("unknown field 'colour'"), r.err());

        Files.writeString(cfg, "plugins: [unclosed");
        r = ReplayCommand.replay("--pcap", f.toString(), "--config", cfg.toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("not valid YAML/JSON"), r.err());

        r = ReplayCommand.replay("--pcap", f.toString(), "--source", "carrier-pigeon");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--source must be pcap or dpdk"), r.err());
    }

    @Test
    void dpdkSourceGivesTheSameCountsWhenAvailable() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(org.secmon.dataplane.dpdk.Dpdk.isAvailable(),
                "DPDK unavailable: " + org.secmon.dataplane.dpdk.Dpdk.availability().reason());
        Path f = dir.resolve("d.pcap");
        TrafficGenerator.Expected exp = TrafficGenerator.generate(f, 300, 5, 9, true,
                CaptureWriter.Format.PCAP_LE_MICROS);
        ReplayCommand.Summary r = ReplayCommand.replay("--pcap", f.toString(), "--source", "dpdk", "--plugins", dir.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(exp.goodPackets(), r.packets());
        assertEquals(exp.malformed(), r.malformed());
    }
}
