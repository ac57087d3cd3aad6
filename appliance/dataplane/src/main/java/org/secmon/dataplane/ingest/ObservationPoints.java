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

    private final int mask;
    // per slot: type (0 = free), source hi, source lo, id; packets; bytes
    private final int[] types;
    private final long[] srcHi;
    private final long[] srcLo;
    private final long[] ids;
    private final long[] packets;
    private final long[] bytes;
    private final Counter overflow = new Counter("observation_points_overflow");

    public ObservationPoints(int capacity) {
        int n = Integer.highestOneBit(Math.max(2, capacity - 1)) << 1;
        mask = n - 1;
        types = new int[n];
        srcHi = new long[n];
        srcLo = new long[n];
        ids = new long[n];
        packets = new long[n];
        bytes = new long[n];
    }

    /** Count {@code p} (which arrived through a tunnel) with {@code length} bytes. Rx thread only. */
    public void count(Packet p, int length) {
        final int type = p.tunnelType();
        final long hi = p.tunnelSrcHi();
        final long lo = p.tunnelSrcLo();
        final long id = p.tunnelId();
        long h = (hi * 0x9E3779B97F4A7C15L ^ lo) * 0xC2B2AE3D27D4EB4FL ^ (id + type) * 0x9E3779B97F4A7C15L;
        int i = (int) (h ^ (h >>> 29)) & mask;
        for (int probe = 0; probe < MAX_PROBES; probe++, i = (i + 1) & mask) {
            int t = types[i];
            if (t == 0) {
                srcHi[i] = hi;
                srcLo[i] = lo;
                ids[i] = id;
                publish(i, type);
                add(i, length);
                return;
            }
            if (t == type && ids[i] == id && srcLo[i] == lo && srcHi[i] == hi) {
                add(i, length);
                return;
            }
        }
        overflow.increment();
    }

    /** The slot's key fields become visible to readers before its type marks it used. */
    private void publish(int i, int type) {
        VarHandle.releaseFence();
        types[i] = type;
    }

    private void add(int i, int length) {
        LONGS.setOpaque(packets, i, packets[i] + 1);
        LONGS.setOpaque(bytes, i, bytes[i] + length);
    }

    /** Packets of points beyond the table's capacity. */
    public long overflow() {
        return overflow.get();
    }

    /** Every point seen, with its counts (any thread; counts are read one by one, not as one snapshot). */
    public List<Point> snapshot() {
        List<Point> out = new ArrayList<>();
        VarHandle.acquireFence();
        for (int i = 0; i <= mask; i++) {
            int t = types[i];
            if (t != 0) {
                VarHandle.acquireFence();
                out.add(new Point(t, srcHi[i], srcLo[i], ids[i], (long) LONGS.getOpaque(packets, i),
                        (long) LONGS.getOpaque(bytes, i)));
            }
        }
        return out;
    }
}
