package org.secmon.dataplane.source;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.testkit.CaptureWriter;
import org.secmon.testkit.FrameBuilder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SourcesTest {
    @TempDir
    Path dir;

    @Test
    void parsesACaptureFileAndADpdkPortNamedByItsEalArguments() {
        assertEquals(new Sources.CaptureFile(Path.of("/tmp/a b.pcap"), Long.MAX_VALUE),
                Sources.parse("pcap:/tmp/a b.pcap"));
        Sources.DpdkDevice vdev = (Sources.DpdkDevice) Sources.parse(
                "dpdk:--no-huge --no-pci  --vdev net_pcap0,rx_pcap=/tmp/x.pcap,infinite_rx=1");
        assertEquals(List.of("--no-huge", "--no-pci", "--vdev", "net_pcap0,rx_pcap=/tmp/x.pcap,infinite_rx=1"),
                vdev.eal());
        assertEquals("net_pcap0", vdev.device(), "EAL creates the device: the port is opened by name");
        assertEquals(0, vdev.idleEndMillis(), "a live port never ends by itself");
        assertEquals("0000:00:04.0", ((Sources.DpdkDevice) Sources.parse("dpdk:-a 0000:00:04.0")).device());
        assertEquals("0000:00:05.0", ((Sources.DpdkDevice) Sources.parse("dpdk:--allow 0000:00:05.0")).device());
    }

    @Test
    void badSpecificationsAreNamedWithTheFormExpected() {
        IllegalArgumentException noPort = assertThrows(IllegalArgumentException.class,
                () -> Sources.parse("dpdk:--no-huge --no-pci"));
        assertTrue(noPort.getMessage().contains("--vdev") && noPort.getMessage().contains("-a PCI-ADDRESS"),
                noPort.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> Sources.parse("eth0"));
        assertEquals("--source must be pcap:FILE or dpdk:EAL-ARGS, not 'eth0'", unknown.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> Sources.open(new Sources.CaptureFile(dir.resolve("none.pcap"), 1), 0, 32));
        assertTrue(missing.getMessage().endsWith("none.pcap: no such file or not readable"), missing.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Sources.CaptureFile(dir.resolve("x.pcap"), 0));
    }

    @Test
    void aCaptureOpensWithItsOwnTimestampsOrPacedWithTheReaderStillReachable() throws IOException {
        Path f = dir.resolve("c.pcap");
        try (CaptureWriter w = new CaptureWriter(f)) {
            for (int i = 0; i < 10; i++) {
                w.write(FrameBuilder.udp("10.0.0.1", "10.0.0.2", 1000 + i, 53).build(), 1_000_000_000L * (i + 1));
            }
        }
        try (Sources.Opened o = Sources.open(new Sources.CaptureFile(f, 2), 0, 32)) {
            assertSame(o.capture(), o.source(), "unpaced: the reader itself, capture time");
            assertTrue(o.capture().progress() < 0.05, "nothing read but the file header: " + o.capture().progress());
            assertTrue(o.source().captureTime());
            assertNull(o.port());
            int n = 0;
            Burst b = new Burst(32);
            for (int got; (got = o.source().poll(b)) != PacketSource.END_OF_STREAM; ) {
                n += got;
                o.source().release(b);
            }
            assertEquals(20, n, "two loops of ten");
            assertEquals(20, o.capture().records());
            assertEquals(1.0, o.capture().progress(), "both loops read");
        }
        try (Sources.Opened o = Sources.open(new Sources.CaptureFile(f, 1), 5000, 4)) {
            assertInstanceOf(PacedSource.class, o.source());
            assertTrue(o.source().describe().endsWith(" at 5,000 packets/s"), o.source().describe());
            assertEquals(0, o.capture().records(), "the reader under the pacing, for its counts");
        }
        try (Sources.Opened o = Sources.open(Sources.parse("pcap:" + f), 0, 32)) {
            assertEquals(-1.0, o.capture().progress(), "looped for ever: no progress to show");
        }
    }
}
