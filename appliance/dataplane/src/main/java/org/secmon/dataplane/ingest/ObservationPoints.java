package org.secmon.dataplane.ingest;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

import org.secmon.plugin.Counter;
import org.secmon.plugin.Packet;
import org.secmon.plugin.PacketFormat;

/**
 * Packets and bytes per observation point — per terminated tunnel source (tunnel type, outer source address,
 * tunnel id) — of one rx thread: a fixed open-addressed table, written by the rx thread without allocation, read by
 * any thread for {@code show}, the EMS counters and replay's summary. Points beyond its capacity are counted
 * together as {@link #overflow()}.
 */
public final class ObservationPoints {
    public static final int DEFAULT_CAPACITY = 1024;
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int MAX_PROBES = 16;

    /** One point's counts, as read at one moment. */
    public record Point(int tunnelType, long srcHi, long srcLo, long id, long packets, long bytes) {
        /** E.g. {@code vxlan 192.0.2.1 vni 100}. */
        public String describe() {
            return PacketFormat.observationPoint(tunnelType, srcHi, srcLo, id);
        }
    }

    // one slot per point, STRIDE longs: type (0 = free), id, source lo, source hi, packets, bytes — one or two cache
    // lines for all a packet touches (six arrays took six lines, evicted between packets by the flow cache's)
    private static final int STRIDE = 8;
    private static final int TYPE = 0;
    private static final int ID = 1;
    private static final int LO = 2;
    private static final int HI = 3;
    private static final int PACKETS = 4;
    private static final int BYTES = 5;

    private final int mask;
    private final long[] slots;
    private final Counter overflow = new Counter("observation_points_overflow");

    public ObservationPoints(int capacity) {
        int n = Integer.highestOneBit(Math.max(2, capacity - 1)) << 1;
        mask = n - 1;
        slots = new long[n * STRIDE];
    }

    /** Count {@code p} (which arrived through a tunnel) with {@code length} bytes. Rx thread only. */
    public void count(Packet p, int length) {
        final int type = p.tunnelType();
        final long hi = p.tunnelSrcHi();
        final long lo = p.tunnelSrcLo();
        final long id = p.tunnelId();
        final long[] s = slots;
        long h = (hi * 0x9E3779B97F4A7C15L ^ lo) * 0xC2B2AE3D27D4EB4FL ^ (id + type) * 0x9E3779B97F4A7C15L;
        int i = (int) (h ^ (h >>> 29)) & mask;
        for (int probe = 0; probe < MAX_PROBES; probe++, i = (i + 1) & mask) {
            final int at = i * STRIDE;
            final long t = s[at + TYPE];
            if (t == 0) {
                s[at + ID] = id;
                s[at + LO] = lo;
                s[at + HI] = hi;
                VarHandle.releaseFence(); // the key before the type that marks the slot used
                s[at + TYPE] = type;
                add(s, at, length);
                return;
            }
            if (t == type && s[at + ID] == id && s[at + LO] == lo && s[at + HI] == hi) {
                add(s, at, length);
                return;
            }
        }
        overflow.increment();
    }

    private static void add(long[] s, int at, int length) {
        LONGS.setOpaque(s, at + PACKETS, s[at + PACKETS] + 1);
        LONGS.setOpaque(s, at + BYTES, s[at + BYTES] + length);
    }

    /** Packets of points beyond the table's capacity. */
    public long overflow() {
        return overflow.get();
    }

    /** Every point seen, with its counts (any thread; counts are read one by one, not as one snapshot). */
    public List<Point> snapshot() {
        List<Point> out = new ArrayList<>();
        final long[] s = slots;
        for (int i = 0; i <= mask; i++) {
            final int at = i * STRIDE;
            int t = (int) (long) LONGS.getOpaque(s, at + TYPE);
            if (t != 0) {
                VarHandle.acquireFence(); // the key as written before the type
                out.add(new Point(t, s[at + HI], s[at + LO], s[at + ID], (long) LONGS.getOpaque(s, at + PACKETS),
                        (long) LONGS.getOpaque(s, at + BYTES)));
            }
        }
        return out;
    }
}
