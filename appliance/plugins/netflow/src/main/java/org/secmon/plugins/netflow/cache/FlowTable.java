package org.secmon.plugins.netflow.cache;

import java.util.Arrays;

/**
 * The flow records and their index. One 128-byte record per flow (two adjacent cache lines): the 8 longs of its
 * {@link FlowKey}, then 8 longs of values (packets, bytes, first and last seen, start of the active period, TCP flags
 * with state bits and the collected VLAN, collected MACs). The index is open addressing with linear probing; its
 * 64-bit slots hold {@code hash << 32 | (flow + 1)}, so that a probe touches a record only when the hash matches,
 * and removal shifts entries back (no tombstones). Records are reused through a free list.
 *
 * <p>The accessors decode a record for exporters and operator queries; they are valid for a flow in use (inside
 * {@link FlowCache.Sink#export}, or between packets on the cache's thread). The cache's packet path reads the arrays
 * directly (same package).
 */
public final class FlowTable {
    // record layout
    static final int SHIFT = 4; // 16 longs per record
    static final int V = 8; // offset of the values
    static final int PACKETS = 0;
    static final int BYTES = 1;
    static final int FIRST = 2;
    static final int LAST = 3;
    static final int ACTIVE_START = 4;
    static final int FLAGS = 5; // tcp flags | finished << 8 | in use << 9 | collected vlan << 16
    static final int C_SRC_MAC = 6;
    static final int C_DST_MAC = 7;
    static final long FINISHED = 1L << 8;
    static final long IN_USE = 1L << 9;
    /** Biflows: the conversation's initiator is the key's destination (the accessors swap the endpoints). */
    static final long INIT_REVERSED = 1L << 10;
    static final int VLAN_SHIFT = 16;
    /** FLAGS bits 32..62: the flow's metadata slot + 1 (0: none). */
    static final int META_SHIFT = 32;

    /** The largest table: its records (16 longs each) must fit one Java array. */
    public static final int MAX_FLOWS = 100_000_000;

    final int maxFlows;
    final long[] rec;
    final long[] index; // hash << 32 | (flow + 1); 0 = empty
    final int mask;
    /** The flows' layer-7 metadata, null when none is extracted. */
    final MetaStore meta;
    /** Biflows: each flow's reverse direction ({@value #REV} longs: packets, bytes, first, last, TCP flags); null. */
    final long[] rev;
    static final int REV_SHIFT = 3;
    static final int REV = 1 << REV_SHIFT;
    static final int R_PACKETS = 0;
    static final int R_BYTES = 1;
    static final int R_FIRST = 2;
    static final int R_LAST = 3;
    static final int R_FLAGS = 4;
    /**
     * The tunnel source address of each flow's first packet (2 longs: high, low; IPv4-mapped), with the
     * observation point matched; null when not.
     */
    final long[] tun;
    private final int[] free;
    private int freeTop;
    private int highWater;
    private int size;

    FlowTable(int maxFlows) {
        this(maxFlows, null);
    }

    FlowTable(int maxFlows, MetaStore meta) {
        this(maxFlows, meta, false);
    }

    FlowTable(int maxFlows, MetaStore meta, boolean biflow) {
        this(maxFlows, meta, biflow, false);
    }

    /** @param tunnelSources keep each flow's tunnel source address ({@link #tunnelSrcHi}) */
    FlowTable(int maxFlows, MetaStore meta, boolean biflow, boolean tunnelSources) {
        this.meta = meta;
        this.tun = tunnelSources && maxFlows > 0 ? new long[(int) Math.min(Integer.MAX_VALUE - 8L, (long) maxFlows << 1)]
                : null;
        this.rev = biflow && maxFlows > 0 ? new long[(int) Math.min(Integer.MAX_VALUE - 8L, (long) maxFlows << REV_SHIFT)]
                : null;
        if (maxFlows < 1 || maxFlows > MAX_FLOWS) {
            throw new IllegalArgumentException("max flows must be 1.." + MAX_FLOWS + ", not " + maxFlows);
        }
        this.maxFlows = maxFlows;
        this.rec = new long[maxFlows << SHIFT];
        int slots = Integer.highestOneBit(Math.max(4, maxFlows * 2 - 1)) << 1;
        this.index = new long[slots];
        this.mask = slots - 1;
        this.free = new int[maxFlows];
    }

    /**
     * The flow whose key is at {@code key[k]} (hash {@code h}), or {@code -1 - slot} with the empty index slot where
     * it would go.
     */
    int find(long[] key, int k, int h) {
        final long[] r = rec;
        final long k0 = key[k], k1 = key[k + 1], k2 = key[k + 2], k3 = key[k + 3];
        final long k4 = key[k + 4], k5 = key[k + 5], k6 = key[k + 6], k7 = key[k + 7];
        int slot = h & mask;
        while (true) {
            long e = index[slot];
            if (e == 0) {
                return -1 - slot;
            }
            if ((int) (e >>> 32) == h) {
                int f = (int) e - 1;
                int b = f << SHIFT;
                if (r[b] == k0 && r[b + 1] == k1 && r[b + 2] == k2 && r[b + 3] == k3 && r[b + 4] == k4
                        && r[b + 5] == k5 && r[b + 6] == k6 && r[b + 7] == k7) {
                    return f;
                }
            }
            slot = (slot + 1) & mask;
        }
    }

    /** The empty index slot where hash {@code h} goes (after a removal moved entries). */
    int emptySlot(int h) {
        int slot = h & mask;
        while (index[slot] != 0) {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    /** A new flow in the empty index slot {@code slot}, its counts at zero; the caller keeps size below the max. */
    int insert(int slot, int h) {
        int f = freeTop > 0 ? free[--freeTop] : highWater++;
        index[slot] = (long) h << 32 | (f + 1);
        int v = (f << SHIFT) + V;
        rec[v + PACKETS] = 0;
        rec[v + BYTES] = 0;
        if (rev != null) {
            int r = f << REV_SHIFT;
            rev[r + R_PACKETS] = 0;
            rev[r + R_BYTES] = 0;
            rev[r + R_FLAGS] = 0;
        }
        size++;
        return f;
    }

    /** Takes flow {@code f} (hash {@code h}) out of the index and frees its record. */
    void remove(int f, int h) {
        rec[(f << SHIFT) + V + FLAGS] = 0;
        int slot = h & mask;
        while ((int) index[slot] != f + 1) {
            slot = (slot + 1) & mask;
        }
        int hole = slot;
        int j = slot;
        while (true) {
            j = (j + 1) & mask;
            long e = index[j];
            if (e == 0) {
                break;
            }
            int ideal = (int) (e >>> 32) & mask;
            boolean stays = hole <= j ? (hole < ideal && ideal <= j) : (hole < ideal || ideal <= j);
            if (!stays) {
                index[hole] = e;
                hole = j;
            }
        }
        index[hole] = 0;
        free[freeTop++] = f;
        size--;
    }

    /** Forgets every flow at once (their records already marked free by the caller). */
    void clear(boolean wholeIndex) {
        if (wholeIndex) {
            Arrays.fill(index, 0);
            size = 0;
        }
        highWater = 0;
        freeTop = 0;
    }

    /** Records ever handed out since the last clear: flows are below it. */
    int highWater() {
        return highWater;
    }

    /** Whether record {@code f} holds a flow. */
    public boolean inUse(int f) {
        return (rec[(f << SHIFT) + V + FLAGS] & IN_USE) != 0;
    }

    public int size() {
        return size;
    }

    public int maxFlows() {
        return maxFlows;
    }

    /** Index slots (twice the flows, a power of two). */
    int indexSlots() {
        return index.length;
    }

    // ---- record accessors ----------------------------------------------------------------------------------

    public int ipVersion(int f) {
        return (int) (rec[(f << SHIFT) + 4] >>> FlowKey.K_VERSION_SHIFT) & 0xff;
    }

    /** Biflows: whether the key's destination started the conversation (the accessors below swap for it). */
    private boolean swapped(int f) {
        return (rec[(f << SHIFT) + V + FLAGS] & INIT_REVERSED) != 0;
    }

    /** The source address's high half: the flow's source (a biflow's initiator). */
    public long srcHi(int f) {
        return rec[(f << SHIFT) + (swapped(f) ? 2 : 0)];
    }

    public long srcLo(int f) {
        return rec[(f << SHIFT) + (swapped(f) ? 3 : 1)];
    }

    public long dstHi(int f) {
        return rec[(f << SHIFT) + (swapped(f) ? 0 : 2)];
    }

    public long dstLo(int f) {
        return rec[(f << SHIFT) + (swapped(f) ? 1 : 3)];
    }

    /** The low 32 bits of an IPv4(-mapped) source address. */
    public int srcIpv4(int f) {
        return (int) srcLo(f);
    }

    public int dstIpv4(int f) {
        return (int) dstLo(f);
    }

    public int protocol(int f) {
        return (int) (rec[(f << SHIFT) + 4] >>> FlowKey.K_PROTO_SHIFT) & 0xff;
    }

    public int tos(int f) {
        return (int) (rec[(f << SHIFT) + 4] >>> FlowKey.K_TOS_SHIFT) & 0xff;
    }

    public int srcPort(int f) {
        return (int) (rec[(f << SHIFT) + 4] >>> (swapped(f) ? FlowKey.K_DPORT_SHIFT : FlowKey.K_SPORT_SHIFT)) & 0xffff;
    }

    public int dstPort(int f) {
        return (int) (rec[(f << SHIFT) + 4] >>> (swapped(f) ? FlowKey.K_SPORT_SHIFT : FlowKey.K_DPORT_SHIFT)) & 0xffff;
    }

    public int direction(int f) {
        return (int) rec[(f << SHIFT) + 4] & FlowKey.K_DIRECTION_MASK;
    }

    /** The type of the tunnel the flow's packets came through ({@code Packet.TUNNEL_*}), 0 when not matched. */
    public int tunnelType(int f) {
        return (int) (rec[(f << SHIFT) + 4] >>> FlowKey.K_TUNNEL_SHIFT) & 0x3f;
    }

    public int inputInterface(int f) {
        return (int) (rec[(f << SHIFT) + 5] >>> FlowKey.K_IF_SHIFT) & 0xffff;
    }

    /** The flow's observation point (the id of the tunnel its packets came through), 0 when not matched. */
    public long observationPoint(int f) {
        return (rec[(f << SHIFT) + 5] >>> FlowKey.K_OBS_SHIFT) & 0xffff_ffffL;
    }

    /**
     * The outer source address of the tunnel the flow's packets came through, high 64 bits (IPv4-mapped as the
     * flow's own addresses); 0 with {@link #tunnelSrcLo} when the flow did not come through a tunnel or the table
     * does not keep tunnel sources (observation point not matched).
     */
    public long tunnelSrcHi(int f) {
        return tun == null ? 0 : tun[f << 1];
    }

    public long tunnelSrcLo(int f) {
        return tun == null ? 0 : tun[(f << 1) + 1];
    }

    public int vlan(int f) {
        return (int) (rec[(f << SHIFT) + V + FLAGS] >>> VLAN_SHIFT) & 0xffff;
    }

    public long srcMac(int f) {
        return rec[(f << SHIFT) + V + C_SRC_MAC];
    }

    public long dstMac(int f) {
        return rec[(f << SHIFT) + V + C_DST_MAC];
    }

    public long packets(int f) {
        return rec[(f << SHIFT) + V + PACKETS];
    }

    /** Layer-3 bytes (IP total length: header and payload), as NetFlow counts them. */
    public long bytes(int f) {
        return rec[(f << SHIFT) + V + BYTES];
    }

    public long firstNanos(int f) {
        return rec[(f << SHIFT) + V + FIRST];
    }

    public long lastNanos(int f) {
        return rec[(f << SHIFT) + V + LAST];
    }

    /** The flow's metadata slot, -1 when it has none. */
    int metaSlot(int f) {
        return (int) (rec[(f << SHIFT) + V + FLAGS] >>> META_SHIFT) - 1;
    }

    /**
     * Where the flow's {@link org.secmon.plugins.netflow.meta.MetaRecord} starts in {@link #metaBytes()}, -1 when
     * it has none.
     */
    public int metaOffset(int f) {
        int s = meta == null ? -1 : metaSlot(f);
        return s < 0 ? -1 : s * meta.slotSize;
    }

    /** The bytes of the metadata records (null when the cache extracts none). */
    public byte[] metaBytes() {
        return meta == null ? null : meta.bytes;
    }

    /** Whether the table keeps biflows (a reverse direction per flow). */
    public boolean biflow() {
        return rev != null;
    }

    /** Biflows: packets from the responder to the initiator (0 in a unidirectional table). */
    public long revPackets(int f) {
        return rev == null ? 0 : rev[(f << REV_SHIFT) + R_PACKETS];
    }

    public long revBytes(int f) {
        return rev == null ? 0 : rev[(f << REV_SHIFT) + R_BYTES];
    }

    public long revFirstNanos(int f) {
        return rev == null ? 0 : rev[(f << REV_SHIFT) + R_FIRST];
    }

    public long revLastNanos(int f) {
        return rev == null ? 0 : rev[(f << REV_SHIFT) + R_LAST];
    }

    public int revTcpFlags(int f) {
        return rev == null ? 0 : (int) rev[(f << REV_SHIFT) + R_FLAGS] & 0xff;
    }

    public int tcpFlags(int f) {
        return (int) rec[(f << SHIFT) + V + FLAGS] & 0xff;
    }
}
