package org.secmon.plugins.netflow.codec;

import java.nio.ByteBuffer;

/**
 * The header of an export packet, written over the space left for it at the start of the buffer once the packet is
 * complete. NetFlow v9 (RFC 3954 section 5.1): version 9, count of records, sysUptime, unix seconds, sequence of
 * packets, source id — 20 bytes. IPFIX (RFC 7011 section 3.1): version 10, length, export time, sequence of data
 * records, observation domain — 16 bytes.
 */
final class MessageHeader {
    static final int V9_VERSION = 9;
    static final int V9_LENGTH = 20;
    static final int IPFIX_VERSION = 10;
    static final int IPFIX_LENGTH = 16;

    private MessageHeader() {
    }

    /** The header's length: where the first set starts. */
    static int length(boolean ipfix) {
        return ipfix ? IPFIX_LENGTH : V9_LENGTH;
    }

    static void writeV9(ByteBuffer b, int records, int sysUptimeMillis, long unixSeconds, long sequence,
                        int sourceId) {
        b.putShort(0, (short) V9_VERSION).putShort(2, (short) records).putInt(4, sysUptimeMillis)
                .putInt(8, (int) unixSeconds).putInt(12, (int) sequence).putInt(16, sourceId);
    }

    static void writeIpfix(ByteBuffer b, int length, long exportSeconds, long sequence, int observationDomain) {
        b.putShort(0, (short) IPFIX_VERSION).putShort(2, (short) length).putInt(4, (int) exportSeconds)
                .putInt(8, (int) sequence).putInt(12, observationDomain);
    }
}
