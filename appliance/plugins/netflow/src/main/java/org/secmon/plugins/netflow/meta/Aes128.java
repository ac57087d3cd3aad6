package org.secmon.plugins.netflow.meta;

/**
 * AES-128 (FIPS 197) block encryption and AES-128-GCM decryption (NIST SP 800-38D, 96-bit IV, 128-bit tag), for
 * opening QUIC Initial packets without allocating: the JDK's providers allocate a key schedule and buffers per key,
 * and every QUIC connection has its own keys. One T-table for the rounds, Shoup's 4-bit tables for GHASH. Table
 * lookups depend on the data, so this is not for secrets: it reads observed traffic with keys anyone can derive
 * (RFC 9001 section 5). Reusable; not thread-safe.
 */
public final class Aes128 {
    private static final int[] SBOX = new int[256];

    static {
        // the S-box from its definition: the multiplicative inverse in GF(2^8), then the affine map
        int p = 1;
        int q = 1;
        do {
            p = p ^ (p << 1) ^ ((p & 0x80) != 0 ? 0x1b : 0);
            p &= 0xff;
            q ^= q << 1;
            q ^= q << 2;
            q ^= q << 4;
            q &= 0xff;
            if ((q & 0x80) != 0) {
                q ^= 0x09;
            }
            int x = q ^ rotl8(q, 1) ^ rotl8(q, 2) ^ rotl8(q, 3) ^ rotl8(q, 4);
            SBOX[p] = (x ^ 0x63) & 0xff;
        } while (p != 1);
        SBOX[0] = 0x63;
    }

    /** T-table: SubBytes and MixColumns of one byte as a column word (the other three tables are rotations). */
    private static final int[] T0 = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int s = SBOX[i];
            int s2 = xtime(s);
            T0[i] = s2 << 24 | s << 16 | s << 8 | (s2 ^ s);
        }
    }

    private static int rotl8(int x, int s) {
        return ((x << s) | (x >>> (8 - s))) & 0xff;
    }

    private final byte[] roundKeys = new byte[176];
    private final int[] rkw = new int[44]; // the round keys as big-endian words (columns)
    private final byte[] counter = new byte[16];
    private final byte[] stream = new byte[16];
    private long hHi;
    private long hLo;
    /** H times each 4-bit value (Shoup's method, as OpenSSL's gcm_init_4bit lays it out). */
    private final long[] tableHi = new long[16];
    private final long[] tableLo = new long[16];
    private static final long[] REM4 = {0x0000L << 48, 0x1C20L << 48, 0x3840L << 48, 0x2460L << 48, 0x7080L << 48,
        0x6CA0L << 48, 0x48C0L << 48, 0x54E0L << 48, 0xE100L << 48, 0xFD20L << 48, 0xD940L << 48, 0xC560L << 48,
        0x9180L << 48, 0x8DA0L << 48, 0xA9C0L << 48, 0xB5E0L << 48};
    private long yHi;
    private long yLo;

    /** Sets the 16-byte key at {@code k[off]}. */
    public void key(byte[] k, int off) {
        System.arraycopy(k, off, roundKeys, 0, 16);
        int rcon = 1;
        for (int i = 16; i < 176; i += 4) {
            int t0 = roundKeys[i - 4] & 0xff;
            int t1 = roundKeys[i - 3] & 0xff;
            int t2 = roundKeys[i - 2] & 0xff;
            int t3 = roundKeys[i - 1] & 0xff;
            if (i % 16 == 0) {
                int tmp = t0;
                t0 = SBOX[t1] ^ rcon;
                t1 = SBOX[t2];
                t2 = SBOX[t3];
                t3 = SBOX[tmp];
                rcon = xtime(rcon);
            }
            roundKeys[i] = (byte) (roundKeys[i - 16] ^ t0);
            roundKeys[i + 1] = (byte) (roundKeys[i - 15] ^ t1);
            roundKeys[i + 2] = (byte) (roundKeys[i - 14] ^ t2);
            roundKeys[i + 3] = (byte) (roundKeys[i - 13] ^ t3);
        }
        for (int w = 0; w < 44; w++) {
            rkw[w] = (roundKeys[4 * w] & 0xff) << 24 | (roundKeys[4 * w + 1] & 0xff) << 16
                    | (roundKeys[4 * w + 2] & 0xff) << 8 | (roundKeys[4 * w + 3] & 0xff);
        }
    }

    private static int xtime(int x) {
        return ((x << 1) ^ ((x & 0x80) != 0 ? 0x1b : 0)) & 0xff;
    }

    /** Encrypts the block {@code in[io, io + 16)} into {@code out[oo, oo + 16)} (may be the same place). */
    public void encryptBlock(byte[] in, int io, byte[] out, int oo) {
        final int[] k = rkw;
        int c0 = Wire.u32(in, io) ^ k[0];
        int c1 = Wire.u32(in, io + 4) ^ k[1];
        int c2 = Wire.u32(in, io + 8) ^ k[2];
        int c3 = Wire.u32(in, io + 12) ^ k[3];
        for (int r = 1; r < 10; r++) { // SubBytes, ShiftRows, MixColumns, AddRoundKey by table
            int n0 = t(c0 >>> 24, 0) ^ t(c1 >>> 16 & 0xff, 8) ^ t(c2 >>> 8 & 0xff, 16) ^ t(c3 & 0xff, 24) ^ k[4 * r];
            int n1 = t(c1 >>> 24, 0) ^ t(c2 >>> 16 & 0xff, 8) ^ t(c3 >>> 8 & 0xff, 16) ^ t(c0 & 0xff, 24)
                    ^ k[4 * r + 1];
            int n2 = t(c2 >>> 24, 0) ^ t(c3 >>> 16 & 0xff, 8) ^ t(c0 >>> 8 & 0xff, 16) ^ t(c1 & 0xff, 24)
                    ^ k[4 * r + 2];
            int n3 = t(c3 >>> 24, 0) ^ t(c0 >>> 16 & 0xff, 8) ^ t(c1 >>> 8 & 0xff, 16) ^ t(c2 & 0xff, 24)
                    ^ k[4 * r + 3];
            c0 = n0;
            c1 = n1;
            c2 = n2;
            c3 = n3;
        }
        // the last round: SubBytes and ShiftRows, no MixColumns
        put(out, oo, last(c0, c1, c2, c3) ^ k[40]);
        put(out, oo + 4, last(c1, c2, c3, c0) ^ k[41]);
        put(out, oo + 8, last(c2, c3, c0, c1) ^ k[42]);
        put(out, oo + 12, last(c3, c0, c1, c2) ^ k[43]);
    }

    /** T0 rotated right by {@code rot} bits: the table of row {@code rot / 8}. */
    private static int t(int b, int rot) {
        return Integer.rotateRight(T0[b], rot);
    }

    private static int last(int a, int b, int c, int d) {
        return SBOX[a >>> 24] << 24 | SBOX[b >>> 16 & 0xff] << 16 | SBOX[c >>> 8 & 0xff] << 8 | SBOX[d & 0xff];
    }

    private static void put(byte[] b, int o, int v) {
        b[o] = (byte) (v >>> 24);
        b[o + 1] = (byte) (v >>> 16);
        b[o + 2] = (byte) (v >>> 8);
        b[o + 3] = (byte) v;
    }

    /**
     * AES-128-GCM decryption with the key set by {@link #key}: the 12-byte {@code iv}, additional data
     * {@code aad[ao, ao + al)}, and {@code in[io, io + il)} — ciphertext then the 16-byte tag. Writes the plaintext
     * ({@code il - 16} bytes) to {@code out[oo]} and returns its length, or -1 (nothing trustworthy written) when the
     * tag does not match or the input is shorter than a tag.
     */
    public int decryptGcm(byte[] iv, int ivo, byte[] aad, int ao, int al, byte[] in, int io, int il, byte[] out,
                          int oo) {
        if (il < 16) {
            return -1;
        }
        int n = il - 16;
        java.util.Arrays.fill(counter, (byte) 0);
        encryptBlock(counter, 0, stream, 0); // H = E(K, 0)
        hHi = Wire.u64(stream, 0);
        hLo = Wire.u64(stream, 8);
        table();
        yHi = 0;
        yLo = 0;
        ghash(aad, ao, al);
        ghash(in, io, n);
        yHi ^= (long) al * 8;
        yLo ^= (long) n * 8;
        multiplyH();
        // the expected tag: E(K, J0) xor GHASH, J0 = iv || 1
        System.arraycopy(iv, ivo, counter, 0, 12);
        counter[12] = 0;
        counter[13] = 0;
        counter[14] = 0;
        counter[15] = 1;
        encryptBlock(counter, 0, stream, 0);
        long diff = (Wire.u64(stream, 0) ^ yHi ^ Wire.u64(in, io + n))
                | (Wire.u64(stream, 8) ^ yLo ^ Wire.u64(in, io + n + 8));
        if (diff != 0) {
            return -1;
        }
        for (int p = 0; p < n; p += 16) {
            increment();
            encryptBlock(counter, 0, stream, 0);
            int m = Math.min(16, n - p);
            for (int i = 0; i < m; i++) {
                out[oo + p + i] = (byte) (in[io + p + i] ^ stream[i]);
            }
        }
        return n;
    }

    private void increment() {
        for (int i = 15; i >= 12; i--) {
            if (++counter[i] != 0) {
                break;
            }
        }
    }

    /** Y = (Y xor block) * H for each 16-byte block of {@code b[o, o + l)}, the last one padded with zeros. */
    private void ghash(byte[] b, int o, int l) {
        for (int p = 0; p < l; p += 16) {
            int m = Math.min(16, l - p);
            long hi = 0;
            long lo = 0;
            if (m == 16) {
                hi = Wire.u64(b, o + p);
                lo = Wire.u64(b, o + p + 8);
            } else {
                for (int i = 0; i < m; i++) {
                    long v = b[o + p + i] & 0xffL;
                    if (i < 8) {
                        hi |= v << (56 - 8 * i);
                    } else {
                        lo |= v << (120 - 8 * i);
                    }
                }
            }
            yHi ^= hi;
            yLo ^= lo;
            multiplyH();
        }
    }

    /** The multiples of H by every 4-bit value. */
    private void table() {
        long vh = hHi;
        long vl = hLo;
        tableHi[0] = 0;
        tableLo[0] = 0;
        tableHi[8] = vh;
        tableLo[8] = vl;
        for (int i = 4; i > 0; i >>= 1) { // H * x, x^2, x^3 at 4, 2, 1
            long t = 0xe100000000000000L & -(vl & 1);
            vl = (vh << 63) | (vl >>> 1);
            vh = (vh >>> 1) ^ t;
            tableHi[i] = vh;
            tableLo[i] = vl;
        }
        for (int i = 2; i < 16; i <<= 1) {
            for (int j = 1; j < i; j++) {
                tableHi[i + j] = tableHi[i] ^ tableHi[j];
                tableLo[i + j] = tableLo[i] ^ tableLo[j];
            }
        }
    }

    /** Y = Y * H in GF(2^128) with GCM's bit order, four bits at a time (Shoup's table method). */
    private void multiplyH() {
        final long[] th = tableHi;
        final long[] tl = tableLo;
        // the nibbles from the last (least significant in GCM's order) to the first: Y's low word, then its high
        long w = yLo;
        int n = (int) (w & 0xf);
        long zh = th[n];
        long zl = tl[n];
        for (int k = 1; k < 32; k++) {
            if (k == 16) {
                w = yHi;
            }
            n = (int) (w >>> (4 * (k & 15)) & 0xf);
            int rem = (int) (zl & 0xf);
            zl = (zh << 60) | (zl >>> 4);
            zh = (zh >>> 4) ^ REM4[rem] ^ th[n];
            zl ^= tl[n];
        }
        yHi = zh;
        yLo = zl;
    }
}
