package org.secmon.plugins.netflow.codec;

import java.nio.ByteBuffer;

/**
 * Template records (RFC 7011 section 3.4.1, RFC 3954 section 5.2) and options template records (RFC 7011 section
 * 3.4.2.2, RFC 3954 section 6.1), written from {@code {element, length}} pairs: IANA elements, RFC 5103's reverse
 * elements and SecMon's own (marked above the 16 bits of an id) with the enterprise bit and their number.
 */
final class TemplateRecord {
    private TemplateRecord() {
    }

    /** Template id, field count, then each field's element id and length. */
    static void write(ByteBuffer b, int id, int[] fields) {
        write(b, id, fields, 0);
    }

    /** ... with SecMon's own elements under enterprise number {@code secmonPen}. */
    static void write(ByteBuffer b, int id, int[] fields, long secmonPen) {
        b.putShort((short) id).putShort((short) (fields.length / 2));
        putFields(b, fields, secmonPen);
    }

    /**
     * An IPFIX options template: id, field count, scope field count, then the fields (scope fields first).
     */
    static void writeIpfixOptions(ByteBuffer b, int id, int[] scope, int[] options) {
        b.putShort((short) id).putShort((short) ((scope.length + options.length) / 2))
                .putShort((short) (scope.length / 2));
        putFields(b, scope);
        putFields(b, options);
    }

    /**
     * A NetFlow v9 options template: id, scope length in bytes, option length in bytes, then the scope fields and
     * the option fields.
     */
    static void writeV9Options(ByteBuffer b, int id, int[] scope, int[] options) {
        b.putShort((short) id).putShort((short) (scope.length * 2)).putShort((short) (options.length * 2));
        putFields(b, scope);
        putFields(b, options);
    }

    /** The bytes of these fields' specifiers in a template (4 each, 8 with an enterprise number). */
    static int specBytes(int[] fields) {
        int n = 0;
        for (int i = 0; i < fields.length; i += 2) {
            n += (fields[i] & (InformationElements.REVERSE | InformationElements.SECMON)) != 0 ? 8 : 4;
        }
        return n;
    }

    /** The bytes of a record of these fields. */
    static int recordLength(int[] fields) {
        int l = 0;
        for (int i = 1; i < fields.length; i += 2) {
            l += fields[i];
        }
        return l;
    }

    static void putFields(ByteBuffer b, int[] fields) {
        putFields(b, fields, 0);
    }

    static void putFields(ByteBuffer b, int[] fields, long secmonPen) {
        for (int i = 0; i < fields.length; i += 2) {
            if ((fields[i] & InformationElements.REVERSE) != 0) { // RFC 5103: enterprise bit, PEN 29305
                b.putShort((short) (0x8000 | fields[i] & 0x7fff)).putShort((short) fields[i + 1])
                        .putInt((int) InformationElements.REVERSE_PEN);
            } else if ((fields[i] & InformationElements.SECMON) != 0) {
                if (secmonPen == 0) {
                    throw new IllegalStateException("element " + (fields[i] & 0x7fff) + " needs SecMon's enterprise"
                            + " number");
                }
                b.putShort((short) (0x8000 | fields[i] & 0x7fff)).putShort((short) fields[i + 1])
                        .putInt((int) secmonPen);
            } else {
                b.putShort((short) fields[i]).putShort((short) fields[i + 1]);
            }
        }
    }
}
