package org.secmon.agent;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.dataplane.testdata.CaptureWriter;
import org.secmon.dataplane.testdata.TrafficGenerator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReplayCommandTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
        long number(String regex) {
            Matcher m = Pattern.compile(regex).matcher(out);
            assertTrue(m.find(), "no match for " + regex + " in:\n" + out);
            return Long.parseLong(m.group(1).replace(",", ""));
        }
    }

    Run replay(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code = ReplayCommand.run(args, new PrintStream(o, true, StandardCharsets.UTF_8),
                new PrintStream(e, true, StandardCharsets.UTF_8));
        return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    @Test
    void summaryMatchesTheGeneratedCapture() throws Exception {
        Path f = dir.resolve("t.pcap");
        TrafficGenerator.Expected exp = TrafficGenerator.generate(f, 600, 6, 3, true,
                CaptureWriter.Format.PCAP_BE_NANOS);
        Run r = replay("--pcap", f.toString(), "--plugins", Files.createDirectories(dir.resolve("p")).toString(),
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
        Run r = replay("--pcap", f.toString(), "--config", cfg.toString(), "--plugins", dir.toString());
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
        Run r = replay("--pcap", dir.resolve("missing.pcap").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("missing.pcap: no such file"), r.err());

        Path notCapture = dir.resolve("x.pcap");
        Files.writeString(notCapture, "definitely not a capture");
        r = replay("--pcap", notCapture.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("not a pcap or pcapng file"), r.err());

        Path f = dir.resolve("t.pcap");
        TrafficGenerator.generate(f, 10, 2, 1, false, CaptureWriter.Format.PCAP_LE_MICROS);
        Path cfg = dir.resolve("bad.yaml");
        Files.writeString(cfg, "plugins:\n  count:\n    rules:\n      - dst_port: 70000\n");
        r = replay("--pcap", f.toString(), "--config", cfg.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("plugin 'count' rule 1: dst_port:"), r.err());

        Files.writeString(cfg, "plugins:\n  count:\n    rules:\n      - src_ip: 10.0.0.0/8\n        colour: red\n");
        r = replay("--pcap", f.toString(), "--config", cfg.toString());
        assertTrue(r.err().contains("unknown field 'colour'"), r.err());

        Files.writeString(cfg, "plugins: [unclosed");
        r = replay("--pcap", f.toString(), "--config", cfg.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("not valid YAML/JSON"), r.err());

        r = replay("--pcap", f.toString(), "--source", "carrier-pigeon");
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
        Run r = replay("--pcap", f.toString(), "--source", "dpdk", "--plugins", dir.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(exp.goodPackets(), r.number("packets\\s+([\\d,]+)"));
        assertEquals(exp.malformed(), r.number("malformed\\s+([\\d,]+)"));
    }
}
