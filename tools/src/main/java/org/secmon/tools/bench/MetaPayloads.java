package org.secmon.tools.bench;

import java.nio.ByteBuffer;

import org.secmon.testkit.L7Payloads;

/** Layer-7 payloads for benchmarks: a ClientHello, an HTTP/1.1 request, a DNS query. */
public final class MetaPayloads {
    private MetaPayloads() {
    }

    /** A Chrome-like ClientHello record with SNI www.example.com, ALPN h2 and http/1.1: 200-odd bytes. */
    public static byte[] chromeHello() {
        return L7Payloads.tlsClientHello("www.example.com", 0);
    }

    /** An HTTP/1.1 GET with a Host and a User-Agent. */
    public static byte[] httpGet(int n) {
        return L7Payloads.httpGet("shop" + (n % 1000) + ".example.com", "/item/" + n,
                "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0", 0);
    }

    /** A DNS query (A) for a name of {@code n}. */
    public static byte[] dnsQuery(int n) {
        return L7Payloads.dnsQuery(n, "host" + n + ".example.org");
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
