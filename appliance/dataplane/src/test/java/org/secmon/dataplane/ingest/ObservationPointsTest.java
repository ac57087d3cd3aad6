package org.secmon.dataplane.ingest;

import java.lang.foreign.MemorySegment;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.secmon.dataplane.parse.LinkTypes;
import org.secmon.dataplane.parse.ParsedPacket;
import org.secmon.plugin.Packet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ObservationPointsTest {
    private static final MemorySegment FRAME = MemorySegment.ofArray(new byte[128]);

    /** A packet that came through tunnel {@code type} {@code id} from 192.0.2.{@code host}. */
    private static ParsedPacket tunnelled(int type, int host, long id) {
        ParsedPacket p = new ParsedPacket().wrap(FRAME, 0, 128, 128, 0, 0);
        p.ipVersion(4).ipv4Addresses(0xC0000200 | host, 0x0A000001);
        p.enterTunnel(50, LinkTypes.ETHERNET, 78, 78, type, id);
        return p;
    }

    @Test
    void countsEachTunnelSourceApart() {
        ObservationPoints points = new ObservationPoints(64);
        for (int round = 0; round < 3; round++) {
            for (int host = 1; host <= 16; host++) {
                points.count(tunnelled(Packet.TUNNEL_ERSPAN_II, host, 7), 100 + host);
            }
            points.count(tunnelled(Packet.TUNNEL_VXLAN, 1, 7), 60); // same source and id, another tunnel type
            points.count(tunnelled(Packet.TUNNEL_ERSPAN_II, 1, 8), 70); // same source, another session
        }
        List<ObservationPoints.Point> seen = points.snapshot().stream()
                .sorted(Comparator.comparing(ObservationPoints.Point::describe)).toList();
        assertEquals(18, seen.size(), seen.toString());
        for (ObservationPoints.Point pt : seen) {
            assertEquals(3, pt.packets(), pt.describe());
        }
        ObservationPoints.Point host5 = seen.stream().filter(pt -> pt.describe().equals("erspan-ii 192.0.2.5 session 7"))
                .findFirst().orElseThrow(() -> new AssertionError(seen.toString()));
        assertEquals(3 * 105, host5.bytes());
        assertEquals(0, points.overflow());
    }

    @Test
    void pointsBeyondCapacityAreCountedAsOverflow() {
        ObservationPoints points = new ObservationPoints(4);
        for (int id = 0; id < 10; id++) {
            points.count(tunnelled(Packet.TUNNEL_VXLAN, 1, id), 60);
        }
        assertEquals(4, points.snapshot().size());
        assertEquals(6, points.overflow());
    }

    /** A reader on another thread sees whole keys: never a point whose source or id is still being written. */
    @Test
    void aConcurrentReaderSeesWholePoints() throws Exception {
        ObservationPoints points = new ObservationPoints(1024);
        AtomicReference<String> bad = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            for (int k = 0; k < 2_000 && bad.get() == null; k++) {
                for (ObservationPoints.Point pt : points.snapshot()) {
                    // each point's id is its host: a half-written slot would break the pairing
                    if (pt.id() != (pt.srcLo() & 0xff) || pt.tunnelType() != Packet.TUNNEL_GENEVE) {
                        bad.set(pt.toString());
                    }
                }
            }
        });
        reader.start();
        for (int round = 0; round < 200; round++) {
            for (int host = 1; host <= 200; host++) {
                points.count(tunnelled(Packet.TUNNEL_GENEVE, host, host), 64);
            }
        }
        reader.join();
        assertNull(bad.get());
        long total = points.snapshot().stream().mapToLong(ObservationPoints.Point::packets).sum();
        assertEquals(200 * 200, total);
        assertTrue(points.snapshot().stream().allMatch(pt -> pt.bytes() == 64 * pt.packets()));
    }
}
