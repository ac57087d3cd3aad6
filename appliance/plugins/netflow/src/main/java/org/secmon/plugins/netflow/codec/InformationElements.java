package org.secmon.plugins.netflow.codec;

/**
 * The information elements SecMon exports, by their names in IANA's IPFIX registry
 * (https://www.iana.org/assignments/ipfix, "IPFIX Information Elements"); NetFlow v9 (RFC 3954 section 8) uses the
 * same numbers for these, under older names given in brackets.
 */
final class InformationElements {
    private InformationElements() {
    }

    /** octetDeltaCount (v9 IN_BYTES). */
    static final int OCTET_DELTA_COUNT = 1;
    /** packetDeltaCount (v9 IN_PKTS). */
    static final int PACKET_DELTA_COUNT = 2;
    /** protocolIdentifier (v9 PROTOCOL). */
    static final int PROTOCOL_IDENTIFIER = 4;
    /** ipClassOfService (v9 SRC_TOS). */
    static final int IP_CLASS_OF_SERVICE = 5;
    /** tcpControlBits (v9 TCP_FLAGS). */
    static final int TCP_CONTROL_BITS = 6;
    /** sourceTransportPort (v9 L4_SRC_PORT). */
    static final int SOURCE_TRANSPORT_PORT = 7;
    /** sourceIPv4Address (v9 IPV4_SRC_ADDR). */
    static final int SOURCE_IPV4_ADDRESS = 8;
    /** ingressInterface (v9 INPUT_SNMP). */
    static final int INGRESS_INTERFACE = 10;
    /** destinationTransportPort (v9 L4_DST_PORT). */
    static final int DESTINATION_TRANSPORT_PORT = 11;
    /** destinationIPv4Address (v9 IPV4_DST_ADDR). */
    static final int DESTINATION_IPV4_ADDRESS = 12;
    /** flowEndSysUpTime (v9 LAST_SWITCHED). */
    static final int FLOW_END_SYS_UP_TIME = 21;
    /** flowStartSysUpTime (v9 FIRST_SWITCHED). */
    static final int FLOW_START_SYS_UP_TIME = 22;
    /** sourceIPv6Address (v9 IPV6_SRC_ADDR). */
    static final int SOURCE_IPV6_ADDRESS = 27;
    /** destinationIPv6Address (v9 IPV6_DST_ADDR). */
    static final int DESTINATION_IPV6_ADDRESS = 28;
    /** icmpTypeCodeIPv4 (v9 ICMP_TYPE): type * 256 + code. */
    static final int ICMP_TYPE_CODE_IPV4 = 32;
    /** samplingInterval (v9 SAMPLING_INTERVAL; deprecated in IPFIX in favour of samplingPacketInterval). */
    static final int SAMPLING_INTERVAL = 34;
    /** samplingAlgorithm (v9 SAMPLING_ALGORITHM): 1 = deterministic 1-in-N. */
    static final int SAMPLING_ALGORITHM = 35;
    /** sourceMacAddress (v9 IN_SRC_MAC). */
    static final int SOURCE_MAC_ADDRESS = 56;
    /** vlanId (v9 SRC_VLAN). */
    static final int VLAN_ID = 58;
    /** flowDirection (v9 DIRECTION): 0 ingress, 1 egress. */
    static final int FLOW_DIRECTION_INGRESS = 0;
    static final int FLOW_DIRECTION_EGRESS = 1;
    static final int FLOW_DIRECTION = 61;
    /** destinationMacAddress (v9 IN_DST_MAC). */
    static final int DESTINATION_MAC_ADDRESS = 80;
    /** flowEndReason: 1 idle, 2 active, 3 end of flow, 4 forced, 5 lack of resources. */
    static final int FLOW_END_REASON = 136;
    /**
     * observationPointId (unsigned64, sent reduced-size as 4 octets): for a packet that arrived through a terminated
     * tunnel, the tunnel's id (ERSPAN session id, GRE key, VXLAN/GENEVE VNI, GTP-U TEID); 0 for one that did not.
     */
    static final int OBSERVATION_POINT_ID = 138;
    /**
     * layer2SegmentId (unsigned64): the overlay segment, its type in the top byte (0x01 VXLAN) and its id below;
     * SecMon sends a VXLAN flow's VNI, 0 for other tunnels (IANA defines no type for ERSPAN, GRE keys, GENEVE or
     * GTP-U).
     */
    static final int LAYER2_SEGMENT_ID = 351;
    static final long SEGMENT_TYPE_VXLAN = 0x01L << 56;
    /** exportingProcessId. */
    static final int EXPORTING_PROCESS_ID = 144;
    /** observationDomainId (the IPFIX options template's scope). */
    static final int OBSERVATION_DOMAIN_ID = 149;
    /** flowStartMilliseconds. */
    static final int FLOW_START_MILLISECONDS = 152;
    /** flowEndMilliseconds. */
    static final int FLOW_END_MILLISECONDS = 153;

    /**
     * RFC 5103 reverse elements: the forward element's id with the enterprise bit and PEN 29305. Marked here by
     * {@link #REVERSE} above the 16 bits of an id; {@link TemplateRecord} writes them with the enterprise number.
     */
    static final int REVERSE = 0x10000;
    static final long REVERSE_PEN = 29305;
    static final int REVERSE_OCTET_DELTA_COUNT = REVERSE | OCTET_DELTA_COUNT;
    static final int REVERSE_PACKET_DELTA_COUNT = REVERSE | PACKET_DELTA_COUNT;
    static final int REVERSE_TCP_CONTROL_BITS = REVERSE | TCP_CONTROL_BITS;
    /**
     * SecMon's own elements (enterprise bit, the configured {@code enterprise_number}), marked by {@link #SECMON}
     * above the 16 bits of an id; ids 1-4 are metadata elements ({@code MetaField}).
     */
    static final int SECMON = 0x20000;
    /** tunnelSourceIPv4Address (SecMon 5, ipv4Address): the outer source of the tunnel a flow came through. */
    static final int TUNNEL_SOURCE_IPV4_ADDRESS = SECMON | 5;
    /** tunnelSourceIPv6Address (SecMon 6, ipv6Address): the same for a tunnel over IPv6. */
    static final int TUNNEL_SOURCE_IPV6_ADDRESS = SECMON | 6;

    /** biflowDirection (239): 1 = initiator (the record's source started the conversation). */
    static final int BIFLOW_DIRECTION = 239;
    static final int BIFLOW_INITIATOR = 1;

    /** NetFlow v9 options scope field type 1: System (RFC 3954 section 6.1). */
    static final int V9_SCOPE_SYSTEM = 1;
}
