package org.secmon.plugins.netflow.meta;

/**
 * A flow's metadata as bytes in a fixed-size slot of a {@code byte[]}: a 2-byte length of what follows, then entries
 * of {@code field ordinal (1 byte), value length (1 byte), value}. Strings are ASCII with every byte outside
 * 0x20..0x7e replaced by {@code ?} (a hostile server name or user agent cannot put control characters into a
 * collector's logs); numbers are big-endian of the field's fixed length. Written by {@link MetaExtractor}, copied into
 * the flow's slot by the cache, read by the exporter. Static helpers only: no allocation.
 */
public final class MetaRecord {
    private MetaRecord() {
    }

    /** The longest string value (IPFIX's one-byte variable-length form holds up to 254). */
    public static final int MAX_VALUE = 254;

    /** Bytes used in the slot at {@code s}, its 2-byte header included. */
    public static int used(byte[] b, int s) {
        return 2 + ((b[s] & 0xff) << 8 | (b[s + 1] & 0xff));
    }

    /** Starts an empty record at {@code s}. */
    public static void clear(byte[] b, int s) {
        b[s] = 0;
        b[s + 1] = 0;
    }

    private static void setUsed(byte[] b, int s, int used) {
        int n = used - 2;
        b[s] = (byte) (n >>> 8);
        b[s + 1] = (byte) n;
    }

    /**
     * Appends a string value, cut to {@code max} bytes and to what fits in a slot of {@code slotSize}; nothing when
     * not even the entry's header fits. Returns whether it was written.
     */
    public static boolean putString(byte[] b, int s, int slotSize, MetaField f, byte[] v, int off, int len, int max) {
        int at = s + used(b, s);
        int room = s + slotSize - at - 2;
        if (room < 0) {
            return false;
        }
        int n = Math.min(Math.min(len, max), Math.min(room, MAX_VALUE));
        b[at] = (byte) f.ordinal();
        b[at + 1] = (byte) n;
        for (int i = 0; i < n; i++) {
            int c = v[off + i] & 0xff;
            b[at + 2 + i] = c >= 0x20 && c <= 0x7e ? (byte) c : (byte) '?';
        }
        setUsed(b, s, at + 2 + n - s);
        return true;
    }

    /** Appends a number of the field's fixed length. */
    public static boolean putNumber(byte[] b, int s, int slotSize, MetaField f, int v) {
        int n = f.fixedLength();
        int at = s + used(b, s);
        if (at + 2 + n > s + slotSize) {
            return false;
        }
        b[at] = (byte) f.ordinal();
        b[at + 1] = (byte) n;
        for (int i = 0; i < n; i++) {
            b[at + 2 + i] = (byte) (v >>> (8 * (n - 1 - i)));
        }
        setUsed(b, s, at + 2 + n - s);
        return true;
    }

    /** The offset of field {@code f}'s entry (its ordinal byte) in the record at {@code s}, -1 when absent. */
    public static int find(byte[] b, int s, MetaField f) {
        int end = s + used(b, s);
        int p = s + 2;
        int want = f.ordinal();
        while (p + 2 <= end) {
            if ((b[p] & 0xff) == want) {
                return p;
            }
            p += 2 + (b[p + 1] & 0xff);
        }
        return -1;
    }

    /**
     * Notes in {@code at[ordinal]} the offset of each field's entry in the record at {@code s} (entries of fields
     * it does not have are left as they are).
     */
    public static void index(byte[] b, int s, int[] at) {
        int end = s + used(b, s);
        int p = s + 2;
        while (p + 2 <= end) {
            int o = b[p] & 0xff;
            if (o < at.length) {
                at[o] = p;
            }
            p += 2 + (b[p + 1] & 0xff);
        }
    }

    /** The value length of the entry at {@code e} (from {@link #find}). */
    public static int length(byte[] b, int e) {
        return b[e + 1] & 0xff;
    }

    /** The unsigned number in the entry at {@code e}. */
    public static int number(byte[] b, int e) {
        int n = b[e + 1] & 0xff;
        int v = 0;
        for (int i = 0; i < n; i++) {
            v = v << 8 | (b[e + 2 + i] & 0xff);
        }
        return v;
    }

    /** The record at {@code s} as text, for operators ({@code show flows}): {@code tls_sni=example.com ...}. */
    public static String describe(byte[] b, int s) {
        StringBuilder out = new StringBuilder();
        int end = s + used(b, s);
        int p = s + 2;
        MetaField[] all = MetaField.values();
        while (p + 2 <= end) {
            int o = b[p] & 0xff;
            int n = b[p + 1] & 0xff;
            if (o >= all.length || p + 2 + n > end) {
                break;
            }
            MetaField f = all[o];
            if (!out.isEmpty()) {
                out.append(' ');
            }
            out.append(f.key()).append('=');
            if (f.kind == MetaField.Kind.STRING) {
                out.append(new String(b, p + 2, n, java.nio.charset.StandardCharsets.US_ASCII));
            } else {
                out.append(number(b, p));
            }
            p += 2 + n;
        }
        return out.toString();
    }
}
