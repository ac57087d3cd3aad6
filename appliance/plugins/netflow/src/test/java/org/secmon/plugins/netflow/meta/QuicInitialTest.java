package org.secmon.plugins.netflow.meta;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * QUIC client Initials: the key derivation against RFC 9001 appendix A.1's published values, Initials protected
 * here with the JDK's AES (a separate path from the parser's: encryption, the header mask applied forwards) opened
 * and read, and seeded fuzzing of protected packets sliced to their length.
 */
class QuicInitialTest {
    static final HexFormat HEX = HexFormat.of();

    @Test
    void rfc9001AppendixAKeys() {
        QuicInitial q = new QuicInitial(new TlsClientHello());
        byte[][] k = q.clientKeys(QuicInitial.V1, HEX.parseHex("8394c8f03e515708"));
        assertEquals("1f369613dd76d5467730efcbe3b1a22d", HEX.formatHex(k[0]), "client key");
        assertEquals("fa044b2f42a3fd3b46fb255c", HEX.formatHex(k[1]), "client iv");
        assertEquals("9f50449e04a0e810283a1e9933adedd2", HEX.formatHex(k[2]), "client hp");
    }

    /** A protected client Initial of {@code version} whose CRYPTO frames carry {@code hello}, split and swapped. */
    static byte[] protect(int version, byte[] dcid, byte[] hello) throws Exception {
        byte[][] k = new QuicInitial(new TlsClientHello()).clientKeys(version, dcid);
        int half = hello.length / 2;
        ByteArrayOutputStream frames = new ByteArrayOutputStream();
        crypto(frames, half, Arrays.copyOfRange(hello, half, hello.length));
        frames.write(1); // PING
        crypto(frames, 0, Arrays.copyOf(hello, half));
        byte[] payload = Arrays.copyOf(frames.toByteArray(), Math.max(frames.size(), 1162)); // PADDING
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        h.write(0xc0 | (version == QuicInitial.V1 ? 0 : 1) << 4 | 1); // 2-byte packet number
        h.writeBytes(new byte[] {(byte) (version >>> 24), (byte) (version >>> 16), (byte) (version >>> 8),
            (byte) version});
        h.write(dcid.length);
        h.writeBytes(dcid);
        h.write(0); // no source connection id
        h.write(0); // no token
        int length = 2 + payload.length + 16;
        h.write(0x40 | length >>> 8);
        h.write(length & 0xff);
        h.write(0);
        h.write(7); // packet number 7
        byte[] header = h.toByteArray();
        byte[] nonce = k[1].clone();
        nonce[11] ^= 7;
        Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
        gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(k[0], "AES"), new GCMParameterSpec(128, nonce));
        gcm.updateAAD(header);
        byte[] sealed = gcm.doFinal(payload);
        Cipher ecb = Cipher.getInstance("AES/ECB/NoPadding");
        ecb.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(k[2], "AES"));
        byte[] mask = ecb.doFinal(sealed, 2, 16); // sample: 4 bytes after the packet number's start
        header[0] ^= (byte) (mask[0] & 0x0f);
        header[header.length - 2] ^= mask[1];
        header[header.length - 1] ^= mask[2];
        byte[] out = Arrays.copyOf(header, header.length + sealed.length);
        System.arraycopy(sealed, 0, out, header.length, sealed.length);
        return out;
    }

    private static void crypto(ByteArrayOutputStream o, int offset, byte[] data) {
        o.write(6);
        o.write(0x40 | offset >>> 8);
        o.write(offset & 0xff);
        o.write(0x40 | data.length >>> 8);
        o.write(data.length & 0xff);
        o.writeBytes(data);
    }

    /** The browserleaks Chrome hello as a handshake message (its record header taken off). */
    static byte[] handshake(String sni) {
        byte[] record = TlsClientHelloTest.chromeHello(sni);
        return Arrays.copyOfRange(record, 5, record.length);
    }

    @Test
    void v1AndV2InitialsOpenAndGiveTheirHello() throws Exception {
        for (int v : new int[] {QuicInitial.V1, QuicInitial.V2}) {
            byte[] p = protect(v, HEX.parseHex("0102030405060708"), handshake("quic.example.org"));
            TlsClientHello hello = new TlsClientHello();
            QuicInitial q = new QuicInitial(hello);
            assertEquals(QuicInitial.Result.OK, q.parse(p, 0, p.length), Integer.toHexString(v));
            assertEquals(v, q.version());
            assertEquals("quic.example.org", new String(hello.serverName(), 0, hello.serverNameLength(),
                    StandardCharsets.US_ASCII));
            byte[] ja4 = new byte[TlsClientHello.JA4_LENGTH];
            hello.ja4(true, ja4, 0);
            assertEquals("q" + TlsClientHelloTest.CHROME_JA4.substring(1), new String(ja4, StandardCharsets.US_ASCII),
                    "JA4 over QUIC starts with q");
        }
    }

    @Test
    void aDamagedOrServerPacketDoesNotOpen() throws Exception {
        byte[] p = protect(QuicInitial.V1, HEX.parseHex("0102030405060708"), handshake("a.example"));
        p[p.length - 20] ^= 1; // the ciphertext
        QuicInitial q = new QuicInitial(new TlsClientHello());
        assertEquals(QuicInitial.Result.NOT_CLIENT_INITIAL, q.parse(p, 0, p.length));
        byte[] shortHeader = {0x40, 1, 2, 3, 4, 5, 6, 7};
        assertEquals(QuicInitial.Result.NOT_QUIC, q.parse(shortHeader, 0, shortHeader.length));
        byte[] otherVersion = protect(QuicInitial.V1, HEX.parseHex("0102030405060708"), handshake("a.example"));
        otherVersion[4] = 2;
        assertEquals(QuicInitial.Result.NOT_QUIC, q.parse(otherVersion, 0, otherVersion.length));
    }

    @Test
    void everyTruncationIsAResult() throws Exception {
        byte[] p = protect(QuicInitial.V1, HEX.parseHex("0102030405060708"), handshake("a.example"));
        QuicInitial q = new QuicInitial(new TlsClientHello());
        for (int n = 0; n < p.length; n++) {
            byte[] cut = Arrays.copyOf(p, n);
            assertTrue(q.parse(cut, 0, n) != QuicInitial.Result.OK, n + " bytes");
        }
    }

    /** Mutated protected Initials, each in an array exactly as long as given: no exception, no read past it. */
    @Test
    void fuzz() throws Exception {
        byte[] seed = protect(QuicInitial.V1, HEX.parseHex("0102030405060708"), handshake("fuzz.example"));
        QuicInitial q = new QuicInitial(new TlsClientHello());
        SplittableRandom rnd = new SplittableRandom(25);
        long end = System.nanoTime() + 2_000_000_000L;
        int n = 0;
        int opened = 0;
        while (System.nanoTime() < end) {
            byte[] b = seed.clone();
            for (int k = rnd.nextInt(1, 4); k > 0; k--) {
                b[rnd.nextInt(Math.min(b.length, 40))] = (byte) rnd.nextInt(256); // the header, mostly
            }
            b = Arrays.copyOf(b, rnd.nextInt(b.length / 2, b.length + 1));
            if (q.parse(b, 0, b.length) == QuicInitial.Result.OK) {
                opened++;
            }
            n++;
        }
        assertTrue(n > 1_000, "fuzzed " + n);
        assertTrue(opened < n, "most mutations do not open");
    }

    @Test
    void varints() {
        byte[] b = HEX.parseHex("c2197c5eff14e88c" + "9d7f3e7d" + "7bbd" + "25");
        assertEquals(151_288_809_941_952_652L, QuicInitial.varint(b, 0, b.length));
        assertEquals(494_878_333L, QuicInitial.varint(b, 8, b.length));
        assertEquals(15_293L, QuicInitial.varint(b, 12, b.length));
        assertEquals(37L, QuicInitial.varint(b, 14, b.length));
        assertEquals(-1L, QuicInitial.varint(b, 12, 13), "cut");
        assertArrayEquals(new byte[0], new byte[0]);
    }
}
