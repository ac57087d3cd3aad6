package org.secmon.dataplane.filter;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;

import org.secmon.plugin.Packet;

/**
 * A compiled 7-tuple classifier: first match in priority order (1 highest; equal priorities keep their list order).
 *
 * <p>Bit-vector search with aggregation: each of the seven fields maps a packet value to an equivalence class
 * (binary search over elementary intervals for addresses, direct tables for ports and protocol, a hash for MACs),
 * and each class owns a bitmap of the rules it satisfies, in priority order. The first rule that matches is the
 * lowest bit set in the AND of the seven bitmaps. An aggregate bitmap per class (one bit per 64-rule word) skips
 * words that cannot match, so that 1,000 rules cost a few more memory loads than 10, not 100 times more. Fields
 * that no rule constrains are not looked up at all.
 *
 * <p>Immutable after construction except for the per-rule hit counters, which only the thread that classifies
 * writes. {@link #classify} allocates nothing.
 */
public final class Classifier {
    /** {@link #classify} result: the packet is not for this plugin. */
    public static final int DROP = -1;
    private static final int DIRECT_WORDS = 4;
    /** Longs before and after the hit counters (128 bytes). */
    private static final int HITS_PAD = 16;

    private final Rule[] rules;
    private final boolean passAll;
    private final int defaultResult;
    private final int[] results;
    /**
     * This instance's matches per rule, at {@code HITS_PAD + index}: one instance per rx thread (see replica), and
     * 128 bytes of nothing either side, so that no other object — the {@code results} every replica reads, another
     * replica's counters — shares a cache line (or the pair the prefetcher fetches together) with what this thread
     * writes for every packet.
     */
    private final long[] hits;
    private final List<Classifier> peers; // the compiled instance and its replicas, for hits()
    private final int words;
    private final int aggWords;

    private final IpField srcIp;
    private final IpField dstIp;
    private final TableField protocol;
    private final TableField srcPort;
    private final TableField dstPort;
    private final MacField srcMac;
    private final MacField dstMac;

    private Classifier(Rule[] sorted, Action defaultAction) {
        this.rules = sorted;
        int n = sorted.length;
        this.passAll = n == 0;
        this.defaultResult = defaultAction == Action.FORWARD ? 0 : DROP;
        this.results = new int[n];
        for (int i = 0; i < n; i++) {
            results[i] = sorted[i].action() == Action.FORWARD ? sorted[i].truncateToSize() : DROP;
        }
        this.hits = new long[n + 2 * HITS_PAD];
        this.words = Math.max(1, (n + 63) >>> 6);
        this.aggWords = (words + 63) >>> 6;
        this.srcIp = IpField.build(sorted, true, words, aggWords);
        this.dstIp = IpField.build(sorted, false, words, aggWords);
        this.protocol = TableField.protocol(sorted, words, aggWords);
        this.srcPort = TableField.ports(sorted, true, words, aggWords);
        this.dstPort = TableField.ports(sorted, false, words, aggWords);
        this.srcMac = MacField.build(sorted, true, words, aggWords);
        this.dstMac = MacField.build(sorted, false, words, aggWords);
        this.peers = new CopyOnWriteArrayList<>(List.of(this));
    }

    private Classifier(Classifier of) {
        this.rules = of.rules;
        this.passAll = of.passAll;
        this.defaultResult = of.defaultResult;
        this.results = of.results;
        this.hits = new long[of.rules.length + 2 * HITS_PAD];
        this.peers = of.peers;
        this.words = of.words;
        this.aggWords = of.aggWords;
        this.srcIp = of.srcIp;
        this.dstIp = of.dstIp;
        this.protocol = of.protocol;
        this.srcPort = of.srcPort;
        this.dstPort = of.dstPort;
        this.srcMac = of.srcMac;
        this.dstMac = of.dstMac;
    }

    /**
     * Another instance of the same compiled rules (the tables are shared, nothing is compiled again) with hit
     * counters of its own, for another rx thread: threads that shared one instance would write the same counters
     * (lost increments, and the cache line bouncing between cores on every packet). {@link #hits} of any instance
     * sums over all of them.
     */
    public Classifier replica() {
        Classifier r = new Classifier(this);
        peers.add(r);
        return r;
    }

    /**
     * Compile rules (any order). With no rules everything is forwarded whole; otherwise a packet no rule matches
     * gets {@code defaultAction}.
     */
    public static Classifier compile(List<Rule> rules, Action defaultAction) {
        Rule[] sorted = rules.toArray(new Rule[0]);
        Arrays.sort(sorted, Comparator.comparingInt(Rule::priority)); // stable: list order breaks ties
        return new Classifier(sorted, defaultAction);
    }

    /** Compile with the default action DROP (a packet no rule selects is not monitored). */
    public static Classifier compile(List<Rule> rules) {
        return compile(rules, Action.DROP);
    }

    public static Classifier passAll() {
        return compile(List.of());
    }

    /**
     * Classify a parsed packet.
     *
     * @return {@link #DROP}, or the truncation size to deliver with (0 = the whole packet)
     */
    public int classify(Packet p) {
        if (passAll) {
            return 0;
        }
        int r = firstMatch(p);
        if (r < 0) {
            return defaultResult;
        }
        hits[HITS_PAD + r]++;
        return results[r];
    }

    /** Index (in priority order) of the first matching rule, or -1. */
    public int firstMatch(Packet p) {
        final int ipv = p.ipVersion();
        final int c0 = srcIp.classOf(ipv, p.srcHi(), p.srcLo());
        final int c1 = dstIp.classOf(ipv, p.dstHi(), p.dstLo());
        final int c2 = protocol.classOf(ipv == 0 ? TableField.PROTO_NO_IP : p.protocol());
        final boolean ports = p.hasPorts();
        final int c3 = srcPort.classOf(ports ? p.srcPort() : TableField.NO_PORT);
        final int c4 = dstPort.classOf(ports ? p.dstPort() : TableField.NO_PORT);
        final int c5 = srcMac.classOf(p.srcMac());
        final int c6 = dstMac.classOf(p.dstMac());
        final long[] b0 = srcIp.bits;
        final long[] b1 = dstIp.bits;
        final long[] b2 = protocol.bits;
        final long[] b3 = srcPort.bits;
        final long[] b4 = dstPort.bits;
        final long[] b5 = srcMac.bits;
        final long[] b6 = dstMac.bits;
        final int w = words;
        if (w == 1) {
            long m = b0[c0] & b1[c1] & b2[c2] & b3[c3] & b4[c4] & b5[c5] & b6[c6];
            return m == 0 ? -1 : Long.numberOfTrailingZeros(m);
        }
        if (w <= DIRECT_WORDS) {
            // up to 256 rules: AND the words in order; cheaper than consulting the aggregate bitmaps first
            final int o0 = c0 * w;
            final int o1 = c1 * w;
            final int o2 = c2 * w;
            final int o3 = c3 * w;
            final int o4 = c4 * w;
            final int o5 = c5 * w;
            final int o6 = c6 * w;
            for (int i = 0; i < w; i++) {
                long m = b0[o0 + i] & b1[o1 + i] & b2[o2 + i] & b3[o3 + i] & b4[o4 + i] & b5[o5 + i] & b6[o6 + i];
                if (m != 0) {
                    return (i << 6) + Long.numberOfTrailingZeros(m);
                }
            }
            return -1;
        }
        final int aw = aggWords;
        final long[] g0 = srcIp.agg;
        final long[] g1 = dstIp.agg;
        final long[] g2 = protocol.agg;
        final long[] g3 = srcPort.agg;
        final long[] g4 = dstPort.agg;
        final long[] g5 = srcMac.agg;
        final long[] g6 = dstMac.agg;
        for (int a = 0; a < aw; a++) {
            long am = g0[c0 * aw + a] & g1[c1 * aw + a] & g2[c2 * aw + a] & g3[c3 * aw + a] & g4[c4 * aw + a]
                    & g5[c5 * aw + a] & g6[c6 * aw + a];
            while (am != 0) {
                int i = (a << 6) + Long.numberOfTrailingZeros(am);
                long m = b0[c0 * w + i] & b1[c1 * w + i] & b2[c2 * w + i] & b3[c3 * w + i] & b4[c4 * w + i]
                        & b5[c5 * w + i] & b6[c6 * w + i];
                if (m != 0) {
                    return (i << 6) + Long.numberOfTrailingZeros(m);
                }
                am &= am - 1;
            }
        }
        return -1;
    }

    /** The rules in priority order (the index space of {@link #firstMatch} and {@link #hits}). */
    public List<Rule> rules() {
        return List.of(rules);
    }

    /**
     * Matches of rule {@code index} so far, over this instance and its {@link #replica replicas} (approximate while
     * rx threads are counting).
     */
    public long hits(int index) {
        java.util.Objects.checkIndex(index, rules.length);
        long n = 0;
        for (Classifier c : peers) {
            n += c.hits[HITS_PAD + index];
        }
        return n;
    }

    public int size() {
        return rules.length;
    }

    // ---- fields ------------------------------------------------------------------------------------------------

    /** Per-class rule bitmaps, deduplicated, plus aggregate bitmaps. */
    static final class ClassTable {
        final List<BitSet> classes = new ArrayList<>();
        final Map<BitSet, Integer> index = new HashMap<>();

        int intern(BitSet s) {
            Integer i = index.get(s);
            if (i != null) {
                return i;
            }
            int c = classes.size();
            BitSet copy = (BitSet) s.clone();
            classes.add(copy);
            index.put(copy, c);
            return c;
        }

        long[] bits(int words) {
            long[] out = new long[classes.size() * words];
            for (int c = 0; c < classes.size(); c++) {
                long[] l = classes.get(c).toLongArray();
                System.arraycopy(l, 0, out, c * words, Math.min(words, l.length));
            }
            return out;
        }

        long[] agg(int words, int aggWords) {
            long[] out = new long[classes.size() * aggWords];
            for (int c = 0; c < classes.size(); c++) {
                long[] l = classes.get(c).toLongArray();
                for (int w = 0; w < l.length && w < words; w++) {
                    if (l[w] != 0) {
                        out[c * aggWords + (w >>> 6)] |= 1L << (w & 63);
                    }
                }
            }
            return out;
        }
    }

    private static BitSet all(int n) {
        BitSet s = new BitSet(n);
        s.set(0, n);
        return s;
    }

    static final class IpField {
        final boolean active;
        final long[] boundHi;
        final long[] boundLo;
        final int[] intervalClass;
        final int noIpClass;
        final long[] bits;
        final long[] agg;
        // IPv4 fast path, as DIR-16-8: the class of every /16 (>= 0), or -(k + 1) for a /16 that interval bounds cut,
        // whose /24s are in block k of v4l2 (>= 0: the class; -1: a /24 that bounds cut again: binary search)
        final int[] v4l1;
        final int[] v4l2;

        private IpField(boolean active, long[] boundHi, long[] boundLo, int[] intervalClass, int noIpClass,
                        long[] bits, long[] agg) {
            this.active = active;
            this.boundHi = boundHi;
            this.boundLo = boundLo;
            this.intervalClass = intervalClass;
            this.noIpClass = noIpClass;
            this.bits = bits;
            this.agg = agg;
            if (active) {
                int[][] t = v4Tables(boundHi, boundLo, intervalClass);
                this.v4l1 = t[0];
                this.v4l2 = t[1];
            } else {
                this.v4l1 = null;
                this.v4l2 = null;
            }
        }

        private static int[][] v4Tables(long[] bh, long[] bl, int[] cls) {
            int[] l1 = new int[1 << 16];
            int[] l2 = new int[256];
            int blocks = 0;
            for (int b = 0; b < 1 << 16; b++) {
                long start = Packet.V4_MAPPED_LO_PREFIX | (long) b << 16;
                int i = interval(bh, bl, Packet.V4_MAPPED_HI, start);
                if (!cut(bh, bl, i, start + (1 << 16))) {
                    l1[b] = cls[i];
                    continue;
                }
                if ((blocks + 1) * 256 > l2.length) {
                    l2 = Arrays.copyOf(l2, l2.length * 2);
                }
                l1[b] = -(blocks + 1);
                for (int s = 0; s < 256; s++) {
                    long sub = start | (long) s << 8;
                    int j = interval(bh, bl, Packet.V4_MAPPED_HI, sub);
                    l2[blocks * 256 + s] = cut(bh, bl, j, sub + 256) ? -1 : cls[j];
                }
                blocks++;
            }
            return new int[][] {l1, Arrays.copyOf(l2, Math.max(1, blocks) * 256)};
        }

        /** Whether a bound after interval {@code i} falls below the IPv4-mapped address {@code endLo} (exclusive). */
        private static boolean cut(long[] bh, long[] bl, int i, long endLo) {
            return i + 1 < bh.length && bh[i + 1] == Packet.V4_MAPPED_HI
                    && Long.compareUnsigned(bl[i + 1], endLo) < 0;
        }

        /** The largest i with bound[i] <= (hi, lo); bound[0] == 0 so i >= 0. */
        private static int interval(long[] bh, long[] bl, long hi, long lo) {
            int low = 0;
            int high = bh.length - 1;
            while (low < high) {
                int mid = (low + high + 1) >>> 1;
                int c = Long.compareUnsigned(bh[mid], hi);
                if (c < 0 || (c == 0 && Long.compareUnsigned(bl[mid], lo) <= 0)) {
                    low = mid;
                } else {
                    high = mid - 1;
                }
            }
            return low;
        }

        static IpField build(Rule[] rules, boolean source, int words, int aggWords) {
            int n = rules.length;
            ClassTable t = new ClassTable();
            boolean active = false;
            for (Rule r : rules) {
                active |= !(source ? r.src() : r.dst()).isAny();
            }
            if (!active) {
                t.intern(all(n));
                return new IpField(false, null, null, null, 0, t.bits(words), t.agg(words, aggWords));
            }
            // elementary interval starts, as unsigned 128-bit values
            TreeSet<long[]> points = new TreeSet<>(IpField::compareUnsigned);
            points.add(new long[] {0, 0});
            for (Rule r : rules) {
                IpPrefix p = source ? r.src() : r.dst();
                points.add(p.first());
                long[] last = p.last();
                if (!(last[0] == -1L && last[1] == -1L)) {
                    long lo = last[1] + 1;
                    long hi = lo == 0 ? last[0] + 1 : last[0];
                    points.add(new long[] {hi, lo});
                }
            }
            int m = points.size();
            long[] bh = new long[m];
            long[] bl = new long[m];
            int[] cls = new int[m];
            int i = 0;
            BitSet s = new BitSet(n);
            for (long[] pt : points) {
                bh[i] = pt[0];
                bl[i] = pt[1];
                s.clear();
                for (int k = 0; k < n; k++) {
                    if ((source ? rules[k].src() : rules[k].dst()).contains(pt[0], pt[1])) {
                        s.set(k);
                    }
                }
                cls[i++] = t.intern(s);
            }
            s.clear();
            for (int k = 0; k < n; k++) {
                if ((source ? rules[k].src() : rules[k].dst()).isAny()) {
                    s.set(k);
                }
            }
            int noIp = t.intern(s);
            return new IpField(true, bh, bl, cls, noIp, t.bits(words), t.agg(words, aggWords));
        }

        static int compareUnsigned(long[] a, long[] b) {
            int c = Long.compareUnsigned(a[0], b[0]);
            return c != 0 ? c : Long.compareUnsigned(a[1], b[1]);
        }

        int classOf(int ipVersion, long hi, long lo) {
            if (!active) {
                return 0;
            }
            if (ipVersion == 0) {
                return noIpClass;
            }
            if (hi == Packet.V4_MAPPED_HI && (lo >>> 32) == (Packet.V4_MAPPED_LO_PREFIX >>> 32)) {
                final int a = (int) lo;
                int e = v4l1[a >>> 16];
                if (e >= 0) {
                    return e;
                }
                e = v4l2[(-e - 1) << 8 | (a >>> 8) & 0xff];
                if (e >= 0) {
                    return e;
                }
            }
            return intervalClass[interval(boundHi, boundLo, hi, lo)];
        }
    }

    static final class TableField {
        static final int NO_PORT = 65536;
        static final int PROTO_NO_IP = 256;

        final boolean active;
        final int[] table;
        final long[] bits;
        final long[] agg;

        private TableField(boolean active, int[] table, long[] bits, long[] agg) {
            this.active = active;
            this.table = table;
            this.bits = bits;
            this.agg = agg;
        }

        static TableField ports(Rule[] rules, boolean source, int words, int aggWords) {
            int n = rules.length;
            ClassTable t = new ClassTable();
            boolean active = false;
            for (Rule r : rules) {
                active |= !(source ? r.srcPorts() : r.dstPorts()).isAny();
            }
            if (!active) {
                t.intern(all(n));
                return new TableField(false, null, t.bits(words), t.agg(words, aggWords));
            }
            TreeSet<Integer> starts = new TreeSet<>();
            starts.add(0);
            for (Rule r : rules) {
                PortRange pr = source ? r.srcPorts() : r.dstPorts();
                starts.add(pr.from());
                if (pr.to() < 65535) {
                    starts.add(pr.to() + 1);
                }
            }
            int[] table = new int[NO_PORT + 1];
            Integer[] st = starts.toArray(new Integer[0]);
            BitSet s = new BitSet(n);
            for (int i = 0; i < st.length; i++) {
                int from = st[i];
                int to = i + 1 < st.length ? st[i + 1] - 1 : 65535;
                s.clear();
                for (int k = 0; k < n; k++) {
                    PortRange pr = source ? rules[k].srcPorts() : rules[k].dstPorts();
                    if (pr.from() <= from && from <= pr.to()) {
                        s.set(k);
                    }
                }
                Arrays.fill(table, from, to + 1, t.intern(s));
            }
            s.clear();
            for (int k = 0; k < n; k++) {
                if ((source ? rules[k].srcPorts() : rules[k].dstPorts()).isAny()) {
                    s.set(k);
                }
            }
            table[NO_PORT] = t.intern(s);
            return new TableField(true, table, t.bits(words), t.agg(words, aggWords));
        }

        static TableField protocol(Rule[] rules, int words, int aggWords) {
            int n = rules.length;
            ClassTable t = new ClassTable();
            boolean active = false;
            for (Rule r : rules) {
                active |= r.protocol() != Rule.ANY_PROTOCOL;
            }
            if (!active) {
                t.intern(all(n));
                return new TableField(false, null, t.bits(words), t.agg(words, aggWords));
            }
            int[] table = new int[PROTO_NO_IP + 1];
            BitSet s = new BitSet(n);
            for (int v = 0; v <= PROTO_NO_IP; v++) {
                s.clear();
                for (int k = 0; k < n; k++) {
                    int rp = rules[k].protocol();
                    if (rp == Rule.ANY_PROTOCOL || (v != PROTO_NO_IP && rp == v)) {
                        s.set(k);
                    }
                }
                table[v] = t.intern(s);
            }
            return new TableField(true, table, t.bits(words), t.agg(words, aggWords));
        }

        int classOf(int value) {
            return active ? table[value] : 0;
        }
    }

    static final class MacField {
        final boolean active;
        final long[] keys;
        final int[] values;
        final int mask;
        final int defaultClass;
        final long[] bits;
        final long[] agg;

        private MacField(boolean active, long[] keys, int[] values, int defaultClass, long[] bits, long[] agg) {
            this.active = active;
            this.keys = keys;
            this.values = values;
            this.mask = keys == null ? 0 : keys.length - 1;
            this.defaultClass = defaultClass;
            this.bits = bits;
            this.agg = agg;
        }

        static MacField build(Rule[] rules, boolean source, int words, int aggWords) {
            int n = rules.length;
            ClassTable t = new ClassTable();
            TreeSet<Long> macs = new TreeSet<>();
            for (Rule r : rules) {
                long mac = source ? r.srcMac() : r.dstMac();
                if (mac != Rule.ANY_MAC) {
                    macs.add(mac);
                }
            }
            if (macs.isEmpty()) {
                t.intern(all(n));
                return new MacField(false, null, null, 0, t.bits(words), t.agg(words, aggWords));
            }
            BitSet s = new BitSet(n);
            for (int k = 0; k < n; k++) {
                if ((source ? rules[k].srcMac() : rules[k].dstMac()) == Rule.ANY_MAC) {
                    s.set(k);
                }
            }
            int def = t.intern(s);
            int cap = Integer.highestOneBit(Math.max(4, macs.size() * 4 - 1)) << 1;
            long[] keys = new long[cap];
            int[] values = new int[cap];
            Arrays.fill(keys, Rule.ANY_MAC); // ANY_MAC (-1) is never a 48-bit MAC: the empty marker
            for (long mac : macs) {
                s.clear();
                for (int k = 0; k < n; k++) {
                    long rm = source ? rules[k].srcMac() : rules[k].dstMac();
                    if (rm == Rule.ANY_MAC || rm == mac) {
                        s.set(k);
                    }
                }
                int slot = hash(mac) & (cap - 1);
                while (keys[slot] != Rule.ANY_MAC) {
                    slot = (slot + 1) & (cap - 1);
                }
                keys[slot] = mac;
                values[slot] = t.intern(s);
            }
            return new MacField(true, keys, values, def, t.bits(words), t.agg(words, aggWords));
        }

        static int hash(long mac) {
            long h = mac * 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 32));
        }

        int classOf(long mac) {
            if (!active) {
                return 0;
            }
            int slot = hash(mac) & mask;
            while (true) {
                long k = keys[slot];
                if (k == mac) {
                    return values[slot];
                }
                if (k == Rule.ANY_MAC) {
                    return defaultClass;
                }
                slot = (slot + 1) & mask;
            }
        }
    }
}
