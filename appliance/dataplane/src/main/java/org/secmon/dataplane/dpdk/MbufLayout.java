package org.secmon.dataplane.dpdk;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Offsets of the {@code rte_mbuf} fields Java reads directly, as reported by the shim (compiled against the
 * installed DPDK headers) and checked at start-up. DPDK 22.11: buf_addr 0, data_off 16, pkt_len 36, data_len 40.
 */
final class MbufLayout {
    static final int SIZE;
    static final long BUF_ADDR;
    static final long DATA_OFF;
    static final long PKT_LEN;
    static final long DATA_LEN;
    static final long NB_SEGS;
    static final long NEXT;
    static final long PORT;
    static final long POOL;
    static final int HEADROOM;

    static {
        int[] v = new int[11];
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.JAVA_INT, v.length);
            int n = (int) DpdkNative.MBUF_LAYOUT.invokeExact(out, v.length);
            if (n != v.length) {
                throw new UnsupportedOperationException("DPDK shim reports " + n + " mbuf layout entries, expected "
                        + v.length + " (stale shim?)");
            }
            for (int i = 0; i < v.length; i++) {
                v[i] = out.getAtIndex(ValueLayout.JAVA_INT, i);
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        SIZE = v[0];
        BUF_ADDR = v[1];
        DATA_OFF = v[2];
        PKT_LEN = v[3];
        DATA_LEN = v[4];
        NB_SEGS = v[5];
        NEXT = v[6];
        PORT = v[7];
        POOL = v[8];
        HEADROOM = v[9];
        check("buf_addr", BUF_ADDR, 8);
        check("data_off", DATA_OFF, 2);
        check("pkt_len", PKT_LEN, 4);
        check("data_len", DATA_LEN, 2);
        check("nb_segs", NB_SEGS, 2);
        check("next", NEXT, 8);
        if (SIZE < 64 || SIZE > 1024) {
            throw new UnsupportedOperationException("implausible sizeof(struct rte_mbuf) " + SIZE);
        }
    }

    private MbufLayout() {
    }

    private static void check(String field, long offset, int width) {
        if (offset < 0 || offset + width > SIZE || offset % width != 0) {
            throw new UnsupportedOperationException("implausible rte_mbuf." + field + " offset " + offset
                    + " (size " + SIZE + "): DPDK ABI not supported");
        }
    }

    static String describe() {
        return "rte_mbuf size " + SIZE + ": buf_addr " + BUF_ADDR + ", data_off " + DATA_OFF + ", pkt_len " + PKT_LEN
                + ", data_len " + DATA_LEN + ", nb_segs " + NB_SEGS + ", next " + NEXT + ", pool " + POOL;
    }
}
