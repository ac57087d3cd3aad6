package org.secmon.plugins.netflow.meta;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * JA4 against a published fingerprint, and the parser against truncation and hostile bytes.
 *
 * <p>The vector: browserleaks.com's TLS page for Chrome 143 on Android (recorded in a public repository's tls.md):
 * {@code ja4 t13d1516h2_8daaf6152771_d8a2da3f94cd}, with {@code ja4_ro} giving the ciphers, extensions and signature
 * algorithms in the order the client sent them. The ClientHello here is built from those lists (plus GREASE values,
 * as Chrome sends, which JA4 leaves out); its JA4 must be the published one.
 */
public class TlsClientHelloTest {
    /** The JA4 published for {@link #chromeHello}'s ciphers, extensions and signature algorithms. */
    public static final String CHROME_JA4 = "t13d1516h2_8daaf6152771_d8a2da3f94cd";

    /** The browserleaks Chrome ClientHello, for the given server name (ALPN h2, http/1.1). */
    public static byte[] chromeHello(String sni) {
        return hello(sni, new String[] {"h2", "http/1.1"}, CIPHERS, EXTENSIONS);
    }

    static final int[] CIPHERS = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013,
        0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
    static final int[] EXTENSIONS = {0x002d, 0x0033, 0x0010, 0xfe0d, 0x0017, 0x44cd, 0x0000, 0x000b, 0x000a, 0x002b,
        0xff01, 0x0023, 0x0012, 0x0005, 0x000d, 0x001b};
    static final int[] SIG_ALGS = {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601};

    /** A ClientHello record: GREASE first in ciphers and extensions, SNI, ALPN, supported versions, sig algs. */
    static byte[] hello(String sni, String[] alpn, int[] ciphers, int[] extensions) {
        ByteArrayOutputStream ext = new ByteArrayOutputStream();
        u16(ext, 0x1a1a); // GREASE extension
        u16(ext, 0);
        for (int e : extensions) {
            byte[] data = switch (e) {
                case 0x0000 -> sni == null ? null : sniData(sni);
                case 0x0010 -> alpnData(alpn);
                case 0x002b -> new byte[] {6, 0x3a, 0x3a, 0x03, 0x04, 0x03, 0x03};
                case 0x000d -> {
                    ByteArrayOutputStream s = new ByteArrayOutputStream();
                    u16(s, SIG_ALGS.length * 2);
                    for (int a : SIG_ALGS) {
                        u16(s, a);
                    }
                    yield s.toByteArray();
                }
                default -> new byte[0];
            };
            if (data == null) {
                continue;
            }
            u16(ext, e);
            u16(ext, data.length);
            ext.writeBytes(data);
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        u16(body, 0x0303);
        body.writeBytes(new byte[32]); // random
        body.write(32);
        body.writeBytes(new byte[32]); // session id
        u16(body, (ciphers.length + 1) * 2);
        u16(body, 0x2a2a); // GREASE cipher
        for (int c : ciphers) {
            u16(body, c);
        }
        body.write(1);
        body.write(0); // compression: null
        byte[] e = ext.toByteArray();
        u16(body, e.length);
        body.writeBytes(e);
        byte[] b = body.toByteArray();
        ByteArrayOutputStream rec = new ByteArrayOutputStream();
        rec.write(22);
        u16(rec, 0x0301);
        u16(rec, b.length + 4);
        rec.write(1);
        rec.write(b.length >>> 16);
        u16(rec, b.length & 0xffff);
        rec.writeBytes(b);
        return rec.toByteArray();
    }

    private static byte[] sniData(String name) {
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream s = new ByteArrayOutputStream();
        u16(s, n.length + 3);
        s.write(0);
        u16(s, n.length);
        s.writeBytes(n);
        return s.toByteArray();
    }

    private static byte[] alpnData(String[] protocols) {
        ByteArrayOutputStream l = new ByteArrayOutputStream();
        for (String p : protocols) {
            byte[] b = p.getBytes(StandardCharsets.ISO_8859_1);
            l.write(b.length);
            l.writeBytes(b);
        }
        ByteArrayOutputStream s = new ByteArrayOutputStream();
        u16(s, l.size());
        s.writeBytes(l.toByteArray());
        return s.toByteArray();
    }

    private static void u16(ByteArrayOutputStream o, int v) {
        o.write(v >>> 8);
        o.write(v & 0xff);
    }

    private static String ja4(TlsClientHello h) {
        byte[] out = new byte[TlsClientHello.JA4_LENGTH];
        h.ja4(false, out, 0);
        return new String(out, StandardCharsets.US_ASCII);
    }

    @Test
    void theBrowserleaksChromeHelloHasItsPublishedJa4() {
        byte[] b = hello("tls.browserleaks.com", new String[] {"h2", "http/1.1"}, CIPHERS, EXTENSIONS);
        TlsClientHello h = new TlsClientHello();
        assertEquals(TlsClientHello.Result.OK, h.parse(b, 0, b.length));
        assertEquals("t13d1516h2_8daaf6152771_d8a2da3f94cd", ja4(h));
        assertEquals("tls.browserleaks.com", new String(h.serverName(), 0, h.serverNameLength(),
                StandardCharsets.US_ASCII));
        assertEquals("h2", new String(h.alpn(), 0, h.alpnLength(), StandardCharsets.US_ASCII));
        assertEquals(0x0304, h.version());
    }

    @Test
    void theAlgorithmsOtherRules() {
        TlsClientHello h = new TlsClientHello();
        // no SNI: 'i', one extension fewer; an ALPN that is not alphanumeric at its ends: hex digits instead
        int[] noSni = Arrays.stream(EXTENSIONS).filter(e -> e != 0).toArray();
        byte[] b = hello(null, new String[] {"\u00ab2\u00bb"}, CIPHERS, noSni);
        assertEquals(TlsClientHello.Result.OK, h.parse(b, 0, b.length));
        String j = ja4(h);
        assertEquals("t13i1515ab_8daaf6152771_", j.substring(0, 24), j);
        assertEquals("d8a2da3f94cd", j.substring(24), "SNI and ALPN are not in the extension hash");
        // no ALPN: "00"; no ciphers: twelve zeros
        int[] noAlpn = Arrays.stream(EXTENSIONS).filter(e -> e != 0x10).toArray();
        b = hello("a.example", new String[0], new int[0], noAlpn);
        assertEquals(TlsClientHello.Result.OK, h.parse(b, 0, b.length));
        assertEquals("t13d001500_000000000000_d8a2da3f94cd", ja4(h));
    }

    @Test
    void rememberedHashesAreExactlyTheComputedOnes() {
        // 400 client profiles (more than the table's 128 slots: collisions and replacements; some with more ciphers
        // than a slot holds) seen in a skewed mix;
        // the reused parser, which remembers hashes, must give what a fresh one computes, every time
        Random rnd = new Random(20261203);
        int[][] profileCiphers = new int[400][];
        int[][] profileExtensions = new int[400][];
        for (int i = 0; i < profileCiphers.length; i++) {
            profileCiphers[i] = rnd.ints(1 + rnd.nextInt(120), 1, 0xffff).filter(c -> !TlsClientHello.grease(c))
                    .toArray();
            // SNI and ALPN always there: what differs is the hashed rest, sometimes a reordering only
            profileExtensions[i] = java.util.stream.IntStream.concat(java.util.stream.IntStream.of(0, 0x10, 0x0d),
                    rnd.ints(rnd.nextInt(12), 0x0100, 0xfe00)).distinct().filter(e -> !TlsClientHello.grease(e))
                    .toArray();
        }
        TlsClientHello reused = new TlsClientHello();
        for (int n = 0; n < 4000; n++) {
            int i = rnd.nextBoolean() ? rnd.nextInt(5) : rnd.nextInt(profileCiphers.length);
            int[] ext = profileExtensions[i].clone();
            for (int j = ext.length - 1; j > 0; j--) { // Chrome shuffles its extensions per connection
                int k = rnd.nextInt(j + 1);
                int t = ext[j];
                ext[j] = ext[k];
                ext[k] = t;
            }
            byte[] b = hello("host" + n + ".example", new String[] {"h2"}, profileCiphers[i], ext);
            assertEquals(TlsClientHello.Result.OK, reused.parse(b, 0, b.length));
            TlsClientHello fresh = new TlsClientHello();
            assertEquals(TlsClientHello.Result.OK, fresh.parse(b, 0, b.length));
            assertEquals(ja4(fresh), ja4(reused), "hello " + n + " of profile " + i);
        }
        assertTrue(reused.ja4HashesRemembered() > 2000, "remembered " + reused.ja4HashesRemembered());
        assertTrue(reused.ja4HashesComputed() > 400, "computed " + reused.ja4HashesComputed());
    }

    @Test
    void everyTruncationIsSaidNeverReadPast() {
        byte[] b = hello("tls.browserleaks.com", new String[] {"h2"}, CIPHERS, EXTENSIONS);
        TlsClientHello h = new TlsClientHello();
        for (int len = 0; len < b.length; len++) {
            // the bytes after len are garbage: a parser that read them would answer differently
            byte[] a = Arrays.copyOf(b, b.length + 64);
            Arrays.fill(a, len, a.length, (byte) 0xff);
            TlsClientHello.Result r = h.parse(a, 0, len);
            assertTrue(r == TlsClientHello.Result.TRUNCATED || len == 0 && r == TlsClientHello.Result.NOT_TLS,
                    len + " bytes: " + r);
        }
        assertEquals(TlsClientHello.Result.NOT_TLS, h.parse("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII),
                0, 16));
    }

    /** Seeded fuzzing: mutated hellos and random bytes, each also with garbage after its end; bounded time. */
    @Test
    void hostileBytesGiveAResultNotAnException() {
        long seed = Long.getLong("secmon.fuzz.seed", System.nanoTime());
        System.out.println("[fuzz] TlsClientHello seed " + seed + " (replay: -Dsecmon.fuzz.seed=" + seed + ")");
        Random rnd = new Random(seed);
        byte[] good = hello("tls.browserleaks.com", new String[] {"h2", "http/1.1"}, CIPHERS, EXTENSIONS);
        TlsClientHello h = new TlsClientHello();
        TlsClientHello h2 = new TlsClientHello();
        byte[] out = new byte[TlsClientHello.JA4_LENGTH];
        byte[] out2 = new byte[TlsClientHello.JA4_LENGTH];
        long deadline = System.nanoTime() + 3_000_000_000L;
        int cases = 0;
        while (System.nanoTime() < deadline) {
            byte[] x = rnd.nextInt(4) == 0 ? randomBytes(rnd) : mutate(good, rnd);
            int len = rnd.nextInt(x.length + 1);
            byte[] a = Arrays.copyOf(x, x.length + 32);
            byte[] c = a.clone();
            for (int i = len; i < c.length; i++) {
                c[i] = (byte) rnd.nextInt(256); // what follows the given bytes must not matter
            }
            TlsClientHello.Result r1 = h.parse(a, 0, len);
            TlsClientHello.Result r2 = h2.parse(c, 0, len);
            assertEquals(r1, r2, "a result depends on bytes past the end; seed " + seed);
            if (r1 == TlsClientHello.Result.OK) {
                h.ja4(false, out, 0);
                h2.ja4(false, out2, 0);
                assertEquals(new String(out, StandardCharsets.US_ASCII), new String(out2, StandardCharsets.US_ASCII));
                assertFalse(new String(out, StandardCharsets.US_ASCII).contains("\0"));
            }
            cases++;
        }
        assertTrue(cases > 1000, "fuzz cases: " + cases);
    }

    private static byte[] mutate(byte[] good, Random rnd) {
        byte[] x = good.clone();
        for (int k = 1 + rnd.nextInt(4); k > 0; k--) {
            x[rnd.nextInt(x.length)] = (byte) (rnd.nextBoolean() ? rnd.nextInt(256) : 0xff);
        }
        return x;
    }

    private static byte[] randomBytes(Random rnd) {
        byte[] x = new byte[rnd.nextInt(600)];
        rnd.nextBytes(x);
        if (x.length > 6) {
            x[0] = 22;
            x[1] = 3;
            x[5] = 1;
        }
        return x;
    }
}
