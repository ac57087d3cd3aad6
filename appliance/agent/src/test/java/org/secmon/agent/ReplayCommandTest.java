package org.secmon.agent;

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
        Replays.Run r = Replays.replay("--pcap", f.toString(), "--plugins",
                Files.createDirectories(dir.resolve("p")).toString(),
                "--loop", "2");
        assertEquals(0, r.code(), r.err());
        assertEquals(2 * exp.packets(), r.number("records\\s+([\\d,]+)"));
        assertEquals(2 * exp.goodPackets(), r.number("packets\\s+([\\d,]+)"));
        assertEquals(2 * exp.malformed(), r.number("malformed\\s+([\\d,]+)"));
        assertEquals(2 * exp.goodPackets(), r.number("plugin count 1.0 STARTED \\(DIRECT, 0 rules\\): received ([\\d,]+)"));
        assertEquals(2 * exp.nonIp(), r.number("non_ip=(\\d+)"));
        assertTrue(r.out().contains("ethernet_truncated"), r.out());
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
        Replays.Run r = Replays.replay("--pcap", f.toString(), "--config", cfg.toString(), "--plugins", dir.toString());
        assertEquals(0, r.code(), r.err() + r.out());
        long received = r.number("RING, 1 rules\\): received ([\\d,]+)");
        long udp = r.number(" udp=(\\d+)");
        assertEquals(received, udp, "only UDP passes");
        assertEquals(0, r.number(" tcp=(\\d+)"));
        assertEquals(50 * received, r.number("delivered_bytes=(\\d+)"), "every packet truncated to 50 bytes");
        assertTrue(r.number("filtered ([\\d,]+)") > 0);
    }

    @Test
    void clearErrors() throws Exception {
        Replays.Run r = Replays.replay("--pcap", dir.resolve("missing.pcap").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("missing.pcap: no such file"), r.err());

        Path notCapture = dir.resolve("x.pcap");
        Files.writeString(notCapture, "definitely not a capture");
        r = Replays.replay("--pcap", notCapture.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("not a pcap or pcapng file"), r.err());

        Path f = dir.resolve("t.pcap");
        TrafficGenerator.generate(f, 10, 2, 1, false, CaptureWriter.Format.PCAP_LE_MICROS);
        Path cfg = dir.resolve("bad.yaml");
        Files.writeString(cfg, "plugins:\n  count:\n    rules:\n      - dst_port: 70000\n");
        r = Replays.replay("--pcap", f.toString(), "--config", cfg.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("plugin 'count' rule 1: dst_port:"), r.err());

        Files.writeString(cfg, "plugins:\n  count:\n    rules:\n      - src_ip: 10.0.0.0/8\n        colour: red\n");
        r = Replays.replay("--pcap", f.toString(), "--config", cfg.toString());
        assertTrue(r.err().contains("unknown field 'colour'"), r.err());

        Files.writeString(cfg, "plugins: [unclosed");
        r = Replays.replay("--pcap", f.toString(), "--config", cfg.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("not valid YAML/JSON"), r.err());

        r = Replays.replay("--pcap", f.toString(), "--source", "carrier-pigeon");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--source must be pcap or dpdk"), r.err());
    }

    @Test
    void dpdkSourceGivesTheSameCountsWhenAvailable() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(org.secmon.dataplane.dpdk.Dpdk.isAvailable(),
                "DPDK unavailable: " + org.secmon.dataplane.dpdk.Dpdk.availability().reason());
        Path f = dir.resolve("d.pcap");
        TrafficGenerator.Expected exp = TrafficGenerator.generate(f, 300, 5, 9, true,
                CaptureWriter.Format.PCAP_LE_MICROS);
        Replays.Run r = Replays.replay("--pcap", f.toString(), "--source", "dpdk", "--plugins", dir.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(exp.goodPackets(), r.number("packets\\s+([\\d,]+)"));
        assertEquals(exp.malformed(), r.number("malformed\\s+([\\d,]+)"));
    }
}
