package org.secmon.plugins.netflow.meta;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;

/** DNS messages for tests, byte by byte (RFC 1035 section 4): a question, and A/AAAA answers pointing at it. */
public final class Dns {
    private Dns() {
    }

    public static byte[] query(int id, String name, int type) {
        return message(id, 0x0100, name, type);
    }

    /** A response with {@code rcode} and one answer per address (A or AAAA by its family), names compressed. */
    public static byte[] response(int id, String name, int type, int rcode, String... addresses) {
        byte[] m = message(id, 0x8180 | rcode, name, type);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(m);
        for (String a : addresses) {
            byte[] addr;
            try {
                addr = InetAddress.getByName(a).getAddress();
            } catch (java.net.UnknownHostException e) {
                throw new IllegalArgumentException(e);
            }
            u16(out, 0xc00c); // the question's name
            u16(out, addr.length == 4 ? 1 : 28);
            u16(out, 1);
            u16(out, 0);
            u16(out, 300); // ttl
            u16(out, addr.length);
            out.writeBytes(addr);
        }
        byte[] b = out.toByteArray();
        b[7] = (byte) addresses.length; // ancount
        return b;
    }

    /** The message as DNS over TCP sends it: a 2-byte length first. */
    public static byte[] tcp(byte[] message) {
        byte[] b = new byte[message.length + 2];
        b[0] = (byte) (message.length >>> 8);
        b[1] = (byte) message.length;
        System.arraycopy(message, 0, b, 2, message.length);
        return b;
    }

    private static byte[] message(int id, int flags, String name, int type) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        u16(out, id);
        u16(out, flags);
        u16(out, 1); // qdcount
        u16(out, 0);
        u16(out, 0);
        u16(out, 0);
        for (String label : name.split("\\.")) {
            out.write(label.length());
            out.writeBytes(label.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
        out.write(0);
        u16(out, type);
        u16(out, 1);
        return out.toByteArray();
    }

    private static void u16(ByteArrayOutputStream o, int v) {
        o.write(v >>> 8);
        o.write(v);
    }
}
