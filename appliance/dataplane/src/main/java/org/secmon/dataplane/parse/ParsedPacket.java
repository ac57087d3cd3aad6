package org.secmon.dataplane.parse;

import java.lang.foreign.MemorySegment;

import org.secmon.plugin.Packet;
import org.secmon.plugin.PacketFormat;

/**
 * The data plane's packet: the frame and the fields {@link PacketParser} fills in. Plugins see it as the read-only
 * {@link Packet}; only the data plane (parser, rx agent, rings) writes it.
 *
 * <p>The parsed fields are declared in one block, copied in one place ({@link #copyParsed}: a ring slot takes them
 * from the rx thread's packet) and cleared in one ({@link #clearHeaders}, for a new frame and a tunnel's inner frame).
 * A field added to the block must be added to both (ParsedPacketTest checks every field survives a copy and is
 * cleared by {@code wrap} and {@code enterTunnel}).
 */
public final class ParsedPacket implements Packet {
    /** Never written: the parsed fields' values before parsing. */

    // ---- the frame (set by wrap / copyFrom) ----------------------------------------------------------------
    private MemorySegment segment;
    private long offset;
    private int captureLength;
    private int wireLength;
    private int deliverLength;
    private long timestampNanos;
    private int inputPort;
    private int linkType = LinkTypes.ETHERNET;

    // ---- parsed: every field here is copied by copyParsed ---------------------------------------------------
    private int direction = DIRECTION_INGRESS;
    // L2
    private long dstMac;
    private long srcMac;
    private int etherType;
    private int vlanCount;
    private int outerVlan = NO_VLAN;
    private int innerVlan = NO_VLAN;
    private int l3Offset;
    // L3
    private int ipVersion;
    private long srcHi;
    private long srcLo;
    private long dstHi;
    private long dstLo;
    private int tos;
    private int ttl;
    private int ipLength;
    private int flowLabel;
    private int fragmentOffset;
    private boolean moreFragments;
    private boolean fragment;
    private long fragmentId;
    // L4
    private int protocol;
    private int l4Offset;
    private boolean hasPorts;
    private int srcPort;
    private int dstPort;
    private int tcpFlags;
    private int icmpType;
    private int icmpCode;
    private int payloadOffset;
    // the outermost tunnel terminated (kept when the frame is re-pointed at the inner frame)
    private int tunnelType;
    private long tunnelId;
    private long tunnelSrcHi;
    private long tunnelSrcLo;
    private int tunnelDepth;

    private void copyParsed(ParsedPacket o) {
        copyHeaders(o);
        tunnelType = o.tunnelType;
        tunnelId = o.tunnelId;
        tunnelSrcHi = o.tunnelSrcHi;
        tunnelSrcLo = o.tunnelSrcLo;
        tunnelDepth = o.tunnelDepth;
    }

    /** The fields of one frame's headers: everything parsed but the tunnel. */
    private void copyHeaders(ParsedPacket o) {
        direction = o.direction;
        dstMac = o.dstMac;
        srcMac = o.srcMac;
        etherType = o.etherType;
        vlanCount = o.vlanCount;
        outerVlan = o.outerVlan;
        innerVlan = o.innerVlan;
        l3Offset = o.l3Offset;
        ipVersion = o.ipVersion;
        srcHi = o.srcHi;
        srcLo = o.srcLo;
        dstHi = o.dstHi;
        dstLo = o.dstLo;
        tos = o.tos;
        ttl = o.ttl;
        ipLength = o.ipLength;
        flowLabel = o.flowLabel;
        fragmentOffset = o.fragmentOffset;
        moreFragments = o.moreFragments;
        fragment = o.fragment;
        fragmentId = o.fragmentId;
        protocol = o.protocol;
        l4Offset = o.l4Offset;
        hasPorts = o.hasPorts;
        srcPort = o.srcPort;
        dstPort = o.dstPort;
        tcpFlags = o.tcpFlags;
        icmpType = o.icmpType;
        icmpCode = o.icmpCode;
        payloadOffset = o.payloadOffset;
    }

    /**
     * Every header field to its value before a parse. Constants, not a copy of a cleared instance: measured
     * (async-profiler, replay of the ERSPAN bench capture), the copy's 30 loads made it one of the rx thread's
     * largest items, paid twice for a tunnelled packet (here and in {@link #enterTunnel}).
     */
    private void clearHeaders() {
        direction = DIRECTION_INGRESS;
        dstMac = 0;
        srcMac = 0;
        etherType = 0;
        vlanCount = 0;
        outerVlan = NO_VLAN;
        innerVlan = NO_VLAN;
        l3Offset = 0;
        ipVersion = 0;
        srcHi = 0;
        srcLo = 0;
        dstHi = 0;
        dstLo = 0;
        tos = 0;
        ttl = 0;
        ipLength = 0;
        flowLabel = 0;
        fragmentOffset = 0;
        moreFragments = false;
        fragment = false;
        fragmentId = 0;
        protocol = 0;
        l4Offset = 0;
        hasPorts = false;
        srcPort = 0;
        dstPort = 0;
        tcpFlags = 0;
        icmpType = 0;
        icmpCode = 0;
        payloadOffset = 0;
    }

    /** Point at a new Ethernet frame and clear every parsed field. */
    public ParsedPacket wrap(MemorySegment segment, long offset, int captureLength, int wireLength,
                             long timestampNanos, int inputPort) {
        return wrap(segment, offset, captureLength, wireLength, timestampNanos, inputPort, LinkTypes.ETHERNET);
    }

    /** Point at a new frame of {@code linkType} ({@link LinkTypes}) and clear every parsed field. */
    public ParsedPacket wrap(MemorySegment segment, long offset, int captureLength, int wireLength,
                             long timestampNanos, int inputPort, int linkType) {
        this.linkType = linkType;
        this.segment = segment;
        this.offset = offset;
        this.captureLength = captureLength;
        this.wireLength = wireLength;
        this.deliverLength = captureLength;
        this.timestampNanos = timestampNanos;
        this.inputPort = inputPort;
        clearHeaders();
        tunnelType = 0;
        tunnelId = 0;
        tunnelSrcHi = 0;
        tunnelSrcLo = 0;
        tunnelDepth = 0;
        return this;
    }

    /**
     * Copy all parsed fields of {@code other}, re-pointing the frame at {@code segment}/{@code offset} (where the
     * caller has copied the frame's bytes), with the given capture length.
     */
    public void copyFrom(ParsedPacket other, MemorySegment segment, long offset, int captureLength) {
        this.segment = segment;
        this.offset = offset;
        this.captureLength = captureLength;
        this.deliverLength = captureLength;
        this.wireLength = other.wireLength;
        this.timestampNanos = other.timestampNanos;
        this.inputPort = other.inputPort;
        this.linkType = other.linkType;
        copyParsed(other);
    }

    /**
     * Re-point at the frame a tunnel carries, {@code inner} bytes into the current one, and clear the header fields
     * for its parse. The first tunnel entered (the outermost) is kept as the packet's tunnel: its type, id and the
     * outer source address (read here, before the clear).
     */
    public void enterTunnel(int inner, int innerLinkType, int innerCaptureLength, int innerWireLength, int type,
                            long id) {
        if (tunnelDepth++ == 0) {
            tunnelType = type;
            tunnelId = id;
            tunnelSrcHi = srcHi;
            tunnelSrcLo = srcLo;
        }
        offset += inner;
        captureLength = innerCaptureLength;
        wireLength = innerWireLength;
        deliverLength = innerCaptureLength;
        linkType = innerLinkType;
        clearHeaders();
    }

    // ---- writes (the data plane's) --------------------------------------------------------------------------

    /** Cut what the plugin may use to the matching rule's truncate_to_size. */
    public ParsedPacket deliverLength(int v) {
        deliverLength = v;
        return this;
    }

    /** The interface the packet counts as received on (a tunnel's mapped index replaces the port's). */
    public ParsedPacket inputPort(int v) {
        inputPort = v;
        return this;
    }

    public ParsedPacket direction(int v) {
        direction = v;
        return this;
    }

    public ParsedPacket dstMac(long v) {
        dstMac = v;
        return this;
    }

    public ParsedPacket srcMac(long v) {
        srcMac = v;
        return this;
    }

    public ParsedPacket etherType(int v) {
        etherType = v;
        return this;
    }

    public ParsedPacket pushVlan(int vid) {
        if (vlanCount == 0) {
            outerVlan = vid;
        } else if (vlanCount == 1) {
            innerVlan = vid;
        }
        vlanCount++;
        return this;
    }

    public ParsedPacket l3Offset(int v) {
        l3Offset = v;
        return this;
    }

    public ParsedPacket ipVersion(int v) {
        ipVersion = v;
        return this;
    }

    public ParsedPacket ipv4Addresses(int src, int dst) {
        srcHi = V4_MAPPED_HI;
        srcLo = V4_MAPPED_LO_PREFIX | (src & 0xffffffffL);
        dstHi = V4_MAPPED_HI;
        dstLo = V4_MAPPED_LO_PREFIX | (dst & 0xffffffffL);
        return this;
    }

    public ParsedPacket ipv6Addresses(long srcHi, long srcLo, long dstHi, long dstLo) {
        this.srcHi = srcHi;
        this.srcLo = srcLo;
        this.dstHi = dstHi;
        this.dstLo = dstLo;
        return this;
    }

    public ParsedPacket tos(int v) {
        tos = v;
        return this;
    }

    public ParsedPacket ttl(int v) {
        ttl = v;
        return this;
    }

    public ParsedPacket ipLength(int v) {
        ipLength = v;
        return this;
    }

    public ParsedPacket flowLabel(int v) {
        flowLabel = v;
        return this;
    }

    public ParsedPacket fragment(int offsetBytes, boolean more, long id) {
        fragment = true;
        fragmentOffset = offsetBytes;
        moreFragments = more;
        fragmentId = id;
        return this;
    }

    public ParsedPacket protocol(int v) {
        protocol = v;
        return this;
    }

    public ParsedPacket l4Offset(int v) {
        l4Offset = v;
        return this;
    }

    public ParsedPacket ports(int src, int dst) {
        srcPort = src;
        dstPort = dst;
        hasPorts = true;
        return this;
    }

    public ParsedPacket tcpFlags(int v) {
        tcpFlags = v;
        return this;
    }

    public ParsedPacket icmp(int type, int code) {
        icmpType = type;
        icmpCode = code;
        return this;
    }

    public ParsedPacket payloadOffset(int v) {
        payloadOffset = v;
        return this;
    }

    // ---- reads (the plugins') -------------------------------------------------------------------------------

    @Override
    public MemorySegment segment() {
        return segment;
    }

    @Override
    public long offset() {
        return offset;
    }

    @Override
    public int captureLength() {
        return captureLength;
    }

    @Override
    public int wireLength() {
        return wireLength;
    }

    @Override
    public int deliverLength() {
        return deliverLength;
    }

    @Override
    public long timestampNanos() {
        return timestampNanos;
    }

    @Override
    public int inputPort() {
        return inputPort;
    }

    @Override
    public int linkType() {
        return linkType;
    }

    @Override
    public int tunnelType() {
        return tunnelType;
    }

    @Override
    public long tunnelId() {
        return tunnelId;
    }

    @Override
    public long tunnelSrcHi() {
        return tunnelSrcHi;
    }

    @Override
    public long tunnelSrcLo() {
        return tunnelSrcLo;
    }

    @Override
    public int tunnelDepth() {
        return tunnelDepth;
    }

    @Override
    public int direction() {
        return direction;
    }

    @Override
    public long dstMac() {
        return dstMac;
    }

    @Override
    public long srcMac() {
        return srcMac;
    }

    @Override
    public int etherType() {
        return etherType;
    }

    @Override
    public int vlanCount() {
        return vlanCount;
    }

    @Override
    public int outerVlan() {
        return outerVlan;
    }

    @Override
    public int innerVlan() {
        return innerVlan;
    }

    @Override
    public int l3Offset() {
        return l3Offset;
    }

    @Override
    public int ipVersion() {
        return ipVersion;
    }

    @Override
    public long srcHi() {
        return srcHi;
    }

    @Override
    public long srcLo() {
        return srcLo;
    }

    @Override
    public long dstHi() {
        return dstHi;
    }

    @Override
    public long dstLo() {
        return dstLo;
    }

    @Override
    public int tos() {
        return tos;
    }

    @Override
    public int ttl() {
        return ttl;
    }

    @Override
    public int ipLength() {
        return ipLength;
    }

    @Override
    public int flowLabel() {
        return flowLabel;
    }

    @Override
    public boolean isFragment() {
        return fragment;
    }

    @Override
    public int fragmentOffset() {
        return fragmentOffset;
    }

    @Override
    public boolean moreFragments() {
        return moreFragments;
    }

    @Override
    public long fragmentId() {
        return fragmentId;
    }

    @Override
    public int protocol() {
        return protocol;
    }

    @Override
    public int l4Offset() {
        return l4Offset;
    }

    @Override
    public boolean hasPorts() {
        return hasPorts;
    }

    @Override
    public int srcPort() {
        return srcPort;
    }

    @Override
    public int dstPort() {
        return dstPort;
    }

    @Override
    public int tcpFlags() {
        return tcpFlags;
    }

    @Override
    public int icmpType() {
        return icmpType;
    }

    @Override
    public int icmpCode() {
        return icmpCode;
    }

    @Override
    public int payloadOffset() {
        return payloadOffset;
    }

    @Override
    public String toString() {
        return PacketFormat.describe(this);
    }
}
