package org.secmon.plugins.netflow.codec;

import java.nio.ByteBuffer;

/**
 * A set (IPFIX, RFC 7011 section 3.3.2) or flowset (NetFlow v9, RFC 3954 section 5.2): a 16-bit id and a 16-bit
 * length, padded to a multiple of 4 bytes. The id says what follows: a template set, an options template set, or
 * data records of the template with that id (256 and up).
 */
final class SetHeader {
    static final int V9_TEMPLATE_SET = 0;
    static final int V9_OPTIONS_TEMPLATE_SET = 1;
    static final int IPFIX_TEMPLATE_SET = 2;
    static final int IPFIX_OPTIONS_TEMPLATE_SET = 3;

    private SetHeader() {
    }

    static int templateSet(boolean ipfix) {
        return ipfix ? IPFIX_TEMPLATE_SET : V9_TEMPLATE_SET;
    }

    static int optionsTemplateSet(boolean ipfix) {
        return ipfix ? IPFIX_OPTIONS_TEMPLATE_SET : V9_OPTIONS_TEMPLATE_SET;
    }

    /** Opens a set at the buffer's position (its length written by {@link #close}); answers where it starts. */
    static int open(ByteBuffer b, int id) {
        int start = b.position();
        b.putShort((short) id).putShort((short) 0);
        return start;
    }

    /** Pads the set that starts at {@code start} to 4 bytes and writes its length. */
    static void close(ByteBuffer b, int start) {
        while (((b.position() - start) & 3) != 0) {
            b.put((byte) 0);
        }
        b.putShort(start + 2, (short) (b.position() - start));
    }
}
