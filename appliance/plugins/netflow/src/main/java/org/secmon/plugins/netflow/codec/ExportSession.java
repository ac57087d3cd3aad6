package org.secmon.plugins.netflow.codec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.secmon.plugin.Packet;
import org.secmon.plugin.PacketFormat;
import org.secmon.plugins.netflow.cache.FlowTable;
import org.secmon.plugins.netflow.meta.MetaField;
import org.secmon.plugins.netflow.meta.MetaRecord;
import org.secmon.plugins.netflow.meta.TlsClientHello;
import org.secmon.transport.DatagramSink;

import static org.secmon.plugins.netflow.codec.InformationElements.DESTINATION_IPV4_ADDRESS;
import static org.secmon.plugins.netflow.codec.InformationElements.DESTINATION_IPV6_ADDRESS;
import static org.secmon.plugins.netflow.codec.InformationElements.DESTINATION_MAC_ADDRESS;
import static org.secmon.plugins.netflow.codec.InformationElements.DESTINATION_TRANSPORT_PORT;
import static org.secmon.plugins.netflow.codec.InformationElements.EXPORTING_PROCESS_ID;
import static org.secmon.plugins.netflow.codec.InformationElements.FLOW_DIRECTION;
import static org.secmon.plugins.netflow.codec.InformationElements.FLOW_DIRECTION_EGRESS;
import static org.secmon.plugins.netflow.codec.InformationElements.FLOW_DIRECTION_INGRESS;
import static org.secmon.plugins.netflow.codec.InformationElements.FLOW_END_MILLISECONDS;
import static org.secmon.plugins.netflow.codec.InformationElements.FLOW_END_REASON;
import static org.secmon.plugins.netflow.codec.InformationElements.FLOW_END_SYS_UP_TIME;
import static org.secmon.plugins.netflow.codec.InformationElements.FLOW_START_MILLISECONDS;
import static org.secmon.plugins.netflow.codec.InformationElements.FLOW_START_SYS_UP_TIME;
import static org.secmon.plugins.netflow.codec.InformationElements.ICMP_TYPE_CODE_IPV4;
import static org.secmon.plugins.netflow.codec.InformationElements.INGRESS_INTERFACE;
import static org.secmon.plugins.netflow.codec.InformationElements.IP_CLASS_OF_SERVICE;
import static org.secmon.plugins.netflow.codec.InformationElements.LAYER2_SEGMENT_ID;
import static org.secmon.plugins.netflow.codec.InformationElements.OBSERVATION_DOMAIN_ID;
import static org.secmon.plugins.netflow.codec.InformationElements.OBSERVATION_POINT_ID;
import static org.secmon.plugins.netflow.codec.InformationElements.OCTET_DELTA_COUNT;
import static org.secmon.plugins.netflow.codec.InformationElements.PACKET_DELTA_COUNT;
import static org.secmon.plugins.netflow.codec.InformationElements.PROTOCOL_IDENTIFIER;
import static org.secmon.plugins.netflow.codec.InformationElements.SAMPLING_ALGORITHM;
import static org.secmon.plugins.netflow.codec.InformationElements.SAMPLING_INTERVAL;
import static org.secmon.plugins.netflow.codec.InformationElements.SEGMENT_TYPE_VXLAN;
import static org.secmon.plugins.netflow.codec.InformationElements.SOURCE_IPV4_ADDRESS;
import static org.secmon.plugins.netflow.codec.InformationElements.SOURCE_IPV6_ADDRESS;
import static org.secmon.plugins.netflow.codec.InformationElements.SOURCE_MAC_ADDRESS;
import static org.secmon.plugins.netflow.codec.InformationElements.SOURCE_TRANSPORT_PORT;
import static org.secmon.plugins.netflow.codec.InformationElements.TCP_CONTROL_BITS;
import static org.secmon.plugins.netflow.codec.InformationElements.V9_SCOPE_SYSTEM;
import static org.secmon.plugins.netflow.codec.InformationElements.VLAN_ID;

/**
 * One collector's export: its protocol (NetFlow v9 or IPFIX) and templates, the packet being filled (up to the MTU),
 * its sequence number, and when its templates are due again. {@link FlowExporter} routes each ended flow to one
 * session; the session writes the record and sends the packet when full, old, or flushed. Single-threaded;
 * allocation-free per record.
 */
final class ExportSession {
    private static final int[] OPTIONS_SCOPE_V9 = {V9_SCOPE_SYSTEM, 4};
    private static final int[] OPTIONS_SCOPE_IPFIX = {OBSERVATION_DOMAIN_ID, 4};
    private static final int[] OPTIONS = {SAMPLING_INTERVAL, 4, SAMPLING_ALGORITHM, 1, EXPORTING_PROCESS_ID, 4};

    private final int collector;
    private final boolean biflow;
    private final boolean ipfix;
    private final FlowExporter.Settings settings;
    private final DatagramSink sender;
    private final int[] fieldsV4;
    private final int[] fieldsV6;
    private final int recordLengthV4;
    private final int recordLengthV6;
    private final ByteBuffer buf;
    /** Metadata fields this session exports after the others (NetFlow v9: those nProbe defines), empty: none. */
    private final MetaField[] meta;
    private final long secmonPen;
    private final int metaStringLength; // v9: every string field's fixed length
    /** The record being written: each field's entry offset in the metadata bytes, by ordinal (-1: absent). */
    private final int[] entry = new int[MetaField.values().length];

    private int records;       // records (data + template) in the open packet (v9 header count)
    private int dataRecords;   // data records in the open packet
    private int optionRecords; // options data records in the open packet
    private int setStart = -1; // position of the open data set's header, -1 = none
    private int setTemplate;
    private long openedNanos;  // when the open packet got its first record, 0 = empty
    private final Sequences sequences;
    private int packetsSinceTemplates;
    private long templatesSentNanos;
    private boolean templatesDue = true;

    private long recordsExported;
    private long recordsLost;
    private long templatePackets;

    ExportSession(int collector, boolean ipfix, FlowExporter.Settings settings, DatagramSink sender,
                  Sequences sequences) {
        this(collector, ipfix, settings, sender, sequences, false);
    }

    /** @param biflow RFC 5103 biflow records (IPFIX only): one record per conversation, reverse counters */
    ExportSession(int collector, boolean ipfix, FlowExporter.Settings settings, DatagramSink sender,
                  Sequences sequences, boolean biflow) {
        if (biflow && !ipfix) {
            throw new IllegalArgumentException("biflows are IPFIX only (RFC 5103): NetFlow v9 stays unidirectional");
        }
        this.biflow = biflow;
        this.collector = collector;
        this.sequences = sequences;
        this.ipfix = ipfix;
        this.settings = settings;
        this.sender = sender;
        this.fieldsV4 = fields(false, ipfix, settings, biflow);
        this.fieldsV6 = fields(true, ipfix, settings, biflow);
        this.recordLengthV4 = TemplateRecord.recordLength(fieldsV4);
        this.recordLengthV6 = TemplateRecord.recordLength(fieldsV6);
        this.buf = ByteBuffer.allocateDirect(settings.mtu()).order(ByteOrder.BIG_ENDIAN);
        FlowExporter.MetaExport m = settings.meta();
        this.meta = m == null ? new MetaField[0] : java.util.Arrays.stream(MetaField.values())
                .filter(f -> m.fields().contains(f) && (ipfix || f.v9Id != 0)).toArray(MetaField[]::new);
        this.secmonPen = settings.enterpriseNumber();
        this.metaStringLength = m == null ? 0 : m.maxBytes();
        int fixed = MessageHeader.length(ipfix) + templateBytes() + optionsBytes() + 4; // + the data set's header
        int largest = recordLengthV6 + maxMetaLength();
        if (fixed + largest > settings.mtu()) {
            throw new IllegalArgumentException("mtu " + settings.mtu() + " is too small: the templates and the"
                    + " largest " + (ipfix ? "IPFIX" : "NetFlow v9") + " record take " + (fixed + largest)
                    + " bytes" + (meta.length > 0 ? " (metadata strings of up to " + metaStringLength
                    + " bytes; lower metadata_max_bytes or raise mtu)" : ""));
        }
    }

    /** Bytes of the options template set and its data set (writeOptions), whether or not this session sends them. */
    private static int optionsBytes() {
        return 4 + 6 + TemplateRecord.specBytes(OPTIONS_SCOPE_IPFIX) + TemplateRecord.specBytes(OPTIONS)
                + 4 + TemplateRecord.recordLength(OPTIONS_SCOPE_IPFIX) + TemplateRecord.recordLength(OPTIONS);
    }

    /** Bytes of the data template set. */
    private int templateBytes() {
        int base = 4 + TemplateRecord.specBytes(fieldsV4) + 4 + TemplateRecord.specBytes(fieldsV6);
        int n = 4 + base;
        if (meta.length > 0) {
            n += base + 2 * metaSpecBytes();
        }
        return n;
    }

    private int metaSpecBytes() {
        int n = 0;
        for (MetaField f : meta) {
            n += ipfix && f.pen != MetaField.Pen.IANA ? 8 : 4;
        }
        return n;
    }

    /** The most bytes the metadata fields of one record take. */
    private int maxMetaLength() {
        int n = 0;
        for (MetaField f : meta) {
            n += f.kind != MetaField.Kind.STRING ? f.fixedLength()
                    : ipfix ? 1 + Math.max(metaStringLength, f == MetaField.TLS_JA4 ? TlsClientHello.JA4_LENGTH : 0)
                    : metaStringLength;
        }
        return n;
    }

    /** {element, length} pairs of a data template. */
    static int[] fields(boolean v6, boolean ipfix, FlowExporter.Settings settings) {
        return fields(v6, ipfix, settings, false);
    }

    /** ... with RFC 5103's reverse counters and biflowDirection after the times when {@code biflow}. */
    static int[] fields(boolean v6, boolean ipfix, FlowExporter.Settings settings, boolean biflow) {
        int[] base = {
            v6 ? SOURCE_IPV6_ADDRESS : SOURCE_IPV4_ADDRESS, v6 ? 16 : 4,
            v6 ? DESTINATION_IPV6_ADDRESS : DESTINATION_IPV4_ADDRESS, v6 ? 16 : 4,
            SOURCE_TRANSPORT_PORT, 2, DESTINATION_TRANSPORT_PORT, 2, PROTOCOL_IDENTIFIER, 1, IP_CLASS_OF_SERVICE, 1,
            TCP_CONTROL_BITS, 1, INGRESS_INTERFACE, 4, FLOW_DIRECTION, 1, PACKET_DELTA_COUNT, 8, OCTET_DELTA_COUNT, 8,
        };
        // ICMP type/code travels in the destination port (as Cisco and softflowd do). NetFlow v9 collectors such as
        // nfdump also want ICMP_TYPE (32, for IPv4 and IPv6) or they zero the port of ICMP flows; IPFIX collectors
        // read the port, and nfdump's IPFIX reader would apply icmpTypeCode to SCTP flows too, so IPFIX goes without.
        int[] times = ipfix && biflow
                ? new int[] {FLOW_START_MILLISECONDS, 8, FLOW_END_MILLISECONDS, 8, FLOW_END_REASON, 1,
                    InformationElements.REVERSE_PACKET_DELTA_COUNT, 8, InformationElements.REVERSE_OCTET_DELTA_COUNT, 8,
                    InformationElements.REVERSE_TCP_CONTROL_BITS, 1, InformationElements.BIFLOW_DIRECTION, 1}
                : ipfix ? new int[] {FLOW_START_MILLISECONDS, 8, FLOW_END_MILLISECONDS, 8, FLOW_END_REASON, 1}
                : new int[] {FLOW_START_SYS_UP_TIME, 4, FLOW_END_SYS_UP_TIME, 4, ICMP_TYPE_CODE_IPV4, 2};
        int[] extra = new int[(settings.macs() ? 4 : 0) + (settings.vlan() ? 2 : 0)
                + (settings.observationPoint() ? (ipfix ? 8 : 4) : 0)];
        int e = 0;
        if (settings.macs()) {
            extra[e++] = SOURCE_MAC_ADDRESS;
            extra[e++] = 6;
            extra[e++] = DESTINATION_MAC_ADDRESS;
            extra[e++] = 6;
        }
        if (settings.vlan()) {
            extra[e++] = VLAN_ID;
            extra[e++] = 2;
        }
        if (settings.observationPoint()) {
            extra[e++] = OBSERVATION_POINT_ID;
            extra[e++] = 4;
            extra[e++] = LAYER2_SEGMENT_ID;
            extra[e++] = 8;
            if (ipfix) { // SecMon's elements: NetFlow v9 has no enterprise numbers
                extra[e++] = InformationElements.TUNNEL_SOURCE_IPV4_ADDRESS;
                extra[e++] = 4;
                extra[e++] = InformationElements.TUNNEL_SOURCE_IPV6_ADDRESS;
                extra[e] = 16;
            }
        }
        int[] all = new int[base.length + times.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(times, 0, all, base.length, times.length);
        System.arraycopy(extra, 0, all, base.length + times.length, extra.length);
        return all;
    }

    // ---- records -----------------------------------------------------------------------------------------------

    /** Records of a biflow cache's flow: its forward direction, its reverse direction (swapped), both (RFC 5103). */
    private static final int FORWARD = 0;
    private static final int REVERSE = 1;
    private static final int BOTH = 2;

    /**
     * Writes flow {@code f} of {@code c} into the open packet (sending the full one first): one record; from a
     * biflow cache to a unidirectional collector, a record per direction that saw packets.
     */
    void add(FlowTable c, int f, int reason, long now, long bootNanos) {
        if (biflow) {
            add(c, f, reason, now, bootNanos, BOTH);
        } else if (c.biflow()) {
            if (c.packets(f) > 0) {
                add(c, f, reason, now, bootNanos, FORWARD);
            }
            if (c.revPackets(f) > 0) {
                add(c, f, reason, now, bootNanos, REVERSE);
            }
        } else {
            add(c, f, reason, now, bootNanos, FORWARD);
        }
    }

    private void add(FlowTable c, int f, int reason, long now, long bootNanos, int view) {
        boolean v6 = c.ipVersion(f) == 6;
        int mo = meta.length > 0 ? c.metaOffset(f) : -1;
        int template = v6 ? (mo >= 0 ? FlowExporter.TEMPLATE_V6_META : FlowExporter.TEMPLATE_V6)
                : (mo >= 0 ? FlowExporter.TEMPLATE_V4_META : FlowExporter.TEMPLATE_V4);
        int len = (v6 ? recordLengthV6 : recordLengthV4) + (mo >= 0 ? metaLength(c.metaBytes(), mo) : 0);
        if (openedNanos != 0 && buf.remaining() < len + 3 + (setTemplate != template ? 7 : 0)) {
            send(now, bootNanos);
        }
        if (openedNanos == 0) {
            begin(now);
        }
        if (setTemplate != template || setStart < 0) {
            closeSet();
            setStart = SetHeader.open(buf, template);
            setTemplate = template;
        }
        write(c, f, reason, v6 ? fieldsV6 : fieldsV4, bootNanos, view);
        if (mo >= 0) {
            writeMeta(c.metaBytes(), mo);
        }
        records++;
        dataRecords++;
    }

    /**
     * The fields of flow {@code f}: {@code view} FORWARD as the table gives it, REVERSE with the endpoints swapped
     * and the reverse direction's counters and times, BOTH (a biflow record) with the conversation's times and the
     * reverse counters in RFC 5103's elements.
     */
    private void write(FlowTable c, int f, int reason, int[] fields, long bootNanos, int view) {
        final ByteBuffer b = buf;
        final boolean rv = view == REVERSE;
        final long first;
        final long last;
        if (view == FORWARD) {
            first = c.firstNanos(f);
            last = c.lastNanos(f);
        } else if (rv) {
            first = c.revFirstNanos(f);
            last = c.revLastNanos(f);
        } else { // the conversation: whichever direction came first and last
            boolean fwd = c.packets(f) > 0;
            boolean back = c.revPackets(f) > 0;
            first = !back ? c.firstNanos(f) : !fwd ? c.revFirstNanos(f) : Math.min(c.firstNanos(f), c.revFirstNanos(f));
            last = !back ? c.lastNanos(f) : !fwd ? c.revLastNanos(f) : Math.max(c.lastNanos(f), c.revLastNanos(f));
        }
        for (int i = 0; i < fields.length; i += 2) {
            switch (fields[i]) {
                case SOURCE_IPV4_ADDRESS -> b.putInt(rv ? c.dstIpv4(f) : c.srcIpv4(f));
                case DESTINATION_IPV4_ADDRESS -> b.putInt(rv ? c.srcIpv4(f) : c.dstIpv4(f));
                case SOURCE_IPV6_ADDRESS -> b.putLong(rv ? c.dstHi(f) : c.srcHi(f))
                        .putLong(rv ? c.dstLo(f) : c.srcLo(f));
                case DESTINATION_IPV6_ADDRESS -> b.putLong(rv ? c.srcHi(f) : c.dstHi(f))
                        .putLong(rv ? c.srcLo(f) : c.dstLo(f));
                case SOURCE_TRANSPORT_PORT -> b.putShort((short) (rv ? c.dstPort(f) : c.srcPort(f)));
                case DESTINATION_TRANSPORT_PORT -> b.putShort((short) (rv ? c.srcPort(f) : c.dstPort(f)));
                case PROTOCOL_IDENTIFIER -> b.put((byte) c.protocol(f));
                case IP_CLASS_OF_SERVICE -> b.put((byte) c.tos(f));
                case TCP_CONTROL_BITS -> b.put((byte) (rv ? c.revTcpFlags(f) : c.tcpFlags(f)));
                case INGRESS_INTERFACE -> b.putInt(c.inputInterface(f));
                case FLOW_DIRECTION -> b.put((byte) (c.direction(f) == Packet.DIRECTION_EGRESS ? FLOW_DIRECTION_EGRESS
                        : FLOW_DIRECTION_INGRESS));
                case OBSERVATION_POINT_ID -> b.putInt((int) c.observationPoint(f));
                case LAYER2_SEGMENT_ID -> b.putLong(c.tunnelType(f) == Packet.TUNNEL_VXLAN
                        ? SEGMENT_TYPE_VXLAN | c.observationPoint(f) : 0);
                case InformationElements.TUNNEL_SOURCE_IPV4_ADDRESS -> b.putInt(PacketFormat.isIpv4Mapped(
                        c.tunnelSrcHi(f), c.tunnelSrcLo(f)) ? (int) c.tunnelSrcLo(f) : 0);
                case InformationElements.TUNNEL_SOURCE_IPV6_ADDRESS -> {
                    boolean v4 = PacketFormat.isIpv4Mapped(c.tunnelSrcHi(f), c.tunnelSrcLo(f));
                    b.putLong(v4 ? 0 : c.tunnelSrcHi(f)).putLong(v4 ? 0 : c.tunnelSrcLo(f));
                }
                case PACKET_DELTA_COUNT -> b.putLong(rv ? c.revPackets(f) : c.packets(f));
                case OCTET_DELTA_COUNT -> b.putLong(rv ? c.revBytes(f) : c.bytes(f));
                case InformationElements.REVERSE_PACKET_DELTA_COUNT -> b.putLong(c.revPackets(f));
                case InformationElements.REVERSE_OCTET_DELTA_COUNT -> b.putLong(c.revBytes(f));
                case InformationElements.REVERSE_TCP_CONTROL_BITS -> b.put((byte) c.revTcpFlags(f));
                case InformationElements.BIFLOW_DIRECTION -> b.put((byte) InformationElements.BIFLOW_INITIATOR);
                case FLOW_START_SYS_UP_TIME -> b.putInt(uptimeMillis(first, bootNanos));
                case FLOW_END_SYS_UP_TIME -> b.putInt(uptimeMillis(last, bootNanos));
                case FLOW_START_MILLISECONDS -> b.putLong(Math.floorDiv(first, 1_000_000L));
                case FLOW_END_MILLISECONDS -> b.putLong(Math.floorDiv(last, 1_000_000L));
                case FLOW_END_REASON -> b.put((byte) reason);
                case ICMP_TYPE_CODE_IPV4 -> b.putShort((short) (isIcmp(c.protocol(f)) ? c.dstPort(f) : 0));
                case SOURCE_MAC_ADDRESS -> putMac(b, rv ? c.dstMac(f) : c.srcMac(f));
                case DESTINATION_MAC_ADDRESS -> putMac(b, rv ? c.srcMac(f) : c.dstMac(f));
                case VLAN_ID -> b.putShort((short) c.vlan(f));
                default -> throw new IllegalStateException("element " + fields[i]);
            }
        }
    }

    /**
     * Bytes of the metadata fields of the record at {@code mb[s]}; notes where each of its entries is (one walk over
     * the record, for this and {@link #writeMeta}).
     */
    private int metaLength(byte[] mb, int s) {
        java.util.Arrays.fill(entry, -1);
        MetaRecord.index(mb, s, entry);
        if (!ipfix) {
            return maxMetaLength(); // fixed lengths
        }
        int n = 0;
        for (MetaField f : meta) {
            if (f.kind == MetaField.Kind.STRING) {
                int e = entry[f.ordinal()];
                n += 1 + (e < 0 ? 0 : MetaRecord.length(mb, e));
            } else {
                n += f.fixedLength();
            }
        }
        return n;
    }

    /**
     * The metadata fields: IPFIX strings in the one-byte variable-length form (RFC 7011 section 7; empty when the
     * flow has no value), NetFlow v9 strings at their fixed length padded with zeros; numbers big-endian, 0 when
     * absent.
     */
    private void writeMeta(byte[] mb, int s) {
        final ByteBuffer b = buf;
        for (MetaField f : meta) {
            int e = entry[f.ordinal()]; // noted by metaLength
            if (f.kind == MetaField.Kind.STRING) {
                int n = e < 0 ? 0 : Math.min(MetaRecord.length(mb, e), ipfix ? MetaRecord.MAX_VALUE : metaStringLength);
                if (ipfix) {
                    b.put((byte) n);
                }
                if (n > 0) {
                    b.put(mb, e + 2, n);
                }
                if (!ipfix) {
                    for (int i = n; i < metaStringLength; i++) {
                        b.put((byte) 0);
                    }
                }
            } else {
                int v = e < 0 ? 0 : MetaRecord.number(mb, e);
                switch (f.kind) {
                    case U8 -> b.put((byte) v);
                    case U16 -> b.putShort((short) v);
                    case APPLICATION -> b.put((byte) (v >>> 16)).putShort((short) v);
                    default -> b.putInt(v);
                }
            }
        }
    }

    private static boolean isIcmp(int protocol) {
        return protocol == 1 || protocol == 58;
    }

    private static void putMac(ByteBuffer b, long mac) {
        b.putShort((short) (mac >>> 32)).putInt((int) mac);
    }

    static int uptimeMillis(long nanos, long bootNanos) {
        return (int) Math.floorDiv(nanos - bootNanos, 1_000_000L);
    }

    // ---- packets -----------------------------------------------------------------------------------------------

    private void begin(long now) {
        buf.clear();
        buf.position(MessageHeader.length(ipfix)); // header written on send
        records = 0;
        dataRecords = 0;
        optionRecords = 0;
        setStart = -1;
        setTemplate = 0;
        openedNanos = Math.max(1, now);
        if (templatesDue || packetsSinceTemplates >= settings.refreshPackets()
                || now - templatesSentNanos >= settings.refreshNanos()) {
            writeTemplates(now);
        }
    }

    private void writeTemplates(long now) {
        int start = SetHeader.open(buf, SetHeader.templateSet(ipfix));
        TemplateRecord.write(buf, FlowExporter.TEMPLATE_V4, fieldsV4, secmonPen);
        TemplateRecord.write(buf, FlowExporter.TEMPLATE_V6, fieldsV6, secmonPen);
        records += 2;
        if (meta.length > 0) {
            writeMetaTemplate(FlowExporter.TEMPLATE_V4_META, fieldsV4);
            writeMetaTemplate(FlowExporter.TEMPLATE_V6_META, fieldsV6);
            records += 2;
        }
        SetHeader.close(buf, start);
        // IPFIX: the options record only when sampling is on. RFC 7011 counts options data records in the sequence
        // number, nfdump 1.7 does not (it reports a sequence failure for every packet that carries one), and an
        // unsampled exporter has nothing to say in it.
        if (!ipfix || settings.samplingInterval() > 1) {
            writeOptions();
            records += 2; // v9 header count: the options template and its data record
            optionRecords = 1;
        }
        templatesDue = false;
        packetsSinceTemplates = 0;
        templatesSentNanos = now;
        templatePackets++;
    }

    /**
     * A template of {@code base}'s fields and then the metadata fields: IPFIX with enterprise numbers (ntop's or
     * SecMon's) where the element is not IANA's and variable length for strings; v9 with nProbe's ids and fixed
     * lengths.
     */
    private void writeMetaTemplate(int id, int[] base) {
        buf.putShort((short) id).putShort((short) (base.length / 2 + meta.length));
        TemplateRecord.putFields(buf, base, secmonPen);
        for (MetaField f : meta) {
            int len = f.kind == MetaField.Kind.STRING ? (ipfix ? 0xffff : metaStringLength) : f.fixedLength();
            if (!ipfix) {
                buf.putShort((short) f.v9Id).putShort((short) len);
            } else if (f.pen == MetaField.Pen.IANA) {
                buf.putShort((short) f.id).putShort((short) len);
            } else {
                buf.putShort((short) (0x8000 | f.id)).putShort((short) len)
                        .putInt((int) (f.pen == MetaField.Pen.NTOP ? MetaField.NTOP_PEN : secmonPen));
            }
        }
    }

    /** Options template (scope: the exporter — v9 System, IPFIX observation domain) and its data record. */
    private void writeOptions() {
        int start = SetHeader.open(buf, SetHeader.optionsTemplateSet(ipfix));
        if (ipfix) {
            TemplateRecord.writeIpfixOptions(buf, FlowExporter.TEMPLATE_OPTIONS, OPTIONS_SCOPE_IPFIX, OPTIONS);
        } else {
            TemplateRecord.writeV9Options(buf, FlowExporter.TEMPLATE_OPTIONS, OPTIONS_SCOPE_V9, OPTIONS);
        }
        SetHeader.close(buf, start);
        start = SetHeader.open(buf, FlowExporter.TEMPLATE_OPTIONS);
        buf.putInt(settings.sourceId());
        buf.putInt(settings.samplingInterval());
        buf.put((byte) (settings.samplingInterval() > 1 ? 1 : 0)); // 1 = deterministic 1-in-N
        buf.putInt(settings.exportingProcessId());
        SetHeader.close(buf, start);
    }

    private void closeSet() {
        if (setStart < 0) {
            return;
        }
        SetHeader.close(buf, setStart);
        setStart = -1;
    }

    /** Sends the open packet, if any. */
    void send(long now, long bootNanos) {
        if (openedNanos == 0) {
            return;
        }
        closeSet();
        int len = buf.position();
        long secs = Math.floorDiv(now, 1_000_000_000L);
        openedNanos = 0; // before sending: a failed send marks the collector down, which must not count twice
        boolean sent;
        synchronized (sequences.lock()) { // numbered and sent in one step: the collector sees the numbers in order
            final long[] cell = sequences.next[collector];
            long sequence = cell[0];
            if (ipfix) {
                MessageHeader.writeIpfix(buf, len, secs, sequence, settings.sourceId());
                cell[0] = sequence + dataRecords + optionRecords;
            } else {
                // sysUptime at the whole second unix_secs names: a collector derives the boot time as
                // unix_secs - sysUptime, so with the uptime of "now" flow times would come out up to 1 s early
                MessageHeader.writeV9(buf, records, uptimeMillis(secs * 1_000_000_000L, bootNanos), secs, sequence,
                        settings.sourceId());
                cell[0] = sequence + 1;
            }
            buf.flip();
            sent = sender.send(collector, buf, now);
        }
        if (sent) {
            recordsExported += dataRecords;
        } else {
            recordsLost += dataRecords;
        }
        packetsSinceTemplates++;
    }

    /** Sends the open packet if it is older than the flush delay. */
    void tick(long now, long bootNanos) {
        if (openedNanos != 0 && now - openedNanos >= settings.flushDelayNanos()) {
            send(now, bootNanos);
        }
    }

    /** The collector came back (templates again with the next packet) or went down (the open packet is lost). */
    void collectorStateChanged(boolean up) {
        if (up) {
            templatesDue = true;
        } else if (openedNanos != 0) {
            recordsLost += dataRecords;
            openedNanos = 0;
        }
    }

    long recordsExported() {
        return recordsExported;
    }

    long recordsLost() {
        return recordsLost;
    }

    long templatePackets() {
        return templatePackets;
    }
}
