package org.secmon.tools.bench;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Layer-7 payloads for benchmarks: a ClientHello, an HTTP/1.1 request, a DNS query. */
public final class MetaPayloads {
    private MetaPayloads() {
    }

    /**
     * A Chrome-like ClientHello record (15 ciphers, 16 extensions with GREASE, SNI www.example.com, ALPN h2 and
     * http/1.1): 200-odd bytes.
     */
    public static byte[] chromeHello() {
        int[] ciphers = {0x2a2a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013,
            0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
        int[] exts = {0x1a1a, 0x002d, 0x0033, 0x0010, 0xfe0d, 0x0017, 0x44cd, 0x0000, 0x000b, 0x000a, 0x002b,
            0xff01, 0x0023, 0x0012, 0x0005, 0x000d, 0x001b};
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        for (int x : exts) {
            byte[] d = switch (x) {
                case 0x0000 -> {
                    byte[] n = "www.example.com".getBytes(StandardCharsets.US_ASCII);
                    byte[] s = new byte[5 + n.length];
                    s[1] = (byte) (n.length + 3);
                    s[4] = (byte) n.length;
                    System.arraycopy(n, 0, s, 5, n.length);
                    yield s;
                }
                case 0x0010 -> new byte[] {0, 12, 2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
                case 0x002b -> new byte[] {4, 0x03, 0x04, 0x03, 0x03};
                case 0x000d -> new byte[] {0, 8, 4, 3, 8, 4, 4, 1, 5, 3};
                default -> new byte[0];
            };
            u16(e, x);
            u16(e, d.length);
            e.writeBytes(d);
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        u16(b, 0x0303);
        b.writeBytes(new byte[32]);
        b.write(0);
        u16(b, ciphers.length * 2);
        for (int c : ciphers) {
            u16(b, c);
        }
        b.write(1);
        b.write(0);
        u16(b, e.size());
        b.writeBytes(e.toByteArray());
        ByteArrayOutputStream r = new ByteArrayOutputStream();
        r.write(22);
        u16(r, 0x0301);
        u16(r, b.size() + 4);
        r.write(1);
        r.write(0);
        u16(r, b.size());
        r.writeBytes(b.toByteArray());
        return r.toByteArray();
    }

    private static void u16(ByteArrayOutputStream o, int v) {
        o.write(v >>> 8);
        o.write(v & 0xff);
    }

    /** An HTTP/1.1 GET with a Host and a User-Agent. */
    public static byte[] httpGet(int n) {
        return ("GET /item/" + n + " HTTP/1.1\r\nHost: shop" + (n % 1000) + ".example.com\r\nUser-Agent: Mozilla/5.0"
                + " (X11; Linux x86_64) Firefox/128.0\r\nAccept: */*\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** A DNS query (A) for a name of {@code n}. */
    public static byte[] dnsQuery(int n) {
        ByteBuffer b = ByteBuffer.allocate(128);
        b.putShort((short) n).putShort((short) 0x0100).putShort((short) 1).putShort((short) 0).putInt(0);
        for (String l : ("host" + n + ".example.org").split("\\.")) {
            b.put((byte) l.length()).put(l.getBytes(StandardCharsets.US_ASCII));
        }
        b.put((byte) 0).putShort((short) 1).putShort((short) 1);
        byte[] out = new byte[b.position()];
        b.flip().get(out);
        return out;
    }

    /**
     * A QUIC v1 client Initial of 1,200 bytes whose CRYPTO frame carries {@link #chromeHello()}'s handshake message,
     * protected as RFC 9001 section 5 says (JDK AES-GCM, header protection with AES-ECB).
     */
    public static byte[] quicInitial() {
        try {
            byte[] record = chromeHello();
            byte[] hello = java.util.Arrays.copyOfRange(record, 5, record.length);
            byte[] dcid = {1, 2, 3, 4, 5, 6, 7, 8};
            byte[][] k = new org.secmon.plugins.netflow.meta.QuicInitial(
                    new org.secmon.plugins.netflow.meta.TlsClientHello()).clientKeys(
                    org.secmon.plugins.netflow.meta.QuicInitial.V1, dcid);
            ByteBuffer payload = ByteBuffer.allocate(1200 - 1 - 4 - 1 - dcid.length - 1 - 1 - 2 - 2 - 16);
            payload.put((byte) 6).put((byte) 0).putShort((short) (0x4000 | hello.length)).put(hello); // CRYPTO
            ByteBuffer h = ByteBuffer.allocate(1 + 4 + 1 + dcid.length + 1 + 1 + 2 + 2);
            h.put((byte) 0xc1).putInt(1).put((byte) dcid.length).put(dcid).put((byte) 0).put((byte) 0)
                    .putShort((short) (0x4000 | 2 + payload.capacity() + 16)).putShort((short) 0);
            byte[] header = h.array();
            javax.crypto.Cipher gcm = javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(javax.crypto.Cipher.ENCRYPT_MODE, new javax.crypto.spec.SecretKeySpec(k[0], "AES"),
                    new javax.crypto.spec.GCMParameterSpec(128, k[1]));
            gcm.updateAAD(header);
            byte[] sealed = gcm.doFinal(payload.array());
            javax.crypto.Cipher ecb = javax.crypto.Cipher.getInstance("AES/ECB/NoPadding");
            ecb.init(javax.crypto.Cipher.ENCRYPT_MODE, new javax.crypto.spec.SecretKeySpec(k[2], "AES"));
            byte[] mask = ecb.doFinal(sealed, 2, 16);
            header[0] ^= (byte) (mask[0] & 0x0f);
            header[header.length - 2] ^= mask[1];
            header[header.length - 1] ^= mask[2];
            byte[] out = java.util.Arrays.copyOf(header, header.length + sealed.length);
            System.arraycopy(sealed, 0, out, header.length, sealed.length);
            return out;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
