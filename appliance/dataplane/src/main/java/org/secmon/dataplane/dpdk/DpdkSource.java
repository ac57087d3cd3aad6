package org.secmon.dataplane.dpdk;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.secmon.dataplane.source.Burst;
import org.secmon.dataplane.source.PacketSource;

/**
 * Receives from one DPDK port queue: {@code rte_eth_rx_burst} through the shim into a native pointer array, then
 * each mbuf's fields are read in place (no copy, no allocation) and the frames are handed downstream as offsets
 * into all of native memory. {@link #release} frees the burst's mbufs in one {@code rte_pktmbuf_free_bulk}: each
 * mbuf exactly once.
 *
 * <p>Only the first segment of a chained (jumbo) mbuf is parsed: the headers are there; the wire length is the whole
 * packet's.
 */
public final class DpdkSource implements PacketSource {
    private final DpdkPort port;
    private final short portId;
    private final short queue;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment pkts;
    private final int capacity;
    private final long idleEndNanos;
    private long received;
    private long idleSince;
    private boolean ended;

    DpdkSource(DpdkPort port, int queue, long idleEndMillis) {
        this.port = port;
        this.portId = (short) port.portId();
        this.queue = (short) queue;
        this.capacity = 512;
        this.pkts = arena.allocate(ValueLayout.ADDRESS, capacity);
        this.idleEndNanos = idleEndMillis * 1_000_000L;
    }

    @Override
    public void onThreadStart() {
        DpdkPort.registerThread();
    }

    @Override
    public void onThreadStop() {
        DpdkPort.unregisterThread();
    }

    @Override
    public int poll(Burst burst) {
        if (ended) {
            return END_OF_STREAM;
        }
        final int want = Math.min(burst.capacity(), capacity);
        final int n;
        try {
            n = ((short) DpdkNative.RX_BURST.invokeExact(portId, queue, pkts, (short) want)) & 0xffff;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        burst.segment = DpdkNative.ALL;
        burst.port = portId;
        burst.count = n;
        if (n == 0) {
            if (idleEndNanos > 0 && received > 0) {
                long now = System.nanoTime();
                if (idleSince == 0) {
                    idleSince = now;
                } else if (now - idleSince > idleEndNanos) {
                    ended = true;
                    return END_OF_STREAM;
                }
            }
            return 0;
        }
        idleSince = 0;
        received += n;
        final MemorySegment all = DpdkNative.ALL;
        for (int i = 0; i < n; i++) {
            long m = pkts.getAtIndex(ValueLayout.JAVA_LONG, i);
            long buf = all.get(DpdkNative.U64_NATIVE, m + MbufLayout.BUF_ADDR);
            int dataOff = all.get(DpdkNative.U16_NATIVE, m + MbufLayout.DATA_OFF) & 0xffff;
            burst.handle[i] = m;
            burst.offset[i] = buf + dataOff;
            burst.captureLength[i] = all.get(DpdkNative.U16_NATIVE, m + MbufLayout.DATA_LEN) & 0xffff;
            burst.wireLength[i] = all.get(DpdkNative.U32_NATIVE, m + MbufLayout.PKT_LEN);
            burst.timestampNanos[i] = 0;
        }
        return n;
    }

    @Override
    public void release(Burst burst) {
        try {
            DpdkNative.FREE_BULK.invokeExact(pkts, burst.count);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        burst.count = 0;
    }

    @Override
    public boolean captureTime() {
        return false;
    }

    @Override
    public String describe() {
        return port + " queue " + queue;
    }

    @Override
    public void close() {
        arena.close();
    }
}
