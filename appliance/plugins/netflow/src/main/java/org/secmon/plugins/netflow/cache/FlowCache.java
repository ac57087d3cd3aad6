package org.secmon.plugins.netflow.cache;

import java.util.Set;

import org.secmon.plugin.Packet;
import org.secmon.plugins.netflow.meta.MetaExtractor;
import org.secmon.plugins.netflow.meta.MetaField;
import org.secmon.plugins.netflow.meta.MetaRecord;

/**
 * The NetFlow/IPFIX flow cache: one record per flow key, updated in place for every packet, exported through a
 * {@link Sink} when the flow ends. Its parts: {@link FlowKey} encodes a packet (key and counts), {@link FlowTable}
 * holds the records and their index, {@link ExpiryWheel} says when to look at a flow again, {@link TopFlows} answers
 * {@code show flows top}. This class runs the packet path and the flows' lifecycle over them.
 * <p>
 * Expiry (the {@code reason} given to the sink, IPFIX flowEndReason values): idle for the inactive timeout, alive
 * for the active timeout (exported, then counted again from zero under the same key), TCP FIN or RST seen (at the
 * next {@link #expire} call, not at the inactive timeout), cache full (the least recently seen of 8 sampled flows
 * is evicted, or the new flow is dropped, by policy), and {@link #flush} (shutdown, end of a capture).
 * <p>
 * Memory is allocated once, for {@code maxFlows}: about 160 bytes per flow (128-byte record, 16 bytes of index, 8 of
 * wheel links). {@link #update} allocates nothing. Single-threaded, but for {@link #encode}, which any thread may
 * call: {@link FlowPipe} runs a cache on a thread of its own.
 */
public final class FlowCache {
    public static final int REASON_IDLE = 1;
    public static final int REASON_ACTIVE = 2;
    public static final int REASON_END_OF_FLOW = 3;
    public static final int REASON_FORCED = 4;
    public static final int REASON_LACK_OF_RESOURCES = 5;

    /** What a full cache does with a packet of a new flow. */
    public enum FullPolicy { EVICT_OLDEST, DROP_NEW }

    /**
     * Layer-7 metadata to extract ({@link MetaExtractor}): which fields, the longest string kept, and how many flows
     * at a time may hold metadata ({@link MetaStore}).
     */
    public record Metadata(Set<MetaField> fields, int maxBytes, int flows) {
        public Metadata {
            fields = Set.copyOf(fields);
            if (fields.isEmpty()) {
                throw new IllegalArgumentException("metadata: at least one field");
            }
        }
    }

    /** Receives every flow that ends; the flow's accessors are valid only during the call. */
    public interface Sink {
        void export(FlowTable flows, int flow, int reason);
    }

    private static final int SHIFT = FlowTable.SHIFT;
    private static final int V = FlowTable.V;
    private static final int EVICTION_SAMPLE = 8;
    private static final int ENTRY = FlowKey.ENTRY;

    private final FlowKey key;
    private final FlowTable flows;
    private final ExpiryWheel wheel;
    private final ExpiryWheel.Examiner examiner = this::examine;
    private final long activeNanos;
    private final long inactiveNanos;
    private final FullPolicy fullPolicy;
    private final Sink sink;
    private final MetaExtractor extractor; // null: no metadata
    private final MetaStore store;
    private final int metaSlot; // bytes of an encoded packet's metadata record, 0 without metadata
    private final boolean biflow;
    private int evictCursor;
    private long metaKept;

    private long created;
    private long evicted;
    private long droppedFull;
    private long nonIp;
    private final long[] endedBy = new long[6];

    // staging (see stage): up to STAGE encoded packets
    private static final int STAGE = 32;
    private final long[] st = new long[STAGE * ENTRY];
    private final int[] stHash = new int[STAGE];
    private final long[] stSlot = new long[STAGE];
    private final byte[] stMeta;
    private int staged;
    private long touched;

    public FlowCache(int maxFlows, Set<FlowField> match, Set<FlowField> collect, long activeNanos,
                     long inactiveNanos, long scanPeriodNanos, FullPolicy fullPolicy, Sink sink) {
        this(maxFlows, match, collect, activeNanos, inactiveNanos, scanPeriodNanos, fullPolicy, sink, -1, null, false);
    }

    /** A cache that also keeps the layer-7 {@code metadata} of its flows (null: none). */
    public FlowCache(int maxFlows, Set<FlowField> match, Set<FlowField> collect, long activeNanos,
                     long inactiveNanos, long scanPeriodNanos, FullPolicy fullPolicy, Sink sink, Metadata metadata) {
        this(maxFlows, match, collect, activeNanos, inactiveNanos, scanPeriodNanos, fullPolicy, sink, -1, metadata,
                false);
    }

    /**
     * A cache of {@code biflow}s (RFC 5103): both directions of a TCP/UDP/SCTP conversation in one flow, the
     * initiator (the first packet's sender, or the side a SYN-ACK answers) as its source, the other direction in
     * the reverse counters ({@link FlowTable#revPackets}...). Needs src_addr, dst_addr, src_port and dst_port matched.
     */
    public FlowCache(int maxFlows, Set<FlowField> match, Set<FlowField> collect, long activeNanos,
                     long inactiveNanos, long scanPeriodNanos, FullPolicy fullPolicy, Sink sink, Metadata metadata,
                     boolean biflow) {
        this(maxFlows, match, collect, activeNanos, inactiveNanos, scanPeriodNanos, fullPolicy, sink, -1, metadata,
                biflow);
    }

    /** Tests: {@code hashMask} keeps only some bits of every key's hash, so that different keys collide. */
    FlowCache(int maxFlows, Set<FlowField> match, Set<FlowField> collect, long activeNanos, long inactiveNanos,
              long scanPeriodNanos, FullPolicy fullPolicy, Sink sink, int hashMask) {
        this(maxFlows, match, collect, activeNanos, inactiveNanos, scanPeriodNanos, fullPolicy, sink, hashMask, null,
                false);
    }

    FlowCache(int maxFlows, Set<FlowField> match, Set<FlowField> collect, long activeNanos, long inactiveNanos,
              long scanPeriodNanos, FullPolicy fullPolicy, Sink sink, int hashMask, Metadata metadata,
              boolean biflow) {
        if (activeNanos <= 0 || inactiveNanos <= 0 || scanPeriodNanos <= 0) {
            throw new IllegalArgumentException("timeouts must be positive");
        }
        if (biflow && !match.containsAll(Set.of(FlowField.SRC_ADDR, FlowField.DST_ADDR, FlowField.SRC_PORT,
                FlowField.DST_PORT))) {
            throw new IllegalArgumentException("biflows need src_addr, dst_addr, src_port and dst_port in match");
        }
        this.biflow = biflow;
        if (metadata != null) {
            this.extractor = new MetaExtractor(metadata.fields(), metadata.maxBytes());
            this.metaSlot = extractor.slotSize();
            this.store = new MetaStore(Math.min(metadata.flows(), maxFlows), metaSlot);
            this.stMeta = new byte[STAGE * metaSlot];
        } else {
            this.extractor = null;
            this.metaSlot = 0;
            this.store = null;
            this.stMeta = null;
        }
        this.key = new FlowKey(match, collect, hashMask, biflow);
        this.flows = new FlowTable(maxFlows, store, biflow, key.keepsTunnelSource());
        this.wheel = new ExpiryWheel(maxFlows, Math.max(activeNanos, inactiveNanos), scanPeriodNanos);
        this.activeNanos = activeNanos;
        this.inactiveNanos = inactiveNanos;
        this.fullPolicy = fullPolicy;
        this.sink = sink;
    }

    /** The records: what an exporter or an operator query reads. */
    public FlowTable flows() {
        return flows;
    }

    // ---- packet path -----------------------------------------------------------------------------------------

    /** Account one parsed packet now. Non-IP frames are only counted. */
    public void update(Packet p, long nowNanos) {
        drain(); // what was staged comes first
        if (encode(p, nowNanos, st, 0, stMeta, 0)) {
            account(st, 0, 1, stMeta, 0);
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
        if (!encode(p, nowNanos, st, staged * ENTRY, stMeta, staged * metaSlot)) {
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
            account(st, 0, n, stMeta, 0);
        }
    }

    /**
     * Account {@code n} packets {@link #encode encoded} at {@code src[off]}, {@code src[off + ENTRY]}, ... in order,
     * after anything staged. At most {@value #STAGE} at a time are looked up together; more are taken in turns.
     */
    public void account(long[] src, int off, int n) {
        account(src, off, n, null, 0);
    }

    /**
     * {@link #account(long[], int, int)} with the packets' metadata records: packet {@code i}'s at
     * {@code meta[metaOff + i * metaSlotSize()]} (see {@link #encode(Packet, long, long[], int, byte[], int)}).
     */
    public void account(long[] src, int off, int n, byte[] meta, int metaOff) {
        if (src != st) {
            drain();
        }
        for (int from = 0; from < n; from += STAGE) {
            final int m = Math.min(STAGE, n - from);
            final int base = off + from * ENTRY;
            if (m > 1) {
                final long[] t = flows.index;
                final long[] r = flows.rec;
                final int mask = flows.mask;
                final int[] sh = stHash;
                final long[] pre = stSlot;
                for (int i = 0; i < m; i++) { // independent loads: the misses overlap
                    int h = (int) src[base + i * ENTRY + FlowKey.E_HASH];
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
                apply(src, base + i * ENTRY, meta, metaOff + (from + i) * metaSlot);
            }
        }
    }

    /**
     * What the cache needs of a parsed packet, as {@value FlowKey#ENTRY} longs at {@code dst[off]}, for {@link #account}:
     * false (nothing written) for a frame that is not IP. Reads only the configuration, so any thread may call it
     * while another owns the cache (what {@link FlowPipe} does).
     */
    public boolean encode(Packet p, long nowNanos, long[] dst, int off) {
        return key.encode(p, nowNanos, dst, off);
    }

    /**
     * {@link #encode(Packet, long, long[], int)}, and when the cache extracts metadata, the packet's metadata record
     * into {@code meta[metaOff, metaOff + metaSlotSize())} (marked in the entry when there is one). The extractor
     * has scratch space: one thread at a time encodes.
     */
    public boolean encode(Packet p, long nowNanos, long[] dst, int off, byte[] meta, int metaOff) {
        if (!key.encode(p, nowNanos, dst, off)) {
            return false;
        }
        if (extractor != null && meta != null && extractor.extract(p, meta, metaOff)) {
            dst[off + FlowKey.E_TCP] |= FlowKey.E_TCP_META;
        }
        return true;
    }

    /** Bytes of one packet's metadata record beside its entry (0 when the cache extracts none). */
    public int metaSlotSize() {
        return metaSlot;
    }

    /** Accounts the packet encoded at {@code in[k]}: finds or creates its flow, then counts it. */
    private void apply(long[] in, int k, byte[] meta, int m) {
        final long now = in[k + FlowKey.E_NOW];
        final long ts = in[k + FlowKey.E_TS];
        final long[] r = flows.rec;
        final int h = (int) in[k + FlowKey.E_HASH];
        int f = flows.find(in, k, h);
        if (f < 0) {
            f = create(-1 - f, h);
            if (f < 0) {
                return;
            }
            int b = f << SHIFT;
            System.arraycopy(in, k, r, b, 8); // the encoded key is the record's
            long collected = FlowTable.IN_USE;
            if (key.keepsVlan()) {
                collected |= FlowKey.vlan(in[k + FlowKey.E_TCP]) << FlowTable.VLAN_SHIFT;
            }
            boolean answer = false; // biflows: the first packet is the responder's
            if (biflow) {
                long e0 = in[k + FlowKey.E_TCP];
                boolean reversed = (e0 & FlowKey.E_TCP_REVERSED) != 0;
                answer = (e0 & 0x100) != 0 && (e0 & 0x12) == 0x12; // a SYN-ACK answers the other side
                if (reversed != answer) {
                    collected |= FlowTable.INIT_REVERSED;
                }
            }
            r[b + V + FlowTable.FLAGS] = collected;
            r[b + V + FlowTable.C_SRC_MAC] = in[k + (answer ? FlowKey.E_DST_MAC : FlowKey.E_SRC_MAC)];
            r[b + V + FlowTable.C_DST_MAC] = in[k + (answer ? FlowKey.E_SRC_MAC : FlowKey.E_DST_MAC)];
            r[b + V + FlowTable.ACTIVE_START] = now;
            if (flows.tun != null) {
                flows.tun[f << 1] = in[k + FlowKey.E_TUN_SRC_HI];
                flows.tun[(f << 1) + 1] = in[k + FlowKey.E_TUN_SRC_LO];
            }
            wheel.link(f, Math.min(ts + inactiveNanos, now + activeNanos), now);
        }
        final int v = (f << SHIFT) + V;
        final long e = in[k + FlowKey.E_TCP];
        final boolean backwards = biflow && ((e & FlowKey.E_TCP_REVERSED) != 0)
                != ((r[v + FlowTable.FLAGS] & FlowTable.INIT_REVERSED) != 0);
        if (backwards) {
            reverse(f, v, FlowKey.length(e), e, ts);
        } else {
            if (r[v + FlowTable.PACKETS] == 0) {
                r[v + FlowTable.FIRST] = ts;
            }
            r[v + FlowTable.PACKETS]++;
            r[v + FlowTable.BYTES] += FlowKey.length(e);
            r[v + FlowTable.LAST] = ts;
            final int tcp = (int) e & 0x1ff;
            if (tcp != 0) {
                int fl = tcp & 0xff;
                long flags = r[v + FlowTable.FLAGS];
                if ((fl & 0x05) != 0 && (flags & FlowTable.FINISHED) == 0) { // FIN or RST: ends it at the next expire
                    r[v + FlowTable.FLAGS] = flags | fl | FlowTable.FINISHED;
                    wheel.finish(f);
                } else {
                    r[v + FlowTable.FLAGS] = flags | fl;
                }
            }
        }
        if ((e & FlowKey.E_TCP_META) != 0 && meta != null) {
            keepMeta(v, meta, m);
        }
    }

    /**
     * Biflows: counts a packet ({@code len} bytes, entry word {@code e} with its TCP flags) in flow {@code f}'s
     * reverse direction (responder to initiator).
     */
    private void reverse(int f, int v, long len, long e, long ts) {
        final long[] rv = flows.rev;
        final int ri = f << FlowTable.REV_SHIFT;
        if (rv[ri + FlowTable.R_PACKETS] == 0) {
            rv[ri + FlowTable.R_FIRST] = ts;
        }
        rv[ri + FlowTable.R_PACKETS]++;
        rv[ri + FlowTable.R_BYTES] += len;
        rv[ri + FlowTable.R_LAST] = ts;
        final int tcp = (int) e & 0x1ff;
        if (tcp != 0) {
            int fl = tcp & 0xff;
            rv[ri + FlowTable.R_FLAGS] |= fl;
            final long[] r = flows.rec;
            long flags = r[v + FlowTable.FLAGS];
            if ((fl & 0x05) != 0 && (flags & FlowTable.FINISHED) == 0) { // FIN or RST either way ends it
                r[v + FlowTable.FLAGS] = flags | FlowTable.FINISHED;
                wheel.finish(f);
            }
        }
    }

    /** When flow {@code f} last saw a packet (biflows: in either direction). */
    private long lastSeen(int f) {
        long last = flows.rec[(f << SHIFT) + V + FlowTable.LAST];
        return biflow ? Math.max(last, flows.rev[(f << FlowTable.REV_SHIFT) + FlowTable.R_LAST]) : last;
    }

    /** The flow (values at {@code r[v]}) keeps the record at {@code meta[m]} unless it has one already. */
    private void keepMeta(int v, byte[] meta, int m) {
        final long[] r = flows.rec;
        long fl = r[v + FlowTable.FLAGS];
        if ((fl >>> FlowTable.META_SHIFT) != 0) {
            return; // the first record of a flow is its record
        }
        int slot = store.allocate();
        if (slot < 0) {
            return;
        }
        System.arraycopy(meta, m, store.bytes, slot * metaSlot, MetaRecord.used(meta, m));
        r[v + FlowTable.FLAGS] = fl | (long) (slot + 1) << FlowTable.META_SHIFT;
        metaKept++;
    }

    /** A new flow in the empty index slot {@code slot}, or -1 when the cache is full and drops new flows. */
    private int create(int slot, int h) {
        if (flows.size() >= flows.maxFlows) {
            if (fullPolicy == FullPolicy.DROP_NEW) {
                droppedFull++;
                return -1;
            }
            evictOne();
            slot = flows.emptySlot(h); // the eviction may have shifted entries
        }
        created++;
        return flows.insert(slot, h);
    }

    /** Cache full: export and free the least recently seen of a few flows after the scan cursor. */
    private void evictOne() {
        final long[] r = flows.rec;
        final int top = flows.highWater();
        int best = -1;
        long bestLast = Long.MAX_VALUE;
        int i = evictCursor < top ? evictCursor : 0;
        int sample = Math.min(EVICTION_SAMPLE, flows.size());
        for (int seen = 0; seen < sample; i = i + 1 < top ? i + 1 : 0) {
            if (flows.inUse(i)) {
                seen++;
                long last = lastSeen(i);
                if (last < bestLast) {
                    bestLast = last;
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
     * that has fully elapsed (a timeout is noticed at most one scan period late). Call it often (every poll). The
     * work is proportional to the flows examined — each flow about once per timeout, not the whole cache once per
     * period. Returns the number of flows exported.
     */
    public int expire(long nowNanos) {
        drain();
        return wheel.expire(nowNanos, examiner);
    }

    /** A flow whose slot came: export it if a timeout passed, and put it into the slot of its next deadline. */
    private boolean examine(int f, long nowNanos) {
        final long[] r = flows.rec;
        final int v = (f << SHIFT) + V;
        final long fl = r[v + FlowTable.FLAGS];
        if ((fl & FlowTable.IN_USE) == 0) {
            return false;
        }
        if ((fl & FlowTable.FINISHED) != 0) {
            return end(f, REASON_END_OF_FLOW);
        }
        final long last = lastSeen(f);
        if (nowNanos - last >= inactiveNanos) {
            return end(f, REASON_IDLE);
        }
        boolean exported = false;
        if (nowNanos - r[v + FlowTable.ACTIVE_START] >= activeNanos) {
            exported = emit(f, REASON_ACTIVE);
            r[v + FlowTable.PACKETS] = 0;
            r[v + FlowTable.BYTES] = 0;
            r[v + FlowTable.FLAGS] = fl & ~0xffL;
            r[v + FlowTable.ACTIVE_START] = nowNanos;
            if (biflow) {
                int ri = f << FlowTable.REV_SHIFT;
                flows.rev[ri + FlowTable.R_PACKETS] = 0;
                flows.rev[ri + FlowTable.R_BYTES] = 0;
                flows.rev[ri + FlowTable.R_FLAGS] = 0;
            }
        }
        wheel.link(f, Math.min(last + inactiveNanos, r[v + FlowTable.ACTIVE_START] + activeNanos),
                nowNanos);
        return exported;
    }

    /**
     * Export every flow (reason forced: shutdown or end of a capture) and empty the cache. The flows go in record
     * order (sequential reads). Unless the cache is nearly empty for its size, the index and the expiry lists are
     * then cleared whole instead of flow by flow (each removal costs random reads; at a million flows the flush
     * took 180 ms flow by flow, 130-140 ms this way); a nearly empty cache keeps its untouched index pages unwritten.
     */
    public int flush() {
        drain();
        final long[] r = flows.rec;
        final int top = flows.highWater();
        final boolean whole = flows.size() >= flows.indexSlots() >>> 6;
        int exported = 0;
        for (int i = 0; i < top; i++) {
            int fl = (i << SHIFT) + V + FlowTable.FLAGS;
            if ((r[fl] & FlowTable.IN_USE) == 0) {
                continue;
            }
            if (whole) {
                if (emit(i, REASON_FORCED)) {
                    exported++;
                }
                r[fl] = 0;
            } else if (end(i, REASON_FORCED)) {
                exported++;
            }
        }
        wheel.clear(whole ? top : 0);
        flows.clear(whole);
        if (store != null && whole) {
            store.clear(); // every flow is gone
        }
        evictCursor = 0;
        return exported;
    }

    /** Hand flow {@code f} to the sink unless it has counted nothing since an active-timeout export. */
    private boolean emit(int f, int reason) {
        if (flows.packets(f) == 0 && flows.revPackets(f) == 0) {
            return false;
        }
        endedBy[reason]++;
        sink.export(flows, f, reason);
        return true;
    }

    /** Export (see {@link #emit}) and free flow {@code f}; true if it was exported. */
    private boolean end(int f, int reason) {
        boolean exported = emit(f, reason);
        if (store != null) {
            int slot = flows.metaSlot(f);
            if (slot >= 0) {
                store.release(slot);
            }
        }
        wheel.unlink(f);
        flows.remove(f, key.hash(flows.rec, f << SHIFT));
        return exported;
    }

    // ---- inspection (operator queries; not per packet) ------------------------------------------------------

    /**
     * The {@code n} flows in the cache with the most bytes since their last export (an active-timeout export
     * starts a flow's counts again), largest first, ties by packets (see {@link TopFlows}). Read them through
     * {@link #flows()}.
     */
    public int[] top(int n) {
        drain();
        return TopFlows.of(flows, n);
    }

    private TopFlows topScan;

    /**
     * One slice of a pass for the {@code n} largest flows ({@link TopFlows}): looks at up to {@code budget} records;
     * answers the pass's flows (largest first, by their counts when seen) when it ended, else null. On the cache's
     * thread, between packets (housekeeping).
     */
    public int[] topStep(int n, int budget) {
        if (topScan == null) {
            topScan = new TopFlows(flows);
        }
        return topScan.step(n, budget);
    }

    // ---- counters --------------------------------------------------------------------------------------------

    public int size() {
        return flows.size();
    }

    public int maxFlows() {
        return flows.maxFlows();
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

    /** Whether the cache keeps biflows. */
    public boolean biflow() {
        return biflow;
    }

    /** The metadata extractor (its counters), null when the cache extracts none. */
    public MetaExtractor metadata() {
        return extractor;
    }

    /** Where flows keep their metadata, null when the cache extracts none. */
    public MetaStore metaStore() {
        return store;
    }

    /** Flows that got a metadata record. */
    public long metaKept() {
        return metaKept;
    }

    /** Flows exported with the given reason ({@link #REASON_IDLE} ... {@link #REASON_LACK_OF_RESOURCES}). */
    public long endedBy(int reason) {
        return endedBy[reason];
    }
}
