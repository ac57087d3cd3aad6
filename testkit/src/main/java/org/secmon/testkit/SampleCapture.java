package org.secmon.testkit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The demo's sample traffic, generated rather than shipped: four clients (10.1.0.10-13) talking to a web server
 * (10.2.0.80, TCP 80: HTTP/1.1 GETs of www.SITE), a TLS server (10.2.0.43, TCP 443: ClientHellos for api.SITE), a
 * DNS server (10.2.0.53, UDP 53: A queries for api.SITE and their answers), and pinging their gateway (10.2.0.1);
 * three SITEs, so that flow metadata has names to show. TCP conversations are complete (handshake, data both ways, FIN), so flow exporters close them
 * promptly. A classic little-endian pcap of Ethernet frames with valid IPv4 header checksums.
 */
public final class SampleCapture {
    private static final int CLIENTS = 4;

    private final CaptureWriter out;
    private long tsMicros = 1_700_000_000_000_000L;
    private int packets;

    private SampleCapture(CaptureWriter out) {
        this.out = out;
    }

    /** Writes the capture to {@code file} (atomically); answers the number of packets. */
    public static int write(Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        SampleCapture c;
        try (CaptureWriter w = new CaptureWriter(tmp)) {
            c = new SampleCapture(w);
            c.conversations();
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return c.packets;
    }

    private void conversations() throws IOException {
        SampleCapture c = this;
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < CLIENTS; i++) {
                byte[] client = {10, 1, 0, (byte) (10 + i)};
                int sport = 40000 + round * 100 + i;
                String site = SITES[(round * CLIENTS + i) % SITES.length];
                c.tcpConversation(client, new byte[] {10, 2, 0, 80}, sport, 80, 6 + i, 400, 1200,
                        L7Payloads.httpGet("www." + site, "/", USER_AGENT, 400));
                c.tcpConversation(client, new byte[] {10, 2, 0, 43}, sport + 10, 443, 10, 300, 1400,
                        L7Payloads.tlsClientHello("api." + site, 300));
                int id = 0x5300 + round * CLIENTS + i;
                c.udpExchange(client, new byte[] {10, 2, 0, 53}, sport + 20, 53, L7Payloads.dnsQuery(id, "api." + site),
                        L7Payloads.dnsAnswer(id, "api." + site, new byte[] {10, 2, 0, 43}));
                c.ping(client, new byte[] {10, 2, 0, 1}, 3);
            }
        }
    }

    /** The names the clients look up and visit (the TLS server's api.SITE, the web server's www.SITE). */
    private static final String[] SITES = {"shop.example.com", "intranet.example.org", "mail.example.net"};
    private static final String USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

    /** A TCP conversation whose client's first request carries {@code first} (as long as the others). */
    private void tcpConversation(byte[] client, byte[] server, int sport, int dport, int exchanges, int request,
            int response, byte[] first) {
        int cseq = 1000;
        int sseq = 5000;
        tcp(client, server, sport, dport, cseq++, 0, 0x02, new byte[0]); // SYN
        tcp(server, client, dport, sport, sseq++, cseq, 0x12, new byte[0]); // SYN-ACK
        tcp(client, server, sport, dport, cseq, sseq, 0x10, new byte[0]); // ACK
        for (int i = 0; i < exchanges; i++) {
            tcp(client, server, sport, dport, cseq, sseq, 0x18, i == 0 ? first : new byte[request]);
            cseq += request;
            tcp(server, client, dport, sport, sseq, cseq, 0x18, new byte[response]);
            sseq += response;
        }
        tcp(client, server, sport, dport, cseq++, sseq, 0x11, new byte[0]); // FIN
        tcp(server, client, dport, sport, sseq++, cseq, 0x11, new byte[0]);
        tcp(client, server, sport, dport, cseq, sseq, 0x10, new byte[0]);
    }

    private void udpExchange(byte[] client, byte[] server, int sport, int dport, byte[] query, byte[] answer) {
        udp(client, server, sport, dport, query);
        udp(server, client, dport, sport, answer);
    }

    private void ping(byte[] client, byte[] server, int count) {
        for (int i = 0; i < count; i++) {
            icmp(client, server, 8, i);
            icmp(server, client, 0, i);
        }
    }

    private void tcp(byte[] src, byte[] dst, int sport, int dport, int seq, int ack, int flags, byte[] payload) {
        ByteBuffer l4 = ByteBuffer.allocate(20 + payload.length);
        l4.putShort((short) sport).putShort((short) dport).putInt(seq).putInt(ack)
                .put((byte) 0x50).put((byte) flags).putShort((short) 64240).putShort((short) 0).putShort((short) 0)
                .put(payload);
        frame(src, dst, 6, l4.array());
    }

    private void udp(byte[] src, byte[] dst, int sport, int dport, byte[] payload) {
        ByteBuffer l4 = ByteBuffer.allocate(8 + payload.length);
        l4.putShort((short) sport).putShort((short) dport).putShort((short) (8 + payload.length)).putShort((short) 0)
                .put(payload);
        frame(src, dst, 17, l4.array());
    }

    private void icmp(byte[] src, byte[] dst, int type, int seq) {
        ByteBuffer l4 = ByteBuffer.allocate(8 + 56);
        l4.put((byte) type).put((byte) 0).putShort((short) 0).putShort((short) 0x4242).putShort((short) seq);
        byte[] b = l4.array();
        int sum = checksum(b, 0, b.length);
        b[2] = (byte) (sum >> 8);
        b[3] = (byte) sum;
        frame(src, dst, 1, b);
    }

    private void frame(byte[] src, byte[] dst, int protocol, byte[] l4) {
        int ipLen = 20 + l4.length;
        ByteBuffer f = ByteBuffer.allocate(14 + ipLen);
        f.put(new byte[] {2, 0, 0, 0, 0, dst[3]}).put(new byte[] {2, 0, 0, 0, 0, src[3]}).putShort((short) 0x0800);
        int ip = f.position();
        f.put((byte) 0x45).put((byte) 0).putShort((short) ipLen).putShort((short) packets).putShort((short) 0x4000)
                .put((byte) 64).put((byte) protocol).putShort((short) 0).put(src).put(dst);
        byte[] a = f.array();
        int sum = checksum(a, ip, 20);
        a[ip + 10] = (byte) (sum >> 8);
        a[ip + 11] = (byte) sum;
        f.put(l4);
        tsMicros += 1000;
        try {
            out.write(a, tsMicros * 1000);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        packets++;
    }

    private static int checksum(byte[] b, int off, int len) {
        long sum = 0;
        for (int i = 0; i < len; i += 2) {
            sum += ((b[off + i] & 0xff) << 8) | (i + 1 < len ? b[off + i + 1] & 0xff : 0);
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (int) (~sum & 0xffff);
    }

    public static void main(String[] args) throws IOException {
        Path f = Path.of(args.length > 0 ? args[0] : "sample.pcap");
        System.out.println(f + ": " + write(f) + " packets");
    }
}
