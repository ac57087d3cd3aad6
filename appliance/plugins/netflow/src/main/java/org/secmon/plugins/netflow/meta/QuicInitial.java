package org.secmon.plugins.netflow.meta;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A QUIC client Initial packet (RFC 9000 section 17.2.2), decrypted as RFC 9001 section 5 describes — keys from the
 * Destination Connection ID and the version's salt (QUIC v1, RFC 9001; v2, RFC 9369), header protection removed,
 * AES-128-GCM opened — and the ClientHello its CRYPTO frames carry, read by {@link TlsClientHello}. CRYPTO frames
 * may come in any order within the packet (Chrome shuffles them); a ClientHello that continues in the next Initial
 * (large post-quantum key shares) is {@link Result#TRUNCATED}: counted, not reassembled. A server's Initial does not
 * open with the client's keys: {@link Result#NOT_CLIENT_INITIAL}.
 *
 * <p>Allocation-free: HMAC and HKDF run on a reused SHA-256 digest, AES and AES-GCM are {@link Aes128}'s (the JDK's
 * providers allocate a key schedule and buffers for every key, and every QUIC connection has its own).
 */
public final class QuicInitial {
    /** Why a datagram gave no ClientHello. */
    public enum Result { OK, NOT_QUIC, NOT_CLIENT_INITIAL, TRUNCATED, MALFORMED }

    public static final int V1 = 0x00000001;
    public static final int V2 = 0x6b3343cf;
    private static final byte[] SALT_V1 = hex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a");
    private static final byte[] SALT_V2 = hex("0dede3def700a6db819381be6e269dcbf9bd2ed9");
    private static final byte[] CLIENT_IN = ascii("client in");
    private static final byte[] KEY_V1 = ascii("quic key");
    private static final byte[] IV_V1 = ascii("quic iv");
    private static final byte[] HP_V1 = ascii("quic hp");
    private static final byte[] KEY_V2 = ascii("quicv2 key");
    private static final byte[] IV_V2 = ascii("quicv2 iv");
    private static final byte[] HP_V2 = ascii("quicv2 hp");
    private static final byte[] TLS13 = ascii("tls13 ");
    /** The most CRYPTO bytes kept from one packet (a client Initial is at most ~1,500 bytes). */
    public static final int MAX_CRYPTO = 4096;
    private static final int MAX_RANGES = 64;

    private final MessageDigest sha;
    private final Aes128 headerCipher = new Aes128();
    private final Aes128 packetCipher = new Aes128();
    private final byte[] pad = new byte[64];
    private final byte[] inner = new byte[32];
    private final byte[] info = new byte[64];
    private final byte[] initial = new byte[32];
    private final byte[] client = new byte[32];
    private final byte[] key = new byte[32];
    private final byte[] iv = new byte[32];
    private final byte[] hp = new byte[32];
    private final byte[] mask = new byte[16];
    private final byte[] header = new byte[1 + 4 + 1 + 20 + 1 + 20 + 8 + 8 + 4 + MAX_CRYPTO];
    private final byte[] plain = new byte[MAX_CRYPTO];
    private final byte[] crypto = new byte[MAX_CRYPTO];
    private final int[] rangeStart = new int[MAX_RANGES];
    private final int[] rangeEnd = new int[MAX_RANGES];
    private int ranges;
    private int version;
    private final TlsClientHello hello;

    public QuicInitial(TlsClientHello hello) {
        this.hello = hello;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this JDK", e);
        }
    }

    /** Whether {@code b[off]} could start a QUIC long-header packet (a cheap test, per datagram). */
    public static boolean looksLikeLongHeader(int firstByte) {
        return (firstByte & 0xc0) == 0xc0;
    }

    /** The version of the Initial last parsed. */
    public int version() {
        return version;
    }

    /** The ClientHello of the Initial last parsed (valid after {@link Result#OK}). */
    public TlsClientHello hello() {
        return hello;
    }

    /** Reads the client Initial in the UDP payload {@code b[off, off + len)} (the first packet of the datagram). */
    public Result parse(byte[] b, int off, int len) {
        version = 0;
        final int end = off + len;
        if (len < 7 || !looksLikeLongHeader(b[off] & 0xff)) {
            return Result.NOT_QUIC;
        }
        final int b0 = b[off] & 0xff;
        final int v = Wire.u32(b, off + 1);
        final int type = b0 >>> 4 & 3;
        if (!(v == V1 && type == 0 || v == V2 && type == 1)) {
            return Result.NOT_QUIC; // another version, or not an Initial
        }
        version = v;
        int p = off + 5;
        int dcil = b[p++] & 0xff;
        if (dcil > 20) {
            return Result.MALFORMED;
        }
        if (p + dcil + 1 > end) {
            return Result.TRUNCATED;
        }
        final int dcid = p;
        p += dcil;
        int scil = b[p++] & 0xff;
        if (scil > 20) {
            return Result.MALFORMED;
        }
        p += scil;
        if (p > end) {
            return Result.TRUNCATED;
        }
        long tokenLength = varint(b, p, end);
        if (tokenLength < 0) {
            return Result.TRUNCATED;
        }
        p += varintLength(b[p]);
        if (tokenLength > end - p) {
            return Result.TRUNCATED;
        }
        p += (int) tokenLength;
        long length = varint(b, p, end); // -1 when p reached the end
        if (length < 0) {
            return Result.TRUNCATED;
        }
        p += varintLength(b[p]);
        final int pnOffset = p;
        if (length < 20 || length > end - pnOffset) {
            return length < 20 ? Result.MALFORMED : Result.TRUNCATED;
        }
        final int packetEnd = pnOffset + (int) length;
        if (pnOffset - off + 4 > header.length || packetEnd - pnOffset - 20 > plain.length) {
            return Result.MALFORMED;
        }
        keys(v, b, dcid, dcil);
        // header protection: a mask from 16 bytes sampled 4 after the packet number's start
        headerCipher.key(hp, 0);
        headerCipher.encryptBlock(b, pnOffset + 4, mask, 0);
        int hl = pnOffset - off;
        System.arraycopy(b, off, header, 0, hl);
        header[0] = (byte) (b0 ^ (mask[0] & 0x0f));
        int pnLength = (header[0] & 3) + 1;
        long pn = 0;
        for (int i = 0; i < pnLength; i++) {
            header[hl + i] = (byte) (b[pnOffset + i] ^ mask[1 + i]);
            pn = pn << 8 | (header[hl + i] & 0xff);
        }
        for (int i = 0; i < 8; i++) {
            iv[11 - i] ^= (byte) (pn >>> (8 * i));
        }
        packetCipher.key(key, 0);
        int n = packetCipher.decryptGcm(iv, 0, header, 0, hl + pnLength, b, pnOffset + pnLength,
                packetEnd - pnOffset - pnLength, plain, 0);
        if (n < 0) {
            return Result.NOT_CLIENT_INITIAL; // a server's Initial, or damaged
        }
        return frames(n);
    }

    /** The CRYPTO frames of the decrypted payload, put together from offset 0; then the ClientHello. */
    private Result frames(int n) {
        ranges = 0;
        int p = 0;
        while (p < n) {
            int type = plain[p] & 0xff;
            if (type == 0x00 || type == 0x01) { // PADDING, PING
                p++;
            } else if (type == 0x02 || type == 0x03) { // ACK
                p++;
                for (int i = 0; i < 3; i++) { // largest acknowledged, delay, range count
                    if (p >= n || varint(plain, p, n) < 0) {
                        return Result.MALFORMED;
                    }
                    if (i == 2) {
                        long count = varint(plain, p, n);
                        p += varintLength(plain[p]);
                        for (long r = 0; r < 2 * count + 1 + (type == 0x03 ? 3 : 0); r++) {
                            if (p >= n || varint(plain, p, n) < 0) {
                                return Result.MALFORMED;
                            }
                            p += varintLength(plain[p]);
                        }
                    } else {
                        p += varintLength(plain[p]);
                    }
                }
            } else if (type == 0x06) { // CRYPTO: offset, length, data
                p++;
                long o = p < n ? varint(plain, p, n) : -1;
                if (o < 0) {
                    return Result.MALFORMED;
                }
                p += varintLength(plain[p]);
                long l = p < n ? varint(plain, p, n) : -1;
                if (l < 0) {
                    return Result.MALFORMED;
                }
                p += varintLength(plain[p]);
                if (l > n - p) {
                    return Result.MALFORMED;
                }
                if (o + l <= crypto.length && ranges < MAX_RANGES) {
                    System.arraycopy(plain, p, crypto, (int) o, (int) l);
                    rangeStart[ranges] = (int) o;
                    rangeEnd[ranges++] = (int) (o + l);
                }
                p += (int) l;
            } else if (type == 0x1c) { // CONNECTION_CLOSE
                return Result.NOT_CLIENT_INITIAL;
            } else {
                return Result.MALFORMED; // no other frame may be in an Initial
            }
        }
        int covered = contiguous();
        if (covered < 4) {
            return Result.TRUNCATED;
        }
        TlsClientHello.Result r = hello.parseHandshake(crypto, 0, covered);
        return switch (r) {
            case OK -> Result.OK;
            case TRUNCATED -> Result.TRUNCATED; // the hello goes on in the next Initial
            case NOT_CLIENT_HELLO -> Result.NOT_CLIENT_INITIAL;
            default -> Result.MALFORMED;
        };
    }

    /** How many bytes from offset 0 the CRYPTO frames cover without a gap. */
    private int contiguous() {
        int covered = 0;
        boolean grew = true;
        while (grew) {
            grew = false;
            for (int i = 0; i < ranges; i++) {
                if (rangeStart[i] <= covered && rangeEnd[i] > covered) {
                    covered = rangeEnd[i];
                    grew = true;
                }
            }
        }
        return covered;
    }

    // ---- keys (RFC 9001 section 5.2), HKDF on a reused digest --------------------------------------------------

    private void keys(int v, byte[] b, int dcid, int dcil) {
        hmac(v == V1 ? SALT_V1 : SALT_V2, 20, b, dcid, dcil, initial, 0); // HKDF-Extract
        expandLabel(initial, CLIENT_IN, 32, client);
        expandLabel(client, v == V1 ? KEY_V1 : KEY_V2, 16, key);
        expandLabel(client, v == V1 ? IV_V1 : IV_V2, 12, iv);
        expandLabel(client, v == V1 ? HP_V1 : HP_V2, 16, hp);
    }

    /** HKDF-Expand-Label (RFC 8446 section 7.1) with an empty context, for at most 32 bytes: one HMAC block. */
    private void expandLabel(byte[] secret, byte[] label, int length, byte[] out) {
        int n = 0;
        info[n++] = (byte) (length >>> 8);
        info[n++] = (byte) length;
        info[n++] = (byte) (TLS13.length + label.length);
        System.arraycopy(TLS13, 0, info, n, TLS13.length);
        n += TLS13.length;
        System.arraycopy(label, 0, info, n, label.length);
        n += label.length;
        info[n++] = 0; // context
        info[n++] = 1; // HKDF-Expand's counter: the first block
        hmac(secret, 32, info, 0, n, out, 0);
    }

    /** HMAC-SHA256 (RFC 2104) of {@code m[mo, mo + ml)} under a key of at most 64 bytes, into {@code out[o]}. */
    private void hmac(byte[] k, int kl, byte[] m, int mo, int ml, byte[] out, int o) {
        for (int i = 0; i < 64; i++) {
            pad[i] = (byte) ((i < kl ? k[i] : 0) ^ 0x36);
        }
        sha.reset();
        sha.update(pad, 0, 64);
        sha.update(m, mo, ml);
        digest(inner, 0);
        for (int i = 0; i < 64; i++) {
            pad[i] ^= 0x36 ^ 0x5c;
        }
        sha.update(pad, 0, 64);
        sha.update(inner, 0, 32);
        digest(out, o);
    }

    private void digest(byte[] out, int o) {
        try {
            sha.digest(out, o, 32);
        } catch (java.security.DigestException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The client's key, iv and header protection key for a connection whose first Destination Connection ID is
     * {@code dcid} (tests and generators of Initials; allocates).
     */
    public byte[][] clientKeys(int v, byte[] dcid) {
        keys(v, dcid, 0, dcid.length);
        return new byte[][] {java.util.Arrays.copyOf(key, 16), java.util.Arrays.copyOf(iv, 12),
            java.util.Arrays.copyOf(hp, 16)};
    }

    // ---- wire helpers ------------------------------------------------------------------------------------------

    /** A QUIC variable-length integer (RFC 9000 section 16) at {@code p}, -1 when it runs past {@code end}. */
    static long varint(byte[] b, int p, int end) {
        if (p >= end) {
            return -1;
        }
        int n = varintLength(b[p]);
        if (p + n > end) {
            return -1;
        }
        long v = b[p] & 0x3f;
        for (int i = 1; i < n; i++) {
            v = v << 8 | (b[p + i] & 0xff);
        }
        return v;
    }

    static int varintLength(byte first) {
        return 1 << ((first & 0xff) >>> 6);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static byte[] hex(String s) {
        return java.util.HexFormat.of().parseHex(s);
    }
}
