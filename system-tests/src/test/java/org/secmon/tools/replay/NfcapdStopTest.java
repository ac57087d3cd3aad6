package org.secmon.tools.replay;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.testkit.Nfcapd;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The test kit's nfcapd keeps every datagram an exporter sent before the test stopped it. nfcapd leaves its socket
 * unread when SIGTERM comes (measured: 694 datagrams queued, 0 flows in the file), so a stop right after an
 * exporter's last datagram lost it now and then under load (CI: HitlessReconfigurationTest, 362 packets short).
 * Here nfcapd is paused while SecMon exports, and resumed only after the stop has begun: every flow must still be in
 * the file.
 */
class NfcapdStopTest {
    @TempDir
    Path dir;

    @Test
    void datagramsQueuedAtTheStopAreKept() throws Exception {
        Path pcap = dir.resolve("flows.pcap");
        SoftflowdComparisonTest.capture(pcap, 600);
        try (Nfcapd nf = new Nfcapd(dir.resolve("nfcapd"), 0)) {
            signal("STOP", nf.pid());
            ReplayCommand.Summary r = ReplayCommand.replay("--pcap", pcap.toString(), "--netflow",
                    "127.0.0.1:" + nf.port, "--plugins", NetflowExportTest.PLUGINS.toString(), "--no-count");
            assertEquals(0, r.exitCode(), r.out() + r.err());
            long exported = r.counter("netflow", "records_exported");
            assertEquals(600, exported, r.out());
            Thread resume = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(300); // the stop below has begun by then
                    signal("CONT", nf.pid());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Path file = nf.stop();
            resume.join();
            assertEquals(Long.toString(exported), Nfcapd.stats(file).get("Flows"),
                    "flows in nfcapd's file; its log: " + nf.logText());
        }
    }

    private static void signal(String sig, long pid) throws Exception {
        Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start();
        assertEquals(0, p.waitFor(), "kill -" + sig + " " + pid);
    }
}
