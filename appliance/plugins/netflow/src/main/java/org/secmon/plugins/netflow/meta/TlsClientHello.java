package org.secmon.plugins.netflow.meta;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A TLS ClientHello read from the first bytes of a TCP payload (one record, as a client's first segment usually
 * holds it), and its JA4 fingerprint (FoxIO's published algorithm, technical_details/JA4.md): the server name (SNI),
 * the first ALPN value, the offered version, and
 * {@code t13d1516h2_8daaf6152771_d8a2da3f94cd} — protocol, version, SNI or not, cipher and extension counts, ALPN's
 * first and last character; the truncated SHA-256 of the sorted cipher suites; of the sorted extensions (without
 * SNI and ALPN) and the signature algorithms in their order. GREASE values are left out everywhere.
 *
 * <p>Reusable and allocation-free: {@link #parse} fills this object's arrays (sized for the largest values TLS
 * allows or JA4 uses) and {@link #ja4} writes 36 ASCII bytes into the caller's buffer. Every length is checked
 * against the bytes given: a truncated or hostile hello is refused with a {@link Result}, never read past.
 * What a first segment does not hold is not reassembled: a ClientHello split over two segments (post-quantum key
 * shares make them 1.5-2 KB) is {@link Result#TRUNCATED} — counted by the caller, not decoded.
 */
public final class TlsClientHello {
    /** Why a payload gave no ClientHello. */
    public enum Result { OK, NOT_TLS, NOT_CLIENT_HELLO, TRUNCATED, MALFORMED }

    public static final int MAX_CIPHERS = 256;
    public static final int MAX_EXTENSIONS = 128;
    public static final int MAX_SIGNATURE_ALGORITHMS = 64;
    public static final int MAX_NAME = 255;
    public static final int MAX_ALPN = 255;

    private final int[] ciphers = new int[MAX_CIPHERS];
    private final int[] extensions = new int[MAX_EXTENSIONS];
    private final int[] sigAlgs = new int[MAX_SIGNATURE_ALGORITHMS];
    private final int[] sorted = new int[Math.max(MAX_CIPHERS, MAX_EXTENSIONS)];
    private final byte[] serverName = new byte[MAX_NAME];
    private final byte[] alpn = new byte[MAX_ALPN];
    private final byte[] text = new byte[5 * (MAX_CIPHERS + MAX_EXTENSIONS + MAX_SIGNATURE_ALGORITHMS) + 1];
    private final byte[] digest = new byte[32];
    private final MessageDigest sha256;

    private int cipherCount;
    private int extensionCount;
    private int sigAlgCount;
    private int serverNameLength = -1;
    private int alpnLength = -1;
    private int legacyVersion;
    private int bestVersion;

    public TlsClientHello() {
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this JDK", e);
        }
    }

    /** GREASE (RFC 8701): 0x0a0a, 0x1a1a ... 0xfafa. */
    public static boolean grease(int v) {
        return (v & 0x0f0f) == 0x0a0a && (v >>> 8) == (v & 0xff);
    }

    private void reset() {
        cipherCount = 0;
        extensionCount = 0;
        sigAlgCount = 0;
        serverNameLength = -1;
        alpnLength = -1;
        legacyVersion = 0;
        bestVersion = 0;
    }

    /**
     * Reads a ClientHello handshake message without a record around it, as QUIC's CRYPTO frames carry it (RFC 9001
     * section 4): {@code b[off, off + len)} starts with the message type.
     */
    public Result parseHandshake(byte[] b, int off, int len) {
        reset();
        if (len < 4) {
            return Result.TRUNCATED;
        }
        if ((b[off] & 0xff) != 1) {
            return Result.NOT_CLIENT_HELLO;
        }
        int helloEnd = off + 4 + Wire.u24(b, off + 1);
        if (helloEnd > off + len) {
            return Result.TRUNCATED;
        }
        return body(b, off + 4, helloEnd);
    }

    /** Reads the ClientHello in {@code b[off, off + len)} (the TCP payload's first bytes). */
    public Result parse(byte[] b, int off, int len) {
        reset();
        int end = off + len;
        if (len < 5) {
            return len > 0 && (b[off] & 0xff) == 22 ? Result.TRUNCATED : Result.NOT_TLS;
        }
        if ((b[off] & 0xff) != 22 || (b[off + 1] & 0xff) != 3) { // handshake record, SSL 3.0 or TLS
            return Result.NOT_TLS;
        }
        int recordEnd = off + 5 + Wire.u16(b, off + 3);
        int p = off + 5;
        if (p + 4 > end) {
            return Result.TRUNCATED;
        }
        if ((b[p] & 0xff) != 1) {
            return Result.NOT_CLIENT_HELLO;
        }
        int helloEnd = p + 4 + Wire.u24(b, p + 1);
        if (helloEnd > recordEnd) {
            return Result.MALFORMED; // a hello longer than its record: records split it (not decoded)
        }
        if (helloEnd > end) {
            return Result.TRUNCATED;
        }
        return body(b, p + 4, helloEnd);
    }

    /** The ClientHello's body, {@code b[p, helloEnd)}: version, random, session id, ciphers, extensions. */
    private Result body(byte[] b, int p, int helloEnd) {
        if (p + 2 + 32 + 1 > helloEnd) {
            return Result.MALFORMED;
        }
        legacyVersion = Wire.u16(b, p);
        p += 2 + 32; // version, random
        p += 1 + (b[p] & 0xff); // session id
        if (p + 2 > helloEnd) {
            return Result.MALFORMED;
        }
        int cs = Wire.u16(b, p);
        p += 2;
        if ((cs & 1) != 0 || p + cs > helloEnd) {
            return Result.MALFORMED;
        }
        for (int i = 0; i < cs; i += 2) {
            int c = Wire.u16(b, p + i);
            if (!grease(c) && cipherCount < MAX_CIPHERS) {
                ciphers[cipherCount++] = c;
            }
        }
        p += cs;
        if (p + 1 > helloEnd) {
            return Result.MALFORMED;
        }
        p += 1 + (b[p] & 0xff); // compression methods
        if (p > helloEnd) {
            return Result.MALFORMED;
        }
        if (p == helloEnd) {
            return Result.OK; // no extensions (SSL 3.0 style)
        }
        if (p + 2 > helloEnd) {
            return Result.MALFORMED;
        }
        int extEnd = p + 2 + Wire.u16(b, p);
        p += 2;
        if (extEnd > helloEnd) {
            return Result.MALFORMED;
        }
        while (p < extEnd) {
            if (p + 4 > extEnd) {
                return Result.MALFORMED;
            }
            int type = Wire.u16(b, p);
            int n = Wire.u16(b, p + 2);
            int d = p + 4;
            if (d + n > extEnd) {
                return Result.MALFORMED;
            }
            if (!grease(type) && extensionCount < MAX_EXTENSIONS) {
                extensions[extensionCount++] = type;
            }
            Result r = extension(b, type, d, d + n);
            if (r != Result.OK) {
                return r;
            }
            p = d + n;
        }
        return Result.OK;
    }

    private Result extension(byte[] b, int type, int p, int end) {
        switch (type) {
            case 0x0000 -> { // server_name: list of (type, name); the first host_name
                if (end - p < 2) {
                    return end == p ? Result.OK : Result.MALFORMED; // a server's empty echo
                }
                int listEnd = p + 2 + Wire.u16(b, p);
                p += 2;
                if (listEnd > end) {
                    return Result.MALFORMED;
                }
                while (p + 3 <= listEnd) {
                    int kind = b[p] & 0xff;
                    int n = Wire.u16(b, p + 1);
                    p += 3;
                    if (p + n > listEnd) {
                        return Result.MALFORMED;
                    }
                    if (kind == 0 && serverNameLength < 0) {
                        serverNameLength = Math.min(n, MAX_NAME);
                        System.arraycopy(b, p, serverName, 0, serverNameLength);
                    }
                    p += n;
                }
            }
            case 0x0010 -> { // ALPN: list of length-prefixed protocol names; the first one
                if (end - p < 2) {
                    return Result.MALFORMED;
                }
                int listEnd = p + 2 + Wire.u16(b, p);
                p += 2;
                if (listEnd > end || p >= listEnd) {
                    return listEnd > end ? Result.MALFORMED : Result.OK;
                }
                int n = b[p] & 0xff;
                if (p + 1 + n > listEnd) {
                    return Result.MALFORMED;
                }
                alpnLength = n;
                System.arraycopy(b, p + 1, alpn, 0, n);
            }
            case 0x000d -> { // signature_algorithms, in the client's order
                if (end - p < 2) {
                    return Result.MALFORMED;
                }
                int n = Wire.u16(b, p);
                p += 2;
                if ((n & 1) != 0 || p + n > end) {
                    return Result.MALFORMED;
                }
                for (int i = 0; i < n; i += 2) {
                    int s = Wire.u16(b, p + i);
                    if (!grease(s) && sigAlgCount < MAX_SIGNATURE_ALGORITHMS) {
                        sigAlgs[sigAlgCount++] = s;
                    }
                }
            }
            case 0x002b -> { // supported_versions: the highest non-GREASE one
                if (end - p < 1) {
                    return Result.MALFORMED;
                }
                int n = b[p] & 0xff;
                p += 1;
                if ((n & 1) != 0 || p + n > end) {
                    return Result.MALFORMED;
                }
                for (int i = 0; i < n; i += 2) {
                    int v = Wire.u16(b, p + i);
                    if (!grease(v) && v > bestVersion) {
                        bestVersion = v;
                    }
                }
            }
            default -> {
            }
        }
        return Result.OK;
    }

    // ---- what was read ---------------------------------------------------------------------------------------------

    /** The server name's length (its bytes in {@link #serverName()}), or -1 without SNI. */
    public int serverNameLength() {
        return serverNameLength;
    }

    /** The server name's bytes (ASCII; the first {@link #serverNameLength()}). */
    public byte[] serverName() {
        return serverName;
    }

    /** The first ALPN value's length, -1 without ALPN. */
    public int alpnLength() {
        return alpnLength;
    }

    public byte[] alpn() {
        return alpn;
    }

    /** The version offered: supported_versions' highest, else the hello's own (0x0303 = TLS 1.2). */
    public int version() {
        return bestVersion != 0 ? bestVersion : legacyVersion;
    }

    // ---- JA4 -------------------------------------------------------------------------------------------------------

    /** Length of a JA4 fingerprint: {@code t13d1516h2_8daaf6152771_d8a2da3f94cd}. */
    public static final int JA4_LENGTH = 36;

    /**
     * Writes the JA4 of the hello last parsed into {@code out[at, at + 36)}.
     *
     * @param quic true for a hello carried in QUIC (prefix {@code q}), else TCP ({@code t})
     */
    public void ja4(boolean quic, byte[] out, int at) {
        int p = at;
        out[p++] = (byte) (quic ? 'q' : 't');
        int v = version();
        String vs = switch (v) {
            case 0x0304 -> "13";
            case 0x0303 -> "12";
            case 0x0302 -> "11";
            case 0x0301 -> "10";
            case 0x0300 -> "s3";
            case 0x0002 -> "s2";
            case 0xfeff -> "d1";
            case 0xfefd -> "d2";
            case 0xfefc -> "d3";
            default -> "00";
        };
        out[p++] = (byte) vs.charAt(0);
        out[p++] = (byte) vs.charAt(1);
        out[p++] = (byte) (serverNameLength >= 0 ? 'd' : 'i');
        p = twoDigits(Math.min(99, cipherCount), out, p);
        p = twoDigits(Math.min(99, extensionCount), out, p);
        if (alpnLength <= 0) {
            out[p++] = '0';
            out[p++] = '0';
        } else {
            int first = alpn[0] & 0xff;
            int last = alpn[alpnLength - 1] & 0xff;
            if (alnum(first) && alnum(last)) {
                out[p++] = (byte) first;
                out[p++] = (byte) last;
            } else { // the first and last characters of the value's hex
                out[p++] = HEX[first >>> 4];
                out[p++] = HEX[last & 0x0f];
            }
        }
        out[p++] = '_';
        // ciphers, sorted
        listHash(CIPHERS, sorted, sortedCopy(ciphers, cipherCount, false), sigAlgs, 0, out, p);
        p += 12;
        out[p++] = '_';
        // extensions without SNI and ALPN, sorted; then '_' and the signature algorithms in their order
        listHash(EXTENSIONS, sorted, sortedCopy(extensions, extensionCount, true), sigAlgs, sigAlgCount, out, p);
    }

    // ---- the JA4 hashes already computed -------------------------------------------------------------------------
    // A client program sends the same lists in every hello (GREASE left out, extensions sorted: Chrome's shuffled
    // order gives one list too), so a sensor sees a few fingerprints again and again. A direct-mapped table keeps the
    // exact lists (compared in full, never by a hash alone) with their 12 hex digits and skips the text and SHA-256
    // for them. Lists longer than a slot are hashed every time.

    private static final int CIPHERS = 1;
    private static final int EXTENSIONS = 2;
    private static final int MEMO_SLOTS = 128;
    private static final int MEMO_KEY = 96; // ints per slot: kind and counts, then the values
    private final int[] memoKeys = new int[MEMO_SLOTS * MEMO_KEY];
    private final int[] memoKeyLength = new int[MEMO_SLOTS];
    private final byte[] memoHex = new byte[MEMO_SLOTS * 12];
    private final int[] key = new int[MEMO_KEY];
    private long memoHits;
    private long memoMisses;

    /**
     * The 12 hex digits of one JA4 hash into {@code out[p, p + 12)}: of {@code a[0, n)}, then '_' and
     * {@code b[0, k)} when {@code k > 0}, as comma-separated hex; twelve zeros when {@code n} is 0. Taken from the
     * table when this exact list was hashed before, else computed and filed there.
     */
    private void listHash(int kind, int[] a, int n, int[] b, int k, byte[] out, int p) {
        if (n == 0) {
            java.util.Arrays.fill(out, p, p + 12, (byte) '0');
            return;
        }
        int len = 1 + n + k;
        int slot = -1;
        if (len <= MEMO_KEY) {
            key[0] = kind << 24 | n << 12 | k;
            int h = key[0];
            for (int i = 0; i < n; i++) {
                key[1 + i] = a[i];
                h = h * 31 + a[i];
            }
            for (int i = 0; i < k; i++) {
                key[1 + n + i] = b[i];
                h = h * 31 + b[i];
            }
            slot = (h ^ h >>> 15) * 0x2c1b3c6d >>> 25; // 7 bits: MEMO_SLOTS
            int at = slot * MEMO_KEY;
            if (memoKeyLength[slot] == len && java.util.Arrays.equals(memoKeys, at, at + len, key, 0, len)) {
                System.arraycopy(memoHex, slot * 12, out, p, 12);
                memoHits++;
                return;
            }
        }
        memoMisses++;
        int t = hexList(a, n, 0);
        if (k > 0) {
            text[t++] = '_';
            t = hexList(b, k, t);
        }
        hash(t, out, p);
        if (slot >= 0) {
            System.arraycopy(key, 0, memoKeys, slot * MEMO_KEY, len);
            memoKeyLength[slot] = len;
            System.arraycopy(out, p, memoHex, slot * 12, 12);
        }
    }

    /** JA4 hashes taken from the table of earlier ones. */
    public long ja4HashesRemembered() {
        return memoHits;
    }

    /** JA4 hashes computed (SHA-256). */
    public long ja4HashesComputed() {
        return memoMisses;
    }

    private int sortedCopy(int[] from, int count, boolean dropSniAlpn) {
        int n = 0;
        for (int i = 0; i < count; i++) {
            int x = from[i];
            if (dropSniAlpn && (x == 0x0000 || x == 0x0010)) {
                continue;
            }
            int j = n++; // insertion sort: at most a few hundred values, once per flow
            while (j > 0 && sorted[j - 1] > x) {
                sorted[j] = sorted[j - 1];
                j--;
            }
            sorted[j] = x;
        }
        return n;
    }

    /** {@code vals[0, n)} as comma-separated 4-digit lowercase hex into {@link #text} from {@code t}. */
    private int hexList(int[] vals, int n, int t) {
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                text[t++] = ',';
            }
            t = hex4(vals[i], text, t);
        }
        return t;
    }

    /** The first 12 hex digits of SHA-256 of {@code text[0, len)}. */
    private void hash(int len, byte[] out, int p) {
        sha256.reset();
        sha256.update(text, 0, len);
        try {
            sha256.digest(digest, 0, 32);
        } catch (java.security.DigestException e) {
            throw new IllegalStateException(e);
        }
        for (int i = 0; i < 6; i++) {
            out[p++] = HEX[(digest[i] >>> 4) & 0x0f];
            out[p++] = HEX[digest[i] & 0x0f];
        }
    }

    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private static int hex4(int v, byte[] out, int p) {
        out[p] = HEX[(v >>> 12) & 0xf];
        out[p + 1] = HEX[(v >>> 8) & 0xf];
        out[p + 2] = HEX[(v >>> 4) & 0xf];
        out[p + 3] = HEX[v & 0xf];
        return p + 4;
    }

    private static int twoDigits(int v, byte[] out, int p) {
        out[p] = (byte) ('0' + v / 10);
        out[p + 1] = (byte) ('0' + v % 10);
        return p + 2;
    }

    private static boolean alnum(int c) {
        return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z';
    }
}
