package org.secmon.testkit;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Application payloads that flow metadata is read from, built byte by byte: a TLS ClientHello record, an HTTP/1.1
 * request, DNS queries and answers. For generated captures (the demo's sample, benchmarks); tests that check the
 * metadata against tshark make their traffic with real clients instead.
 */
public final class L7Payloads {
    private L7Payloads() {
    }

    /**
     * A Chrome-like ClientHello record (15 ciphers, 16 extensions with GREASE, server name {@code sni}, ALPN h2 and
     * http/1.1). With {@code recordLength} larger than the hello needs, a padding extension (RFC 7685) makes the
     * record exactly that long; 0 leaves it as small as it is (200-odd bytes).
     */
    public static byte[] tlsClientHello(String sni, int recordLength) {
        int[] ciphers = {0x2a2a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013,
            0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
        int[] exts = {0x1a1a, 0x002d, 0x0033, 0x0010, 0xfe0d, 0x0017, 0x44cd, 0x0000, 0x000b, 0x000a, 0x002b,
            0xff01, 0x0023, 0x0012, 0x0005, 0x000d, 0x001b};
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        for (int x : exts) {
            byte[] d = switch (x) {
                case 0x0000 -> {
                    byte[] n = sni.getBytes(StandardCharsets.US_ASCII);
                    byte[] s = new byte[5 + n.length];
                    s[0] = (byte) ((n.length + 3) >> 8);
                    s[1] = (byte) (n.length + 3);
                    s[3] = (byte) (n.length >> 8);
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
        // record 5 + handshake 4 + version 2 + random 32 + session id 1 + ciphers 2+2n + compression 2 + extensions 2
        int natural = 5 + 4 + 2 + 32 + 1 + 2 + ciphers.length * 2 + 2 + 2 + e.size();
        if (recordLength > 0) {
            int pad = recordLength - natural - 4;
            if (pad < 0) {
                throw new IllegalArgumentException("a ClientHello for " + sni + " needs at least " + (natural + 4)
                        + " bytes with padding, not " + recordLength);
            }
            u16(e, 0x0015);
            u16(e, pad);
            e.writeBytes(new byte[pad]);
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        u16(b, 0x0303);
        for (int i = 0; i < 32; i++) {
            b.write(i * 7 + 1);
        }
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

    /**
     * An HTTP/1.1 GET of {@code path} on {@code host} with a User-Agent; with {@code length} larger than the request
     * needs, an {@code X-Padding} header makes it exactly that long (0: as short as it is).
     */
    public static byte[] httpGet(String host, String path, String userAgent, int length) {
        String head = "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: " + userAgent
                + "\r\nAccept: */*\r\n";
        int pad = length - head.length() - "X-Padding: \r\n\r\n".length();
        if (length > 0 && pad < 0) {
            throw new IllegalArgumentException("a GET of " + host + path + " needs more than " + length + " bytes");
        }
        String req = head + (length > 0 ? "X-Padding: " + "x".repeat(pad) + "\r\n" : "") + "\r\n";
        return req.getBytes(StandardCharsets.US_ASCII);
    }

    /** A DNS query (recursion desired) for {@code name}, of type A. */
    public static byte[] dnsQuery(int id, String name) {
        ByteBuffer b = ByteBuffer.allocate(512);
        b.putShort((short) id).putShort((short) 0x0100).putShort((short) 1).putShort((short) 0).putInt(0);
        question(b, name);
        return bytes(b);
    }

    /** The answer to {@link #dnsQuery}: NOERROR, the question again, one A record per address (TTL 300). */
    public static byte[] dnsAnswer(int id, String name, byte[]... addresses) {
        ByteBuffer b = ByteBuffer.allocate(512);
        b.putShort((short) id).putShort((short) 0x8180).putShort((short) 1).putShort((short) addresses.length)
                .putInt(0);
        question(b, name);
        for (byte[] a : addresses) {
            b.putShort((short) 0xc00c).putShort((short) 1).putShort((short) 1).putInt(300)
                    .putShort((short) a.length).put(a);
        }
        return bytes(b);
    }

    private static void question(ByteBuffer b, String name) {
        for (String l : name.split("\\.")) {
            b.put((byte) l.length()).put(l.getBytes(StandardCharsets.US_ASCII));
        }
        b.put((byte) 0).putShort((short) 1).putShort((short) 1);
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.position()];
        b.flip().get(out);
        return out;
    }

    private static void u16(ByteArrayOutputStream o, int v) {
        o.write(v >>> 8);
        o.write(v & 0xff);
    }
}
