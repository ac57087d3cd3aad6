package org.secmon.tools.demo;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Map;

/**
 * The demo's collector: a small NetFlow v9 / IPFIX decoder on a UDP port that prints one line per flow record as it
 * arrives (templates learned from the stream, option records skipped). Not a collector for production: use nfcapd,
 * pmacct or any other; this only shows what the appliance exports when nothing else is installed.
 */
public final class FlowPrinter {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS")
            .withZone(ZoneId.systemDefault());

    private final Map<Long, int[]> templates = new HashMap<>(); // (source, id) -> type,length pairs
    private long records;

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 2055;
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
            System.out.printf("[collector] decoding NetFlow v9 / IPFIX on 127.0.0.1:%d%n", port);
            System.out.printf("%-12s %-5s %-42s %8s %10s%n", "first seen", "proto", "flow", "packets", "bytes");
            new FlowPrinter().run(s);
        }
    }

    private void run(DatagramSocket s) throws Exception {
        byte[] buf = new byte[65535];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        while (true) {
            s.receive(p);
            try {
                decode(ByteBuffer.wrap(buf, 0, p.getLength()));
            } catch (RuntimeException e) {
                System.out.println("[collector] undecodable datagram (" + e + ")");
            }
            System.out.flush();
        }
    }

    private void decode(ByteBuffer b) {
        int version = b.getShort(0) & 0xffff;
        long bootMillis;
        long source;
        int end = b.limit();
        if (version == 9) {
            long uptime = b.getInt(4) & 0xffffffffL;
            bootMillis = (b.getInt(8) & 0xffffffffL) * 1000 - uptime;
            source = b.getInt(16) & 0xffffffffL;
            b.position(20);
        } else if (version == 10) {
            bootMillis = 0;
            source = b.getInt(12) & 0xffffffffL;
            end = Math.min(end, b.getShort(2) & 0xffff);
            b.position(16);
        } else {
            System.out.println("[collector] not NetFlow v9 or IPFIX (version " + version + ")");
            return;
        }
        while (b.position() + 4 <= end) {
            int start = b.position();
            int setId = b.getShort() & 0xffff;
            int len = b.getShort() & 0xffff;
            if (len < 4 || start + len > end) {
                return;
            }
            if (setId == 0 || setId == 2) {
                while (b.position() + 4 <= start + len) {
                    int id = b.getShort() & 0xffff;
                    int n = b.getShort() & 0xffff;
                    int[] fields = new int[n * 2];
                    for (int i = 0; i < n; i++) {
                        int type = b.getShort() & 0xffff;
                        fields[2 * i] = type & 0x7fff;
                        fields[2 * i + 1] = b.getShort() & 0xffff;
                        if ((type & 0x8000) != 0) {
                            b.getInt(); // enterprise number
                        }
                    }
                    templates.put(source << 16 | id, fields);
                }
            } else if (setId >= 256) {
                int[] t = templates.get(source << 16 | setId);
                if (t != null) {
                    int size = 0;
                    for (int i = 1; i < t.length; i += 2) {
                        size += t[i];
                    }
                    while (size > 0 && b.position() + size <= start + len) {
                        print(b, t, bootMillis);
                    }
                }
            }
            b.position(start + len);
        }
    }

    private void print(ByteBuffer b, int[] t, long bootMillis) {
        String src = "?";
        String dst = "?";
        int sport = 0;
        int dport = 0;
        int proto = 0;
        long packets = 0;
        long bytes = 0;
        long first = 0;
        for (int i = 0; i < t.length; i += 2) {
            int type = t[i];
            int len = t[i + 1];
            byte[] v = new byte[len];
            b.get(v);
            long n = 0;
            for (int j = 0; j < Math.min(len, 8); j++) {
                n = n << 8 | (v[j] & 0xff);
            }
            switch (type) {
                case 8, 27 -> src = addr(v);
                case 12, 28 -> dst = addr(v);
                case 7 -> sport = (int) n;
                case 11 -> dport = (int) n;
                case 4 -> proto = (int) n;
                case 2 -> packets = n;
                case 1 -> bytes = n;
                case 22 -> first = bootMillis + n;
                case 152 -> first = n;
                default -> { }
            }
        }
        records++;
        String p = switch (proto) {
            case 6 -> "TCP";
            case 17 -> "UDP";
            case 1 -> "ICMP";
            default -> Integer.toString(proto);
        };
        String flow = proto == 1 ? src + " -> " + dst : src + ":" + sport + " -> " + dst + ":" + dport;
        System.out.printf("%-12s %-5s %-42s %8d %10d%n", first > 0 ? TIME.format(Instant.ofEpochMilli(first)) : "-",
                p, flow, packets, bytes);
    }

    private static String addr(byte[] v) {
        try {
            return InetAddress.getByAddress(v).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            return "?";
        }
    }
}
