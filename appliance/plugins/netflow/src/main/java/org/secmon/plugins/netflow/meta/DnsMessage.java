package org.secmon.plugins.netflow.meta;

/**
 * A DNS message (RFC 1035 section 4) read from a UDP payload, or from a TCP segment that starts with the message's
 * 2-byte length: the first question's name and type, the response code, and the first A/AAAA answers as text.
 * Compression pointers are followed at most {@value #MAX_HOPS} times per name and only backwards, so that a hostile
 * message cannot loop. Reusable and allocation-free: values are in this object's arrays.
 */
public final class DnsMessage {
    /** Why a payload gave no message. */
    public enum Result { OK, NOT_DNS, TRUNCATED, MALFORMED }

    public static final int MAX_HOPS = 16;
    public static final int MAX_ANSWERS = 4;
    private static final int MAX_RECORDS_SCANNED = 64;

    private final byte[] name = new byte[255];
    private final byte[] answers = new byte[MAX_ANSWERS * 40 + MAX_ANSWERS];
    private int nameLength;
    private int answersLength;
    private int queryType;
    private int rcode;
    private boolean response;
    private int end; // of the message in the parsed bytes

    /** Reads a message in {@code b[off, off + len)}; {@code tcp}: it starts with a 2-byte length (RFC 1035 4.2.2). */
    public Result parse(byte[] b, int off, int len, boolean tcp) {
        nameLength = 0;
        answersLength = 0;
        queryType = 0;
        rcode = 0;
        response = false;
        int start = off;
        end = off + len;
        if (tcp) {
            if (len < 2) {
                return Result.TRUNCATED;
            }
            int n = Wire.u16(b, off);
            start = off + 2;
            if (start + n < end) {
                end = start + n; // a second message after it is not read
            }
        }
        if (end - start < 12) {
            return end - start <= 0 ? Result.NOT_DNS : Result.TRUNCATED;
        }
        int flags = Wire.u16(b, start + 2);
        if ((flags >>> 11 & 0xf) > 2) { // opcode: query, inverse query, status
            return Result.NOT_DNS;
        }
        int qd = Wire.u16(b, start + 4);
        int an = Wire.u16(b, start + 6);
        response = (flags & 0x8000) != 0;
        rcode = flags & 0xf;
        if (qd == 0) {
            return Result.MALFORMED;
        }
        int p = readName(b, start, start + 12, true);
        if (p < 0) {
            return p == -2 ? Result.TRUNCATED : Result.MALFORMED;
        }
        if (p + 4 > end) {
            return Result.TRUNCATED;
        }
        queryType = Wire.u16(b, p);
        p += 4;
        for (int q = 1; q < qd && q < MAX_RECORDS_SCANNED; q++) { // other questions: skipped
            p = readName(b, start, p, false);
            if (p < 0 || p + 4 > end) {
                return Result.OK;
            }
            p += 4;
        }
        int found = 0;
        for (int a = 0; a < an && a < MAX_RECORDS_SCANNED && found < MAX_ANSWERS; a++) {
            p = readName(b, start, p, false);
            if (p < 0 || p + 10 > end) {
                return Result.OK; // answers cut by the capture: those read so far
            }
            int type = Wire.u16(b, p);
            int klass = Wire.u16(b, p + 2);
            int rdl = Wire.u16(b, p + 8);
            p += 10;
            if (p + rdl > end) {
                return Result.OK;
            }
            if (klass == 1 && (type == 1 && rdl == 4 || type == 28 && rdl == 16)) {
                if (found > 0) {
                    answers[answersLength++] = ',';
                }
                answersLength = type == 1 ? ipv4(b, p, answers, answersLength) : ipv6(b, p, answers, answersLength);
                found++;
            }
            p += rdl;
        }
        return Result.OK;
    }

    /**
     * Reads the name at {@code p} (into {@link #name} when {@code keep}); returns the offset after it in the
     * message, -2 when cut by the end of the bytes, -1 when malformed.
     */
    private int readName(byte[] b, int msg, int p, boolean keep) {
        int after = -1;
        int hops = 0;
        int n = 0;
        int lowest = p; // pointers must go back before every place already read
        while (true) {
            if (p >= end) {
                return -2;
            }
            int l = b[p] & 0xff;
            if (l == 0) {
                if (keep) {
                    nameLength = n == 0 ? 1 : n;
                    if (n == 0) {
                        name[0] = '.';
                    }
                }
                return after >= 0 ? after : p + 1;
            }
            if ((l & 0xc0) == 0xc0) {
                if (p + 1 >= end) {
                    return -2;
                }
                int target = msg + ((l & 0x3f) << 8 | (b[p + 1] & 0xff));
                if (after < 0) {
                    after = p + 2;
                }
                if (++hops > MAX_HOPS || target >= lowest) {
                    return -1;
                }
                lowest = target;
                p = target;
                continue;
            }
            if ((l & 0xc0) != 0) {
                return -1; // extended label types: not used
            }
            if (p + 1 + l > end) {
                return -2;
            }
            if (keep) {
                if (n + l + (n > 0 ? 1 : 0) > name.length) {
                    return -1; // longer than a name may be
                }
                if (n > 0) {
                    name[n++] = '.';
                }
                System.arraycopy(b, p + 1, name, n, l);
                n += l;
            }
            p += 1 + l;
        }
    }

    private static int ipv4(byte[] b, int p, byte[] out, int o) {
        for (int i = 0; i < 4; i++) {
            if (i > 0) {
                out[o++] = '.';
            }
            o = decimal(b[p + i] & 0xff, out, o);
        }
        return o;
    }

    /** RFC 5952 text: lowercase hex, no leading zeros, the longest run (2+) of zero groups as {@code ::}. */
    private static int ipv6(byte[] b, int p, byte[] out, int o) {
        int bestAt = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (Wire.u16(b, p + 2 * i) == 0) {
                int j = i;
                while (j < 8 && Wire.u16(b, p + 2 * j) == 0) {
                    j++;
                }
                if (j - i > bestLen) {
                    bestAt = i;
                    bestLen = j - i;
                }
                i = j;
            } else {
                i++;
            }
        }
        for (int i = 0; i < 8; i++) {
            if (i == bestAt) {
                out[o++] = ':';
                out[o++] = ':';
                i += bestLen - 1;
                continue;
            }
            if (i > 0 && i != bestAt + bestLen) {
                out[o++] = ':';
            }
            int g = Wire.u16(b, p + 2 * i);
            boolean lead = true;
            for (int s = 12; s >= 0; s -= 4) {
                int d = g >>> s & 0xf;
                if (d != 0 || !lead || s == 0) {
                    out[o++] = (byte) "0123456789abcdef".charAt(d);
                    lead = false;
                }
            }
        }
        return o;
    }

    private static int decimal(int v, byte[] out, int o) {
        if (v >= 100) {
            out[o++] = (byte) ('0' + v / 100);
        }
        if (v >= 10) {
            out[o++] = (byte) ('0' + v / 10 % 10);
        }
        out[o++] = (byte) ('0' + v % 10);
        return o;
    }

    /** The first question's name, dotted, without the final dot ({@code .} for the root). */
    public byte[] name() {
        return name;
    }

    public int nameLength() {
        return nameLength;
    }

    public int queryType() {
        return queryType;
    }

    public int rcode() {
        return rcode;
    }

    public boolean response() {
        return response;
    }

    /** The first {@value #MAX_ANSWERS} A/AAAA answers as text, comma-separated (empty for a query). */
    public byte[] answers() {
        return answers;
    }

    public int answersLength() {
        return answersLength;
    }
}
