package org.secmon.tools.replay;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.testkit.CaptureWriter;
import org.secmon.testkit.FrameBuilder;
import org.secmon.testkit.Nfcapd;
import org.secmon.testkit.Tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The same capture through softflowd and through SecMon, both exporting NetFlow v9 to their own nfcapd with the
 * same timeouts: nfdump must show the same flows with the same packets, bytes and TCP flags.
 * <p>
 * The capture holds what softflowd handles like we do: IPv4/IPv6 TCP (SYN..FIN), UDP and ICMP echo, some in an
 * 802.1Q VLAN, frames of at least 60 bytes. Where softflowd differs (documented in docs/netflow.md): it counts
 * Ethernet padding of short frames as IP bytes, reports SCTP without ports, and skips 802.1ad (QinQ) frames.
 */
class SoftflowdComparisonTest {
    @TempDir
    Path dir;

    static void capture(Path file, int flows) throws Exception {
        SplittableRandom rnd = new SplittableRandom(99);
        long ts = 1_700_000_000_000_000_000L;
        try (CaptureWriter w = new CaptureWriter(file, CaptureWriter.Format.PCAP_LE_MICROS, 65535)) {
            for (int f = 0; f < flows; f++) {
                int kind = f % 6;
                boolean v6 = kind == 3 || kind == 4;
                String src = v6 ? "2001:db8:1::" + Integer.toHexString(f + 1) : "10.1." + (f >> 8) + "." + (f & 255);
                String dst = v6 ? "2001:db8:2::" + Integer.toHexString(f % 50 + 1) : "192.0.2." + (f % 50 + 1);
                int sport = 1024 + rnd.nextInt(60000);
                int dport = f % 3 == 0 ? 443 : 1 + rnd.nextInt(65535);
                FrameBuilder b = switch (kind) {
                    case 0, 3 -> FrameBuilder.tcp(src, dst, sport, dport);
                    case 1, 4 -> FrameBuilder.udp(src, dst, sport, dport);
                    case 2 -> {
                        FrameBuilder x = FrameBuilder.tcp(src, dst, 0, 0);
                        x.protocol = 1;
                        x.icmpType = 8;
                        yield x;
                    }
                    default -> FrameBuilder.udp(src, dst, sport, dport).vlans(100 + f % 50);
                };
                int n = 1 + rnd.nextInt(20);
                for (int i = 0; i < n; i++) {
                    b.payload(20 + rnd.nextInt(300));
                    if (b.protocol == 6) {
                        b.flags(i == 0 ? 0x02 : i == n - 1 ? 0x11 : 0x18);
                    }
                    ts += 1_000 + rnd.nextInt(200_000);
                    w.write(b.build(), ts);
                }
            }
        }
    }

    @Test
    void sameFlowsAsSoftflowd() throws Exception {
        Path softflowd = Tools.require("softflowd");
        Path pcap = dir.resolve("cmp.pcap");
        capture(pcap, 2400);

        Path ours;
        try (Nfcapd nf = new Nfcapd(dir.resolve("ours"), 0)) {
            ReplayCommand.Summary r = ReplayCommand.replay("--pcap", pcap.toString(), "--netflow",
                    "127.0.0.1:" + nf.port, "--active-timeout", "60", "--inactive-timeout", "120", "--plugins",
                    NetflowExportTest.PLUGINS.toString(), "--no-count");
            assertEquals(0, r.exitCode(), r.out() + r.err());
            Thread.sleep(200);
            ours = nf.stop();
        }
        // softflowd sends its whole cache at the end of the file without pacing; if nfcapd's socket overflowed
        // (nfdump reports sequence failures in softflowd's stream), run softflowd again
        Path theirs = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            try (Nfcapd nf = new Nfcapd(dir.resolve("softflowd" + attempt), 0)) {
                // -D: foreground, v6 tracking, exits at the end of the file (with -c/-p it waits forever on 1.1.0)
                Nfcapd.run(List.of(softflowd.toString(), "-r", pcap.toString(), "-n", "127.0.0.1:" + nf.port, "-v",
                        "9", "-D", "-m", "100000", "-t", "maxlife=60", "-t", "general=120"));
                Thread.sleep(200);
                theirs = nf.stop();
            }
            if ("0".equals(Nfcapd.stats(theirs).get("Sequence failures"))) {
                break;
            }
        }
        Map<String, Nfcapd.Flow> a = Nfcapd.flows(ours);
        Map<String, Nfcapd.Flow> b = Nfcapd.flows(theirs);
        assertTrue(b.size() > 2000, "softflowd exported " + b.size() + " flows");
        List<String> diff = new ArrayList<>();
        TreeSet<String> keys = new TreeSet<>(a.keySet());
        keys.addAll(b.keySet());
        for (String k : keys) {
            Nfcapd.Flow x = a.get(k);
            Nfcapd.Flow y = b.get(k);
            if (x == null || y == null || x.packets() != y.packets() || x.bytes() != y.bytes()
                    || x.tcpFlags() != y.tcpFlags()) {
                diff.add(k + ": secmon " + x + " softflowd " + y);
            }
        }
        if (!diff.isEmpty()) {
            fail(diff.size() + " of " + keys.size() + " flows differ, e.g. " + diff.subList(0, Math.min(6,
                    diff.size())));
        }
        assertEquals("0", Nfcapd.stats(ours).get("Sequence failures"));
    }
}
