package org.secmon.tools.replay;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.testkit.Await;
import org.secmon.testkit.CaptureWriter;
import org.secmon.testkit.FrameBuilder;
import org.secmon.testkit.Ports;
import org.secmon.testkit.Tools;
import org.secmon.testkit.TunnelFrames;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Captures of every link type SecMon reads, made by the tools operators make them with — {@code tcpdump -i any}
 * (Linux cooked v1 and v2) in a network namespace, {@code text2pcap} (raw IP), Scapy (NULL in both byte orders, LOOP,
 * raw IPv4, PPPoE and MPLS on Ethernet) — through {@code secmon replay --netflow} into nfcapd: nfdump's flows equal the
 * flows tshark decodes from the same file. A pcapng file with an interface of a link type SecMon does not read is
 * refused with that interface named and a non-zero exit status, never read as zero packets.
 */
class LinkTypeCaptureTest {
    @TempDir
    Path dir;

    /** tshark's TCP/UDP flows of {@code pcap} against nfdump's after a replay. */
    private void replayedFlowsEqualTsharks(Path pcap) throws Exception {
        Map<String, long[]> want = TunnelIngestTest.transport(TunnelIngestTest.tsharkFlows(pcap, 1));
        assertFalse(want.isEmpty(), "tshark sees flows in " + pcap);
        TunnelIngestTest.Run run = TunnelIngestTest.replayInto(dir, pcap, "netflow");
        ReplayCommand.Summary s = run.summary();
        assertEquals(0, s.malformed(), s.out());
        Map<String, long[]> got = new TreeMap<>();
        for (com.fasterxml.jackson.databind.JsonNode n : run.records()) {
            long[] v = got.computeIfAbsent(TunnelIngestTest.key(n), k -> new long[2]);
            v[0] += n.get("in_packets").asLong();
            v[1] += n.get("in_bytes").asLong();
        }
        got = TunnelIngestTest.transport(got);
        assertEquals(want.keySet(), got.keySet(), pcap.getFileName() + ": the same flows");
        for (String k : want.keySet()) {
            assertEquals(want.get(k)[0], got.get(k)[0], pcap.getFileName() + ": packets of " + k);
            assertEquals(want.get(k)[1], got.get(k)[1], pcap.getFileName() + ": bytes of " + k);
        }
    }


    @Test
    void scapyCapturesOfNullLoopRawPppoeAndMpls() throws Exception {
        Path python = Tools.requirePython("scapy");
        Tools.Result gen = Tools.exec(List.of(python.toString(), Path.of("src/test/resources/scapy/linktypes.py")
                .toAbsolutePath().toString(), dir.toString()), 120);
        assertEquals(0, gen.exitCode(), gen.err());
        for (String name : List.of("null-le.pcap", "null-be.pcap", "loop.pcap", "ipv4.pcap", "pppoe.pcap",
                "mpls.pcap")) {
            replayedFlowsEqualTsharks(dir.resolve(name));
        }
    }

    @Test
    void text2pcapRawIp() throws Exception {
        Path text2pcap = Tools.require("text2pcap");
        StringBuilder hex = new StringBuilder();
        for (int k = 0; k < 6; k++) {
            FrameBuilder b = k % 2 == 0 ? FrameBuilder.udp("10.7.0." + k, "10.7.1.1", 1000 + k, 53).payload(10 + k)
                    : FrameBuilder.tcp("2001:db8::" + k, "2001:db8::ff", 1000 + k, 443).payload(k);
            byte[] ip = TunnelFrames.ipPacket(b);
            // od-style: an offset, then bytes; one packet per offset-0 block
            for (int i = 0; i < ip.length; i += 16) {
                hex.append(String.format("%06x", i));
                for (int j = i; j < Math.min(ip.length, i + 16); j++) {
                    hex.append(' ').append(HexFormat.of().toHexDigits(ip[j]));
                }
                hex.append('\n');
            }
        }
        Path txt = dir.resolve("raw.txt");
        Files.writeString(txt, hex);
        Path pcap = dir.resolve("raw.pcap");
        Tools.Result r = Tools.exec(List.of(text2pcap.toString(), "-l", "101", txt.toString(), pcap.toString()), 60);
        assertEquals(0, r.exitCode(), r.err());
        replayedFlowsEqualTsharks(pcap);
    }

    @Test
    void tcpdumpAnyInANamespaceLinuxCookedV1AndV2() throws Exception {
        Path tcpdump = Tools.require("tcpdump");
        Tools.require("ip");
        String ns = "smlt" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000));
        run("ip", "netns", "add", ns);
        try {
            run("ip", "-n", ns, "link", "set", "lo", "up");
            for (String type : List.of("LINUX_SLL", "LINUX_SLL2")) {
                Path pcap = dir.resolve(type + ".pcap");
                Path log = dir.resolve(type + ".log");
                Process p = new ProcessBuilder("ip", "netns", "exec", ns, tcpdump.toString(), "-i", "any", "-y", type,
                        "--immediate-mode", "-U", "-n", "-w", pcap.toString(), "udp or tcp").redirectErrorStream(true)
                        .redirectOutput(log.toFile()).start();
                try {
                    Await.started(p, log, "listening on", Duration.ofSeconds(20));
                    // UDP datagrams and a TCP connection attempt inside the namespace, IPv4 and IPv6, sent again
                    // until tcpdump has written at least 11 packets (its socket may start a moment after it says so)
                    int port = Ports.freeUdp();
                    Await.until(Duration.ofSeconds(20), "tcpdump wrote 11 packets to " + pcap, () -> {
                        run("ip", "netns", "exec", ns, "bash", "-c", "for i in 1 2 3 4 5; do echo hello$i"
                                + " > /dev/udp/127.0.0.1/" + port + "; echo v6$i > /dev/udp/::1/" + (port + 1)
                                + "; done 2>/dev/null; (echo x > /dev/tcp/127.0.0.1/" + (port + 2) + ") 2>/dev/null;"
                                + " true");
                        return packets(pcap);
                    }, n -> n >= 11);
                } finally {
                    p.destroy(); // SIGTERM: tcpdump writes what it has (-U: packet-buffered) and exits
                    p.waitFor(20, TimeUnit.SECONDS);
                }
                String linkType = Tools.exec(List.of("capinfos", "-E", pcap.toString()), 60).out();
                assertTrue(linkType.contains(type.equals("LINUX_SLL") ? "Linux cooked-mode capture v1"
                        : "Linux cooked-mode capture v2"), linkType);
                replayedFlowsEqualTsharks(pcap);
            }
        } finally {
            new ProcessBuilder("ip", "netns", "del", ns).start().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void pcapngWithAnInterfaceOfAnUnreadLinkTypeIsRefusedNamingIt() throws Exception {
        Path pcap = dir.resolve("wifi-and-ethernet.pcapng");
        try (CaptureWriter w = new CaptureWriter(pcap, CaptureWriter.Format.PCAPNG_LE, 65535, 127, 1)) {
            w.write(new byte[60], 1_000, 0); // 802.11 radiotap
            w.write(FrameBuilder.udp("10.0.0.1", "10.0.0.2", 1, 2).build(), 2_000, 1);
        }
        ReplayCommand.Summary s = ReplayCommand.replay("--pcap", pcap.toString(), "--plugins",
                TunnelIngestTest.PLUGINS.toString());
        assertEquals(5, s.exitCode(), s.out() + s.err());
        assertTrue(s.err().contains("interface 0 (IEEE802_11_RADIOTAP, link type 127)"), s.err());
        assertEquals(1, s.skippedRecords());
        assertEquals(1, s.packets(), "the Ethernet interface's packet is read");

        Path only = dir.resolve("wifi.pcapng");
        try (CaptureWriter w = new CaptureWriter(only, CaptureWriter.Format.PCAPNG_BE, 65535, 127)) {
            w.write(new byte[60], 1_000, 0);
        }
        ReplayCommand.Summary none = ReplayCommand.replay("--pcap", only.toString(), "--plugins",
                TunnelIngestTest.PLUGINS.toString());
        assertEquals(5, none.exitCode(), "never zero packets with status 0: " + none.out() + none.err());
    }

    private static long packets(Path pcap) throws Exception {
        String out = Tools.exec(List.of("capinfos", "-M", "-c", "-T", "-r", pcap.toString()), 60).out().trim();
        String[] f = out.split("\\s+");
        return f.length < 2 ? 0 : Long.parseLong(f[f.length - 1]);
    }

    private static void run(String... cmd) throws Exception {
        Tools.Result r = Tools.exec(new ArrayList<>(List.of(cmd)), 60);
        assertEquals(0, r.exitCode(), String.join(" ", cmd) + ": " + r.err());
    }
}
