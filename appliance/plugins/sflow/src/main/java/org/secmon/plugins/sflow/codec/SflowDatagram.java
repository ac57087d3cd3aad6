package org.secmon.plugins.sflow.codec;

import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.secmon.plugin.Packet;

/**
 * One sFlow v5 datagram being filled (sflow.org "sFlow Version 5", July 2004): the datagram header, then flow
 * samples (format 1) each with one raw packet header record (format 1), and counter samples (format 2) each with one
 * generic interface counters record (format 1). All XDR: big-endian 32-bit words, opaque data padded to 4 bytes.
 * <p>
 * Reused for every datagram of one collector: {@link #begin}, add samples while {@link #fits}, {@link #finish},
 * send {@link #buffer()}. Allocation-free after construction; single-threaded.
 */
public final class SflowDatagram {
    public static final int VERSION = 5;
    /** Flow sample, counter sample (enterprise 0). */
    static final int FORMAT_FLOW_SAMPLE = 1, FORMAT_COUNTER_SAMPLE = 2;
    /** Raw packet header flow record; generic interface counters record. */
    static final int FORMAT_RAW_HEADER = 1, FORMAT_GENERIC_IF = 1;
    /** header_protocol: ethernet (ISO 8802-3). */
    static final int HEADER_ETHERNET = 1;
    static final int HEADER_IPV4 = 11;
    static final int HEADER_IPV6 = 12;
    /** Size of a generic interface counters record's data. */
    static final int GENERIC_IF_BYTES = 88;
    /** An interface index of 0x3FFFFFFF: not known (output of mirrored traffic). */
    public static final int IF_UNKNOWN = 0x3FFFFFFF;

    private final ByteBuffer buf;
    private final MemorySegment seg;
    private final byte[] agent;
    private final int subAgentId;
    private int countAt;
    private int samples;
    private int flowSamples;

    /**
     * @param capacity the largest datagram (UDP payload) to build; a single sample that does not fit in an empty
     *                 datagram is cut to fit (its header record is shortened)
     */
    public SflowDatagram(int capacity, InetAddress agentAddress, int subAgentId) {
        if (capacity < 256 || capacity > 65_507) {
            throw new IllegalArgumentException("sFlow datagram size must be 256..65507 bytes, not " + capacity);
        }
        this.buf = ByteBuffer.allocateDirect(capacity).order(ByteOrder.BIG_ENDIAN);
        this.seg = MemorySegment.ofBuffer(buf);
        this.agent = agentAddress.getAddress();
        if (!(agentAddress instanceof Inet4Address) && !(agentAddress instanceof Inet6Address)) {
            throw new IllegalArgumentException("agent address must be IPv4 or IPv6");
        }
        this.subAgentId = subAgentId;
    }

    /** Starts a datagram: header with this datagram's sequence number and the agent's uptime. */
    public void begin(long sequence, long uptimeMillis) {
        buf.clear();
        buf.putInt(VERSION);
        buf.putInt(agent.length == 4 ? 1 : 2);
        buf.put(agent);
        buf.putInt(subAgentId);
        buf.putInt((int) sequence);
        buf.putInt((int) uptimeMillis);
        countAt = buf.position();
        buf.putInt(0);
        samples = 0;
        flowSamples = 0;
    }

    /** Empty again, with no header: the next {@link #begin} starts a datagram. */
    public void reset() {
        buf.clear();
        samples = 0;
        flowSamples = 0;
    }

    public boolean isEmpty() {
        return samples == 0;
    }

    public int samples() {
        return samples;
    }

    /** The flow samples among {@link #samples()}. */
    public int flowSamples() {
        return flowSamples;
    }

    public int size() {
        return buf.position();
    }

    public int capacity() {
        return buf.capacity();
    }

    /** Bytes a flow sample with a raw header of {@code headerBytes} takes. */
    public static int flowSampleSize(int headerBytes) {
        return 8 + 32 + 8 + 16 + pad4(headerBytes);
    }

    /** Bytes a counter sample with one generic interface record takes. */
    public static int counterSampleSize() {
        return 8 + 12 + 8 + GENERIC_IF_BYTES;
    }

    public boolean fits(int bytes) {
        return buf.position() + bytes <= buf.capacity();
    }

    /** The largest raw header that fits in an otherwise empty datagram. */
    public int maxHeaderBytes() {
        return (buf.capacity() - headerSize() - flowSampleSize(0)) & ~3;
    }

    private int headerSize() {
        return 4 * 6 + agent.length + 4;
    }

    /**
     * A flow sample of packet {@code p} with its first {@code headerBytes} bytes (the caller checked {@link #fits}).
     *
     * @param sourceId   data source: type 0 (ifIndex) and index
     * @param samplePool packets that could have been sampled so far
     * @param drops      samples lost for lack of resources so far
     */
    public void flowSample(Packet p, int headerBytes, long sampleSequence, int sourceId, long samplingRate,
            long samplePool, long drops, int input, int output) {
        // an Ethernet frame as it is; a frame without Ethernet (a tunnel's or a capture's raw IP, Linux cooked, BSD
        // loopback) as its IP packet, the header protocol saying which
        int from = 0;
        int protocol = HEADER_ETHERNET;
        if (p.linkType() != Packet.LINK_ETHERNET && p.ipVersion() != 0) {
            from = p.l3Offset();
            protocol = p.ipVersion() == 4 ? HEADER_IPV4 : HEADER_IPV6;
            headerBytes = Math.max(0, headerBytes - from);
        }
        int padded = pad4(headerBytes);
        buf.putInt(FORMAT_FLOW_SAMPLE);
        buf.putInt(32 + 8 + 16 + padded);
        buf.putInt((int) sampleSequence);
        buf.putInt(sourceId);
        buf.putInt((int) samplingRate);
        buf.putInt((int) samplePool);
        buf.putInt((int) drops);
        buf.putInt(input);
        buf.putInt(output);
        buf.putInt(1); // one flow record
        buf.putInt(FORMAT_RAW_HEADER);
        buf.putInt(16 + padded);
        buf.putInt(protocol);
        buf.putInt(p.wireLength() - from);
        buf.putInt(0); // stripped: the frames we see carry no FCS
        buf.putInt(headerBytes);
        int at = buf.position();
        p.copyBytes(from, seg, at, headerBytes);
        for (int i = headerBytes; i < padded; i++) {
            buf.put(at + i, (byte) 0);
        }
        buf.position(at + padded);
        samples++;
        flowSamples++;
    }

    /**
     * The input interface of a sample of {@code p}: for a packet that came through a terminated tunnel, its
     * observation point (the tunnel id, in the 30 bits sFlow gives an ifIndex); otherwise the port's ifIndex (its
     * DPDK port number + 1).
     */
    public static int inputOf(Packet p) {
        return p.tunnelType() != Packet.TUNNEL_NONE ? (int) (p.tunnelId() & 0x3fff_ffffL) : p.inputPort() + 1;
    }

    /** A counter sample with generic interface counters (RFC 2233 ifTable, as sFlow's counters_sample). */
    public void counterSample(long sampleSequence, int sourceId, int ifIndex, long ifSpeed, long inOctets,
            long inPackets, long inDiscards, long inErrors) {
        buf.putInt(FORMAT_COUNTER_SAMPLE);
        buf.putInt(12 + 8 + GENERIC_IF_BYTES);
        buf.putInt((int) sampleSequence);
        buf.putInt(sourceId);
        buf.putInt(1); // one counter record
        buf.putInt(FORMAT_GENERIC_IF);
        buf.putInt(GENERIC_IF_BYTES);
        buf.putInt(ifIndex);
        buf.putInt(6); // ifType ethernetCsmacd
        buf.putLong(ifSpeed);
        buf.putInt(1); // ifDirection: full duplex
        buf.putInt(3); // ifStatus: admin up, oper up
        buf.putLong(inOctets);
        buf.putInt((int) inPackets); // ifInUcastPkts (the mirror port receives; the 32-bit counter wraps)
        buf.putInt(0); // ifInMulticastPkts
        buf.putInt(0); // ifInBroadcastPkts
        buf.putInt((int) inDiscards);
        buf.putInt((int) inErrors);
        buf.putInt(0); // ifInUnknownProtos
        buf.putLong(0); // ifOutOctets: a mirror port sends nothing
        buf.putInt(0);
        buf.putInt(0);
        buf.putInt(0);
        buf.putInt(0);
        buf.putInt(0);
        buf.putInt(1); // ifPromiscuousMode
        samples++;
    }

    /** Completes the datagram (sample count) and returns it ready to send. */
    public ByteBuffer finish() {
        buf.putInt(countAt, samples);
        buf.flip();
        return buf;
    }

    public ByteBuffer buffer() {
        return buf;
    }

    static int pad4(int n) {
        return (n + 3) & ~3;
    }
}
