package org.secmon.plugins.netflow.cache;

import java.util.Arrays;
import java.util.Set;

import org.secmon.plugin.Packet;

/**
 * The NetFlow/IPFIX flow cache: one record per flow key, updated in place for every packet, exported through a
 * {@link Sink} when the flow ends. Keys are the configured match fields; a field that is not matched is 0 in the
 * key. ICMP flows carry {@code type << 8 | code} as destination port, as Cisco exporters and softflowd do.
 * <p>
 * Expiry (the {@code reason} given to the sink, IPFIX flowEndReason values): idle for the inactive timeout, alive
 * for the active timeout (exported, then counted again from zero under the same key), TCP FIN or RST seen (at the
 * next {@link #expire} call, not at the inactive timeout), cache full (the least recently seen of 8 sampled flows
 * is evicted, or the new flow is dropped, by policy), and {@link #flush} (shutdown, end of a capture).
 * <p>
 * Memory is allocated once, for {@code maxFlows}: about 160 bytes per flow — a 128-byte record (key, then values:
 * two adjacent cache lines), the open-addressing index, whose 64-bit slots carry the key's hash so that a probe
 * touches a record only when the hash matches, and the expiry wheel's links (8 bytes). {@link #update} allocates
 * nothing. Single-threaded, but for {@link #encode}, which any thread may call: {@link FlowPipe} runs a cache on a
 * thread of its own.
 */
public final class FlowCache {
    public static final int REASON_IDLE = 1;
    public static final int REASON_ACTIVE = 2;
    public static final int REASON_END_OF_FLOW = 3;
    public static final int REASON_FORCED = 4;
    public static final int REASON_LACK_OF_RESOURCES = 5;

    /** What a full cache does with a packet of a new flow. */
    public enum FullPolicy { EVICT_OLDEST, DROP_NEW }

    /** Receives every flow that ends; the flow's accessors are valid only during the call. */
    public interface Sink {
        void export(FlowCache cache, int flow, int reason);
    }

    // one 128-byte record per flow (two adjacent cache lines): 8 longs of key, then 8 longs of values
    private static final int SHIFT = 4;
    private static final int V = 8; // offset of the values in a record
    // value record
    private static final int PACKETS = 0;
    private static final int BYTES = 1;
    private static final int FIRST = 2;
    private static final int LAST = 3;
    private static final int ACTIVE_START = 4;
    private static final int FLAGS = 5; // tcp flags | finished << 8 | in use << 9 | collected vlan << 16
    private static final int C_SRC_MAC = 6;
    private static final int C_DST_MAC = 7;
    private static final long FINISHED = 1L << 8;
    private static final long IN_USE = 1L << 9;
    private static final int EVICTION_SAMPLE = 8;

    /** The largest cache: its records (16 longs each) must fit one Java array. */
    public static final int MAX_FLOWS = 100_000_000;

    private final int maxFlows;
    private final int hashMask;
    private final long[] rec;
    private final long[] table; // hash << 32 | (flow index + 1); 0 = empty
    private final int mask;
    private final int[] free;
    private int freeTop;
    private int highWater;
    private int size;

    private final boolean mSrc, mDst, mProto, mSport, mDport, mTos, mIf, mDir, mSrcMac, mDstMac, mVlan;
    private final boolean cSrcMac, cDstMac, cVlan;
    private final long activeNanos;
    private final long inactiveNanos;
    private final long scanPeriodNanos;
    private final FullPolicy fullPolicy;
    private final Sink sink;

    // expiry: a timing wheel of scanPeriodNanos-wide slots; every flow is in exactly one list: the slot of its
    // earliest deadline when it was last examined (min(last seen + inactive, active start + active)), or, once FIN
    // or RST is seen, the finished list. Packets do not move a flow (nothing extra per packet): when its slot comes,
    // a flow that is not due after all is put into the slot of its new deadline. Doubly linked through two int
    // arrays: a prev >= 0 is a flow, prev = -2 - list is the head of list; UNLINKED otherwise.
    private static final int UNLINKED = Integer.MIN_VALUE;
    private static final long UNSET = Long.MIN_VALUE;
    private final int[] wPrev;
    private final int[] wNext;
    private final int[] wHead; // wheelSize slots, then the finished list
    private final int wheelSize;
    private final int finishedList;
    private long doneSlot = UNSET; // the last slot examined (absolute: time / scanPeriodNanos)
    private int evictCursor;

    private long created;
    private long evicted;
    private long droppedFull;
    private long nonIp;
    private final long[] endedBy = new long[6];

    // staging (see stage): what the cache needs of up to STAGE packets, one ENTRY of longs each (the format of
    // encode, which FlowPipe's ring also holds): the key's 8 longs, then the hash, the time of accounting, the
    // packet's time, its IP length, TCP flags | 0x100 (0: not TCP), outer VLAN, source and destination MAC
    private static final int STAGE = 32;
    /** Longs per encoded packet (see {@link #encode}). */
    public static final int ENTRY = 16;
    private static final int E_HASH = 8;
    private static final int E_NOW = 9;
    static final int E_TS = 10;
    private static final int E_LEN = 11;
    private static final int E_TCP = 12;
    private static final int E_VLAN = 13;
    private static final int E_SRC_MAC = 14;
    private static final int E_DST_MAC = 15;
    private final long[] st = new long[STAGE * ENTRY];
    private final int[] stHash = new int[STAGE];
    private final long[] stSlot = new long[STAGE];
    private int staged;
    private long touched;

    public FlowCache(int maxFlows, Set<FlowField> match, Set<FlowField> collect, long activeNanos,
                     long inactiveNanos, long scanPeriodNanos, FullPolicy fullPolicy, Sink sink) {
        this(maxFlows, match, collect, activeNanos, inactiveNanos, scanPeriodNanos, fullPolicy, sink, -1);
    }

    /** Tests: {@code hashMask} keeps only some bits of every key's hash, so that different keys collide. */
    FlowCache(int maxFlows, Set<FlowField> match, Set<FlowField> collect, long activeNanos, long inactiveNanos,
              long scanPeriodNanos, FullPolicy fullPolicy, Sink sink, int hashMask) {
        this.hashMask = hashMask;
        if (maxFlows < 1 || maxFlows > MAX_FLOWS) {
            throw new IllegalArgumentException("max flows must be 1.." + MAX_FLOWS + ", not " + maxFlows);
        }
        if (activeNanos <= 0 || inactiveNanos <= 0 || scanPeriodNanos <= 0) {
            throw new IllegalArgumentException("timeouts must be positive");
        }
        this.maxFlows = maxFlows;
        this.rec = new long[maxFlows << SHIFT];
        int slots = Integer.highestOneBit(Math.max(4, maxFlows * 2 - 1)) << 1;
        this.table = new long[slots];
        this.mask = slots - 1;
        this.free = new int[maxFlows];
        mSrc = match.contains(FlowField.SRC_ADDR);
        mDst = match.contains(FlowField.DST_ADDR);
        mProto = match.contains(FlowField.PROTOCOL);
        mSport = match.contains(FlowField.SRC_PORT);
        mDport = match.contains(FlowField.DST_PORT);
        mTos = match.contains(FlowField.TOS);
        mIf = match.contains(FlowField.INPUT_INTERFACE);
        mDir = match.contains(FlowField.DIRECTION);
        mSrcMac = match.contains(FlowField.SRC_MAC);
        mDstMac = match.contains(FlowField.DST_MAC);
        mVlan = match.contains(FlowField.VLAN);
        cSrcMac = collect.contains(FlowField.SRC_MAC);
        cDstMac = collect.contains(FlowField.DST_MAC);
        cVlan = collect.contains(FlowField.VLAN);
        this.activeNanos = activeNanos;
        this.inactiveNanos = inactiveNanos;
        this.scanPeriodNanos = scanPeriodNanos;
        long span = Math.max(activeNanos, inactiveNanos) / scanPeriodNanos + 2;
        this.wheelSize = (int) Math.min(1 << 20, Math.max(64, Long.highestOneBit(span) << 1));
        this.finishedList = wheelSize;
        this.wHead = new int[wheelSize + 1];
        Arrays.fill(wHead, -1);
        this.wPrev = new int[maxFlows];
        this.wNext = new int[maxFlows];
        Arrays.fill(wPrev, UNLINKED);
        this.fullPolicy = fullPolicy;
        this.sink = sink;
    }

    // ---- packet path -----------------------------------------------------------------------------------------

    /** Account one parsed packet now. Non-IP frames are only counted. */
    public void update(Packet p, long nowNanos) {
        drain(); // what was staged comes first
        if (encode(p, nowNanos, st, 0)) {
            account(st, 0, 1);
        } else {
            nonIp++;
        }
    }

    /**
     * Stage one parsed packet; it is accounted at the next {@link #drain} (by the plugin after each burst), or when
     * {@value #STAGE} are staged. A burst's lookups then overlap: the index slots of every staged packet are loaded
     * first, then the records they point to, so that their cache misses are in flight together instead of one
     * after the other (what DPDK's {@code rte_hash_lookup_bulk} does with prefetches), and the updates hit the
     * cache. Every reader of the cache ({@link #expire}, {@link #flush}, {@link #top}) drains first.
     */
    public void stage(Packet p, long nowNanos) {
        if (!encode(p, nowNanos, st, staged * ENTRY)) {
            nonIp++;
        } else if (++staged == STAGE) {
            drain();
        }
    }

    /** Account every staged packet, in order. */
    public void drain() {
        final int n = staged;
        if (n != 0) {
            staged = 0;
            account(st, 0, n);
        }
    }

    /**
     * Account {@code n} packets {@link #encode encoded} at {@code src[off]}, {@code src[off + ENTRY]}, ... in order,
     * after anything staged. At most {@value #STAGE} at a time are looked up together; more are taken in turns.
     */
    public void account(long[] src, int off, int n) {
        if (src != st) {
            drain();
        }
        for (int from = 0; from < n; from += STAGE) {
            final int m = Math.min(STAGE, n - from);
            final int base = off + from * ENTRY;
            if (m > 1) {
                final long[] t = table;
                final long[] r = rec;
                final int[] sh = stHash;
                final long[] pre = stSlot;
                for (int i = 0; i < m; i++) { // independent loads: the misses overlap
                    int h = (int) src[base + i * ENTRY + E_HASH];
                    sh[i] = h;
                    pre[i] = t[h & mask];
                }
                long x = 0;
                for (int i = 0; i < m; i++) {
                    long e = pre[i];
                    if (e != 0 && (int) (e >>> 32) == sh[i]) {
                        int b = ((int) e - 1) << SHIFT;
                        x ^= r[b] ^ r[b + V]; // the key's and the values' cache lines
                    }
                }
                touched = x; // kept, so that the loads are not optimised away
            }
            for (int i = 0; i < m; i++) {
                apply(src, base + i * ENTRY);
            }
        }
    }

    /**
     * What the cache needs of a parsed packet, as {@value #ENTRY} longs at {@code dst[off]}, for {@link #account}:
     * false (nothing written) for a frame that is not IP. Reads only the configuration, so any thread may call it
     * while another owns the cache (what {@link FlowPipe} does).
     */
    public boolean encode(Packet p, long nowNanos, long[] dst, int off) {
        final int ver = p.ipVersion();
        if (ver == 0) {
            return false;
        }
        final int proto = p.protocol();
        int sport = 0;
        int dport = 0;
        if (p.hasPorts()) {
            sport = p.srcPort();
            dport = p.dstPort();
        } else if ((proto == 1 || proto == 58) && p.l4Offset() > 0) {
            dport = p.icmpType() << 8 | p.icmpCode();
        }
        final long k0 = mSrc ? p.srcHi() : 0;
        final long k1 = mSrc ? p.srcLo() : 0;
        final long k2 = mDst ? p.dstHi() : 0;
        final long k3 = mDst ? p.dstLo() : 0;
        final long k4 = (mProto ? (long) proto << 56 : 0) | (mTos ? (long) p.tos() << 48 : 0)
                | (mSport ? (long) sport << 32 : 0) | (mDport ? (long) dport << 16 : 0) | (long) ver << 8
                | (mDir ? p.direction() & 0xff : 0);
        final long k5 = (mIf ? (long) p.inputPort() << 32 : 0) | (mVlan ? p.outerVlan() & 0xffff : 0);
        final long k6 = mSrcMac ? p.srcMac() : 0;
        final long k7 = mDstMac ? p.dstMac() : 0;
        dst[off] = k0;
        dst[off + 1] = k1;
        dst[off + 2] = k2;
        dst[off + 3] = k3;
        dst[off + 4] = k4;
        dst[off + 5] = k5;
        dst[off + 6] = k6;
        dst[off + 7] = k7;
        dst[off + E_HASH] = hash(k0, k1, k2, k3, k4, k5, k6, k7);
        dst[off + E_NOW] = nowNanos;
        dst[off + E_TS] = p.timestampNanos() != 0 ? p.timestampNanos() : nowNanos;
        dst[off + E_LEN] = p.ipLength();
        dst[off + E_TCP] = proto == 6 && p.hasPorts() ? p.tcpFlags() | 0x100 : 0;
        dst[off + E_VLAN] = p.outerVlan() & 0xffff;
        dst[off + E_SRC_MAC] = cSrcMac || mSrcMac ? p.srcMac() : 0;
        dst[off + E_DST_MAC] = cDstMac || mDstMac ? p.dstMac() : 0;
        return true;
    }

    /** Accounts the packet encoded at {@code key[k]}: finds or creates its flow, then counts it. */
    private void apply(long[] key, int k) {
        final long k0 = key[k], k1 = key[k + 1], k2 = key[k + 2], k3 = key[k + 3];
        final long k4 = key[k + 4], k5 = key[k + 5], k6 = key[k + 6], k7 = key[k + 7];
        final int h = (int) key[k + E_HASH];
        final long now = key[k + E_NOW];
        final long ts = key[k + E_TS];
        final long[] r = rec;
        int slot = h & mask;
        int f;
        while (true) {
            long e = table[slot];
            if (e == 0) {
                f = create(slot, h);
                if (f < 0) {
                    return;
                }
                int b = f << SHIFT;
                System.arraycopy(key, k, r, b, 8); // the encoded key is the record's
                long collected = IN_USE;
                if (cVlan || mVlan) {
                    collected |= key[k + E_VLAN] << 16;
                }
                r[b + V + FLAGS] = collected;
                r[b + V + C_SRC_MAC] = key[k + E_SRC_MAC];
                r[b + V + C_DST_MAC] = key[k + E_DST_MAC];
                r[b + V + ACTIVE_START] = now;
                link(f, Math.min(ts + inactiveNanos, now + activeNanos), now);
                break;
            }
            if ((int) (e >>> 32) == h) {
                f = (int) e - 1;
                int b = f << SHIFT;
                if (r[b] == k0 && r[b + 1] == k1 && r[b + 2] == k2 && r[b + 3] == k3 && r[b + 4] == k4
                        && r[b + 5] == k5 && r[b + 6] == k6 && r[b + 7] == k7) {
                    break;
                }
            }
            slot = (slot + 1) & mask;
        }
        final int v = (f << SHIFT) + V;
        if (r[v + PACKETS] == 0) {
            r[v + FIRST] = ts;
        }
        r[v + PACKETS]++;
        r[v + BYTES] += key[k + E_LEN];
        r[v + LAST] = ts;
        final int tcp = (int) key[k + E_TCP];
        if (tcp != 0) {
            int fl = tcp & 0xff;
            long flags = r[v + FLAGS];
            if ((fl & 0x05) != 0 && (flags & FINISHED) == 0) { // FIN or RST: ends the flow at the next expire
                r[v + FLAGS] = flags | fl | FINISHED;
                unlink(f);
                pushFront(f, finishedList);
            } else {
                r[v + FLAGS] = flags | fl;
            }
        }
    }

    /** A key's hash: what the index stores, and where its probe starts (masked for tests, see the constructor). */
    private int hash(long a, long b, long c, long d, long e, long f, long g, long h) {
        long x = a * 0x9E3779B97F4A7C15L;
        x = (x ^ b) * 0xC2B2AE3D27D4EB4FL;
        x = (x ^ c) * 0x9E3779B97F4A7C15L;
        x = (x ^ d) * 0xC2B2AE3D27D4EB4FL;
        x = (x ^ e) * 0x9E3779B97F4A7C15L;
        x = (x ^ f) * 0xC2B2AE3D27D4EB4FL;
        x = (x ^ g) * 0x9E3779B97F4A7C15L;
        x = (x ^ h) * 0xC2B2AE3D27D4EB4FL;
        x ^= x >>> 29;
        return (int) (x ^ (x >>> 32)) & hashMask;
    }

    /** A new flow in the empty table slot {@code slot}, or -1 when the cache is full and drops new flows. */
    private int create(int slot, int h) {
        if (size >= maxFlows) {
            if (fullPolicy == FullPolicy.DROP_NEW) {
                droppedFull++;
                return -1;
            }
            evictOne();
            // the eviction may have shifted entries: find the empty slot for h again
            slot = h & mask;
            while (table[slot] != 0) {
                slot = (slot + 1) & mask;
            }
        }
        int f = freeTop > 0 ? free[--freeTop] : highWater++;
        table[slot] = (long) h << 32 | (f + 1);
        int v = (f << SHIFT) + V;
        rec[v + PACKETS] = 0;
        rec[v + BYTES] = 0;
        size++;
        created++;
        return f;
    }

    /** Cache full: export and free the least recently seen of a few flows after the scan cursor. */
    private void evictOne() {
        int best = -1;
        long bestLast = Long.MAX_VALUE;
        int i = evictCursor < highWater ? evictCursor : 0;
        int sample = Math.min(EVICTION_SAMPLE, size);
        for (int seen = 0; seen < sample; i = i + 1 < highWater ? i + 1 : 0) {
            if ((rec[(i << SHIFT) + V + FLAGS] & IN_USE) != 0) {
                seen++;
                if (rec[(i << SHIFT) + V + LAST] < bestLast) {
                    bestLast = rec[(i << SHIFT) + V + LAST];
                    best = i;
                }
            }
        }
        evictCursor = i;
        evicted++;
        end(best, REASON_LACK_OF_RESOURCES);
    }

    // ---- expiry ----------------------------------------------------------------------------------------------

    /**
     * Export flows whose time has come: those that saw FIN or RST since the last call, and those of every wheel slot
     * that has fully elapsed (a timeout is noticed at most one {@code scanPeriodNanos} late). Call it often (every
     * poll). The work is proportional to the flows examined — each flow about once per timeout, not the whole cache
     * once per period. Returns the number of flows exported.
     */
    public int expire(long nowNanos) {
        drain();
        int exported = examineList(finishedList, nowNanos); // their FINISHED flag ends them
        long nowSlot = Math.floorDiv(nowNanos, scanPeriodNanos);
        if (doneSlot == UNSET) {
            doneSlot = nowSlot - 1;
            return exported;
        }
        long last = nowSlot - 1; // the last slot that has fully elapsed
        if (last <= doneSlot) {
            return exported;
        }
        long from = Math.max(doneSlot + 1, last - wheelSize + 1); // a jump past the ring: every slot once
        for (long slot = from; slot <= last; slot++) {
            doneSlot = slot; // re-linked flows go after this slot
            exported += examineList((int) (slot & (wheelSize - 1)), nowNanos);
        }
        return exported;
    }

    /** Takes every flow off list {@code list} and {@link #examine examines} it; returns how many were exported. */
    private int examineList(int list, long nowNanos) {
        int exported = 0;
        int f = wHead[list];
        wHead[list] = -1;
        while (f >= 0) {
            int next = wNext[f];
            wPrev[f] = UNLINKED;
            if (examine(f, nowNanos)) {
                exported++;
            }
            f = next;
        }
        return exported;
    }

    /** A flow whose slot came: export it if a timeout passed, and put it into the slot of its next deadline. */
    private boolean examine(int f, long nowNanos) {
        final int v = (f << SHIFT) + V;
        final long fl = rec[v + FLAGS];
        if ((fl & IN_USE) == 0) {
            return false;
        }
        if ((fl & FINISHED) != 0) {
            return end(f, REASON_END_OF_FLOW);
        }
        if (nowNanos - rec[v + LAST] >= inactiveNanos) {
            return end(f, REASON_IDLE);
        }
        boolean exported = false;
        if (nowNanos - rec[v + ACTIVE_START] >= activeNanos) {
            exported = emit(f, REASON_ACTIVE);
            rec[v + PACKETS] = 0;
            rec[v + BYTES] = 0;
            rec[v + FLAGS] = fl & ~0xffL;
            rec[v + ACTIVE_START] = nowNanos;
        }
        link(f, Math.min(rec[v + LAST] + inactiveNanos, rec[v + ACTIVE_START] + activeNanos), nowNanos);
        return exported;
    }

    /** Puts flow {@code f} into the slot of {@code deadline} (at least the next slot, at most a ring ahead). */
    private void link(int f, long deadline, long nowNanos) {
        if (doneSlot == UNSET) {
            doneSlot = Math.floorDiv(nowNanos, scanPeriodNanos) - 1;
        }
        // slot s is examined once now >= (s + 1) * period: the slot that ends at or just after the deadline
        long slot = Math.floorDiv(deadline - 1, scanPeriodNanos);
        if (slot <= doneSlot) {
            slot = doneSlot + 1;
        } else if (slot > doneSlot + wheelSize) {
            slot = doneSlot + wheelSize; // beyond the ring: examined early, then linked again
        }
        pushFront(f, (int) (slot & (wheelSize - 1)));
    }

    private void pushFront(int f, int list) {
        int h = wHead[list];
        wPrev[f] = -2 - list;
        wNext[f] = h;
        if (h >= 0) {
            wPrev[h] = f;
        }
        wHead[list] = f;
    }

    private void unlink(int f) {
        int p = wPrev[f];
        if (p == UNLINKED) {
            return;
        }
        int n = wNext[f];
        if (p >= 0) {
            wNext[p] = n;
        } else {
            wHead[-2 - p] = n;
        }
        if (n >= 0) {
            wPrev[n] = p;
        }
        wPrev[f] = UNLINKED;
    }

    /**
     * Export every flow (reason forced: shutdown or end of a capture) and empty the cache. The flows go in record
     * order (sequential reads). Unless the cache is nearly empty for its size, the index and the expiry lists are
     * then cleared whole instead of flow by flow (each removal costs random reads; at a million flows the flush
     * took 180 ms flow by flow, 130-140 ms this way); a nearly empty cache keeps its untouched index pages unwritten.
     */
    public int flush() {
        drain();
        final boolean whole = size >= table.length >>> 6;
        int exported = 0;
        for (int i = 0; i < highWater; i++) {
            int fl = (i << SHIFT) + V + FLAGS;
            if ((rec[fl] & IN_USE) == 0) {
                continue;
            }
            if (whole) {
                if (emit(i, REASON_FORCED)) {
                    exported++;
                }
                rec[fl] = 0;
            } else if (end(i, REASON_FORCED)) {
                exported++;
            }
        }
        if (whole) {
            Arrays.fill(table, 0);
            Arrays.fill(wPrev, 0, highWater, UNLINKED);
            size = 0;
        }
        highWater = 0;
        freeTop = 0;
        evictCursor = 0;
        Arrays.fill(wHead, -1);
        return exported;
    }

    /** Hand flow {@code f} to the sink unless it has counted nothing since an active-timeout export. */
    private boolean emit(int f, int reason) {
        if (rec[(f << SHIFT) + V + PACKETS] == 0) {
            return false;
        }
        endedBy[reason]++;
        sink.export(this, f, reason);
        return true;
    }

    /** Export (see {@link #emit}) and free flow {@code f}; true if it was exported. */
    private boolean end(int f, int reason) {
        boolean exported = emit(f, reason);
        rec[(f << SHIFT) + V + FLAGS] = 0;
        unlink(f);
        // remove from the index: find its slot (its hash, recomputed from the stored key), then backward-shift
        int b = f << SHIFT;
        int slot = hash(rec[b], rec[b + 1], rec[b + 2], rec[b + 3], rec[b + 4], rec[b + 5], rec[b + 6], rec[b + 7])
                & mask;
        while ((int) table[slot] != f + 1) {
            slot = (slot + 1) & mask;
        }
        int hole = slot;
        int j = slot;
        while (true) {
            j = (j + 1) & mask;
            long e = table[j];
            if (e == 0) {
                break;
            }
            int ideal = (int) (e >>> 32) & mask;
            boolean stays = hole <= j ? (hole < ideal && ideal <= j) : (hole < ideal || ideal <= j);
            if (!stays) {
                table[hole] = e;
                hole = j;
            }
        }
        table[hole] = 0;
        free[freeTop++] = f;
        size--;
        return exported;
    }

    // ---- inspection (operator queries; not per packet) ------------------------------------------------------

    /**
     * The {@code n} flows in the cache with the most bytes since their last export (an active-timeout export
     * starts a flow's counts again), largest first, ties by packets. One pass over the cache with a heap of
     * {@code n}: O(flows · log n): 19 ms per million flows
     * (FlowCacheBenchmark.top10). Allocates the result.
     */
    public int[] top(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be >= 1");
        }
        drain();
        int[] heap = new int[Math.min(n, size)];
        int count = 0;
        for (int i = 0; i < highWater && heap.length > 0; i++) {
            if ((rec[(i << SHIFT) + V + FLAGS] & IN_USE) == 0) {
                continue;
            }
            if (count < heap.length) {
                heap[count] = i;
                siftUp(heap, count++);
            } else if (larger(i, heap[0])) {
                heap[0] = i;
                siftDown(heap, count);
            }
        }
        int[] out = new int[count];
        for (int k = count - 1; k >= 0; k--) { // pop the smallest to the end
            out[k] = heap[0];
            heap[0] = heap[k];
            siftDown(heap, k);
        }
        return out;
    }

    /** Whether flow {@code a} ranks above flow {@code b} (bytes, then packets, then the lower index). */
    private boolean larger(int a, int b) {
        long ba = bytes(a), bb = bytes(b);
        if (ba != bb) {
            return ba > bb;
        }
        long pa = packets(a), pb = packets(b);
        return pa != pb ? pa > pb : a < b;
    }

    private void siftUp(int[] h, int k) {
        while (k > 0) {
            int parent = (k - 1) >>> 1;
            if (!larger(h[parent], h[k])) {
                break;
            }
            int t = h[parent];
            h[parent] = h[k];
            h[k] = t;
            k = parent;
        }
    }

    private void siftDown(int[] h, int len) {
        int k = 0;
        while (true) {
            int l = 2 * k + 1;
            if (l >= len) {
                return;
            }
            int c = l + 1 < len && larger(h[l], h[l + 1]) ? l + 1 : l;
            if (!larger(h[k], h[c])) {
                return;
            }
            int t = h[k];
            h[k] = h[c];
            h[c] = t;
            k = c;
        }
    }

    // ---- record accessors (valid for a flow in use, e.g. inside Sink.export) --------------------------------

    public int ipVersion(int f) {
        return (int) (rec[(f << SHIFT) + 4] >>> 8) & 0xff;
    }

    public long srcHi(int f) {
        return rec[f << SHIFT];
    }

    public long srcLo(int f) {
        return rec[(f << SHIFT) + 1];
    }

    public long dstHi(int f) {
        return rec[(f << SHIFT) + 2];
    }

    public long dstLo(int f) {
        return rec[(f << SHIFT) + 3];
    }

    /** The low 32 bits of an IPv4(-mapped) source address. */
    public int srcIpv4(int f) {
        return (int) rec[(f << SHIFT) + 1];
    }

    public int dstIpv4(int f) {
        return (int) rec[(f << SHIFT) + 3];
    }

    public int protocol(int f) {
        return (int) (rec[(f << SHIFT) + 4] >>> 56) & 0xff;
    }

    public int tos(int f) {
        return (int) (rec[(f << SHIFT) + 4] >>> 48) & 0xff;
    }

    public int srcPort(int f) {
        return (int) (rec[(f << SHIFT) + 4] >>> 32) & 0xffff;
    }

    public int dstPort(int f) {
        return (int) (rec[(f << SHIFT) + 4] >>> 16) & 0xffff;
    }

    public int direction(int f) {
        return (int) rec[(f << SHIFT) + 4] & 0xff;
    }

    public int inputInterface(int f) {
        return (int) (rec[(f << SHIFT) + 5] >>> 32);
    }

    public int vlan(int f) {
        return (int) (rec[(f << SHIFT) + V + FLAGS] >>> 16) & 0xffff;
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

    public int tcpFlags(int f) {
        return (int) rec[(f << SHIFT) + V + FLAGS] & 0xff;
    }

    // ---- counters --------------------------------------------------------------------------------------------

    public int size() {
        return size;
    }

    public int maxFlows() {
        return maxFlows;
    }

    public long created() {
        return created;
    }

    /** Flows evicted because the cache was full (policy evict_oldest). */
    public long evicted() {
        return evicted;
    }

    /** Packets of new flows dropped because the cache was full (policy drop_new). */
    public long droppedFull() {
        return droppedFull;
    }

    public long nonIp() {
        return nonIp;
    }

    /** Flows exported with the given reason ({@link #REASON_IDLE} ... {@link #REASON_LACK_OF_RESOURCES}). */
    public long endedBy(int reason) {
        return endedBy[reason];
    }
}
