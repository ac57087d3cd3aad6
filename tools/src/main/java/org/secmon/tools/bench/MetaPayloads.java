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
}
