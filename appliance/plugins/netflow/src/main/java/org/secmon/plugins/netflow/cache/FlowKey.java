package org.secmon.plugins.netflow.cache;

import java.util.Set;

import org.secmon.plugin.Packet;

/**
 * A packet as the flow cache needs it: the flow key (the configured match fields; a field that is not matched is 0)
 * and what is counted, encoded as {@value #ENTRY} longs — the format of the cache's staging area and of
 * {@link FlowPipe}'s ring. ICMP flows carry {@code type << 8 | code} as destination port, as Cisco exporters and
 * softflowd do.
 *
 * <p>The key's 8 longs are stored as the first half of the flow's record ({@link FlowTable}); their layout:
 * source address (2 longs), destination address (2), then {@code protocol << 56 | tos << 48 | source port << 32 |
 * destination port << 16 | IP version << 8 | tunnel type << 2 | direction}, {@code input interface << 48 |
 * observation point << 16 | VLAN}, {@code tunnel source tag's high half << 48 | source MAC},
 * {@code tunnel source tag's low half << 48 | destination MAC}. The tunnel source tag (with the observation point
 * matched) keeps flows of different tunnel sources apart: an IPv4 source itself, an IPv6 source's 32-bit hash (two
 * IPv6 sources with the same tunnel id and the same inner flow share a flow only if their hashes collide, about one
 * pair in four billion); the source itself travels in the entry and is kept beside the flow ({@link FlowTable}).
 * Immutable: any thread may encode while another owns the cache.
 */
public final class FlowKey {
    /** Longs per encoded packet. */
    public static final int ENTRY = 16;
    // the key: longs 0..7 (see the class comment); then
    static final int E_HASH = 8;
    static final int E_NOW = 9;
    /** The packet's time (its capture time, or the time of accounting when it has none). */
    public static final int E_TS = 10;
    /**
     * TCP flags | 0x100 (0 when not TCP), | {@link #E_TCP_META} when a metadata record goes with it, |
     * {@link #E_TCP_REVERSED}; the outer VLAN at {@link #E_VLAN_SHIFT}, the IP length at {@link #E_LEN_SHIFT}.
     */
    static final int E_TCP = 11;
    static final long E_TCP_META = 1L << 16;
    /** Biflow caches: the packet goes from the key's destination to its source. */
    static final long E_TCP_REVERSED = 1L << 17;
    static final int E_VLAN_SHIFT = 24;
    static final int E_LEN_SHIFT = 40;
    /** The tunnel's outer source address (with the observation point matched; else 0), high and low half. */
    static final int E_TUN_SRC_HI = 12;
    static final int E_TUN_SRC_LO = 13;
    static final int E_SRC_MAC = 14;
    static final int E_DST_MAC = 15;

    // key word 4 and 5
    static final int K_PROTO_SHIFT = 56;
    static final int K_TOS_SHIFT = 48;
    static final int K_SPORT_SHIFT = 32;
    static final int K_DPORT_SHIFT = 16;
    static final int K_VERSION_SHIFT = 8;
    static final int K_TUNNEL_SHIFT = 2;
    static final int K_DIRECTION_MASK = 0x3;
    static final int K_IF_SHIFT = 48;
    static final int K_OBS_SHIFT = 16;
    static final int K_TUN_TAG_SHIFT = 48;

    private final boolean mSrc, mDst, mProto, mSport, mDport, mTos, mIf, mDir, mSrcMac, mDstMac, mVlan, mObs;
    private final boolean cSrcMac, cDstMac;
    private final boolean keepsVlan;
    private final boolean biflow;
    private final int hashMask;

    /** @param hashMask keeps only some bits of every hash (tests: so that different keys collide); -1 keeps all */
    FlowKey(Set<FlowField> match, Set<FlowField> collect, int hashMask) {
        this(match, collect, hashMask, false);
    }

    /**
     * @param biflow both directions of a conversation get one key (RFC 5103 biflows): the endpoint with the lower
     *               address (then port) is the key's source; the entry says which way the packet went. Only packets
     *               with ports (TCP, UDP, SCTP): ICMP's type and code stay unidirectional.
     */
    FlowKey(Set<FlowField> match, Set<FlowField> collect, int hashMask, boolean biflow) {
        this.biflow = biflow;
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
        mObs = match.contains(FlowField.OBSERVATION_POINT);
        cSrcMac = collect.contains(FlowField.SRC_MAC);
        cDstMac = collect.contains(FlowField.DST_MAC);
        keepsVlan = mVlan || collect.contains(FlowField.VLAN);
        this.hashMask = hashMask;
    }

    boolean biflow() {
        return biflow;
    }

    /** Whether a flow's record keeps the VLAN of its first packet. */
    boolean keepsVlan() {
        return keepsVlan;
    }

    /** Encodes {@code p} at {@code dst[off]}; false (nothing written) for a frame that is not IP. */
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
        } else if ((proto == Packet.PROTO_ICMP || proto == Packet.PROTO_ICMPV6) && p.l4Offset() > 0) {
            dport = p.icmpType() << 8 | p.icmpCode();
        }
        long k0 = mSrc ? p.srcHi() : 0;
        long k1 = mSrc ? p.srcLo() : 0;
        long k2 = mDst ? p.dstHi() : 0;
        long k3 = mDst ? p.dstLo() : 0;
        long m6 = mSrcMac ? p.srcMac() : 0;
        long m7 = mDstMac ? p.dstMac() : 0;
        boolean reversed = false;
        if (biflow && p.hasPorts()) {
            int c = Long.compareUnsigned(k0, k2);
            if (c == 0) {
                c = Long.compareUnsigned(k1, k3);
            }
            if (c > 0 || c == 0 && sport > dport) {
                reversed = true;
                long t = k0;
                k0 = k2;
                k2 = t;
                t = k1;
                k1 = k3;
                k3 = t;
                int tp = sport;
                sport = dport;
                dport = tp;
                t = m6;
                m6 = m7;
                m7 = t;
            }
        }
        final long k4 = (mProto ? (long) proto << K_PROTO_SHIFT : 0) | (mTos ? (long) p.tos() << K_TOS_SHIFT : 0)
                | (mSport ? (long) sport << K_SPORT_SHIFT : 0) | (mDport ? (long) dport << K_DPORT_SHIFT : 0)
                | (long) ver << K_VERSION_SHIFT | (mDir ? p.direction() & K_DIRECTION_MASK : 0)
                | (mObs ? (long) (p.tunnelType() & 0x3f) << K_TUNNEL_SHIFT : 0);
        final long k5 = (mIf ? (long) (p.inputPort() & 0xffff) << K_IF_SHIFT : 0)
                | (mObs ? (p.tunnelId() & 0xffff_ffffL) << K_OBS_SHIFT : 0) | (mVlan ? p.outerVlan() & 0xffff : 0);
        long k6 = m6;
        long k7 = m7;
        long tunHi = 0;
        long tunLo = 0;
        if (mObs && p.tunnelType() != Packet.TUNNEL_NONE) {
            tunHi = p.tunnelSrcHi();
            tunLo = p.tunnelSrcLo();
            long tag = tunnelTag(tunHi, tunLo);
            k6 |= (tag >>> 16) << K_TUN_TAG_SHIFT;
            k7 |= (tag & 0xffff) << K_TUN_TAG_SHIFT;
        }
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
        dst[off + E_TCP] = (proto == Packet.PROTO_TCP && p.hasPorts() ? p.tcpFlags() | 0x100 : 0)
                | (reversed ? E_TCP_REVERSED : 0) | (long) (p.outerVlan() & 0xffff) << E_VLAN_SHIFT
                | (long) (p.ipLength() & 0xff_ffff) << E_LEN_SHIFT;
        dst[off + E_TUN_SRC_HI] = tunHi;
        dst[off + E_TUN_SRC_LO] = tunLo;
        dst[off + E_SRC_MAC] = cSrcMac || mSrcMac ? p.srcMac() : 0;
        dst[off + E_DST_MAC] = cDstMac || mDstMac ? p.dstMac() : 0;
        return true;
    }

    /** 32 bits of a tunnel's outer source for the key: an IPv4(-mapped) address itself, else a hash of it. */
    static long tunnelTag(long hi, long lo) {
        if (org.secmon.plugin.PacketFormat.isIpv4Mapped(hi, lo)) {
            return lo & 0xffff_ffffL;
        }
        long x = (hi * 0x9E3779B97F4A7C15L ^ lo) * 0xC2B2AE3D27D4EB4FL;
        x ^= x >>> 31;
        return (x ^ (x >>> 32)) & 0xffff_ffffL;
    }

    /** Whether the key keeps flows of different tunnel sources apart (the observation point is matched). */
    boolean keepsTunnelSource() {
        return mObs;
    }

    /** The IP length of the packet whose entry word {@link #E_TCP} is {@code e}. */
    static long length(long e) {
        return e >>> E_LEN_SHIFT;
    }

    /** The outer VLAN of the packet whose entry word {@link #E_TCP} is {@code e}. */
    static long vlan(long e) {
        return (e >>> E_VLAN_SHIFT) & 0xffff;
    }

    /** The hash of the key at {@code key[k]} (a record's first half, or an entry). */
    int hash(long[] key, int k) {
        return hash(key[k], key[k + 1], key[k + 2], key[k + 3], key[k + 4], key[k + 5], key[k + 6], key[k + 7]);
    }

    /** A key's hash: what the index stores, and where its probe starts. */
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
}
