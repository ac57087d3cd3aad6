package org.secmon.tools.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.secmon.testkit.CaptureWriter;

/**
 * Writes the benchmark capture: {@code packets} 64-byte Ethernet/IPv4 frames (UDP and TCP) spread over {@code flows}
 * flows, every flow active throughout (packet i belongs to flow i mod flows), as a classic pcap. Written once and
 * reused while its parameters do not change.
 */
public final class BenchCapture {
    public static final int FRAME = 64;

    private BenchCapture() {
    }

    public static Path ensure(Path dir, long packets, int flows) throws IOException {
        return ensure(dir, packets, flows, 0, 1);
    }

    /**
     * Part {@code part} of {@code parts} of the capture: the packets of the flows with {@code flow % parts == part},
     * in the same order (what RSS would give one of {@code parts} rx queues).
     */
    public static Path ensure(Path dir, long packets, int flows, int part, int parts) throws IOException {
        if (part < 0 || part >= parts) {
            throw new IllegalArgumentException("part " + part + " of " + parts);
        }
        Files.createDirectories(dir);
        Path f = dir.resolve("bench-" + packets + "p-" + flows + "f" + (parts == 1 ? "" : "-" + part + "of" + parts)
                + ".pcap");
        long expectedSize = 24 + packetsInPart(packets, flows, part, parts) * (16 + FRAME);
        if (Files.exists(f) && Files.size(f) == expectedSize) {
            return f;
        }
        Path tmp = dir.resolve(f.getFileName() + ".tmp");
        try (CaptureWriter w = new CaptureWriter(tmp)) {
            byte[] frame = new byte[FRAME];
            ByteBuffer fb = ByteBuffer.wrap(frame); // big-endian network order
            long ts = 1_700_000_000L * 1_000_000L;
            for (long i = 0; i < packets; i++) {
                int flow = (int) (i % flows);
                if (flow % parts != part) {
                    continue;
                }
                buildFrame(fb, flow);
                ts += 1;
                w.write(frame, ts * 1000);
            }
        }
        Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return f;
    }

    static long packetsInPart(long packets, int flows, int part, int parts) {
        long perCycle = flowsBelow(flows, part, parts);
        return packets / flows * perCycle + flowsBelow((int) (packets % flows), part, parts);
    }

    /** Flows f in [0, n) with f % parts == part. */
    private static long flowsBelow(int n, int part, int parts) {
        return n <= part ? 0 : (n - part + parts - 1) / parts;
    }

    /** Bytes an ERSPAN type II tunnel adds: outer Ethernet, IPv4, GRE with sequence number, ERSPAN header. */
    public static final int ERSPAN_OVERHEAD = 14 + 20 + 8 + 8;

    /**
     * The same capture as {@link #ensure(Path, long, int)}, each frame mirrored as ERSPAN type II (what OVN's
     * tap_mirror and most switches send), from one of 16 hypervisors, session id = hypervisor.
     */
    public static Path ensureErspan(Path dir, long packets, int flows) throws IOException {
        Files.createDirectories(dir);
        Path f = dir.resolve("bench-" + packets + "p-" + flows + "f-erspan.pcap");
        long expectedSize = 24 + packets * (16 + FRAME + ERSPAN_OVERHEAD);
        if (Files.exists(f) && Files.size(f) == expectedSize) {
            return f;
        }
        Path tmp = dir.resolve(f.getFileName() + ".tmp");
        try (CaptureWriter w = new CaptureWriter(tmp)) {
            byte[] frame = new byte[ERSPAN_OVERHEAD + FRAME];
            ByteBuffer fb = ByteBuffer.wrap(frame);
            ByteBuffer inner = ByteBuffer.wrap(frame, ERSPAN_OVERHEAD, FRAME).slice();
            long ts = 1_700_000_000L * 1_000_000L;
            for (long i = 0; i < packets; i++) {
                int flow = (int) (i % flows);
                int hv = flow & 15;
                fb.clear();
                fb.putInt(0x02000000).putShort((short) 0x0a02); // the appliance's MAC
                fb.putInt(0x02000000).putShort((short) (0x0a10 + hv)); // the hypervisor's
                fb.putShort((short) 0x0800);
                fb.put((byte) 0x45).put((byte) 0).putShort((short) (frame.length - 14)).putShort((short) 0)
                        .putShort((short) 0x4000).put((byte) 64).put((byte) 47).putShort((short) 0)
                        .putInt(0x0a630000 | 0x100 | hv).putInt(0x0a630001);
                fb.putShort((short) 0x1000).putShort((short) 0x88BE).putInt((int) i); // GRE: S, ERSPAN
                fb.putInt(1 << 28 | hv + 1).putInt(0); // ERSPAN II: version 1, session id
                buildFrame(inner, flow);
                ts += 1;
                w.write(frame, ts * 1000);
            }
        }
        Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return f;
    }

    /**
     * The capture of {@link #ensure(Path, long, int)} whose flows open with layer-7 payload: the first packet of a
     * flow carries an HTTP/1.1 GET (flows to port 80), a DNS query (port 53), a Chrome-like ClientHello (port 443) or
     * nothing (port 8080); the others are the usual 64-byte frames. Every flow gives metadata once, as a real mix of
     * web, TLS and DNS conversations would.
     */
    public static Path ensureMeta(Path dir, long packets, int flows) throws IOException {
        Files.createDirectories(dir);
        Path f = dir.resolve("bench-" + packets + "p-" + flows + "f-meta.pcap");
        Path tmp = dir.resolve(f.getFileName() + ".tmp");
        long size = 24;
        byte[] hello = MetaPayloads.chromeHello();
        for (int flow = 0; flow < Math.min(flows, packets); flow++) {
            size += 16 + metaFrameLength(flow, hello);
        }
        size += (packets - Math.min(flows, packets)) * (16 + FRAME);
        if (Files.exists(f) && Files.size(f) == size) {
            return f;
        }
        try (CaptureWriter w = new CaptureWriter(tmp)) {
            byte[] frame = new byte[FRAME];
            ByteBuffer fb = ByteBuffer.wrap(frame);
            long ts = 1_700_000_000L * 1_000_000L;
            for (long i = 0; i < packets; i++) {
                int flow = (int) (i % flows);
                buildFrame(fb, flow);
                ts += 1;
                w.write(i < flows ? metaFrame(frame, flow, hello) : frame, ts * 1000);
            }
        }
        Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return f;
    }

    private static byte[] metaPayload(int flow, byte[] hello) {
        return switch (flow % 4) {
            case 0 -> MetaPayloads.httpGet(flow);
            case 1 -> MetaPayloads.dnsQuery(flow);
            case 2 -> hello;
            default -> null;
        };
    }

    private static int metaFrameLength(int flow, byte[] hello) {
        byte[] p = metaPayload(flow, hello);
        return p == null ? FRAME : 14 + 20 + ((flow & 1) == 0 ? 20 : 8) + p.length;
    }

    /** The flow's 64-byte frame with its headers kept and its payload replaced by the flow's layer-7 payload. */
    private static byte[] metaFrame(byte[] frame, int flow, byte[] hello) {
        byte[] p = metaPayload(flow, hello);
        if (p == null) {
            return frame;
        }
        boolean tcp = (flow & 1) == 0;
        int header = 14 + 20 + (tcp ? 20 : 8);
        byte[] out = new byte[header + p.length];
        System.arraycopy(frame, 0, out, 0, header);
        System.arraycopy(p, 0, out, header, p.length);
        ByteBuffer b = ByteBuffer.wrap(out);
        b.putShort(16, (short) (out.length - 14)); // IPv4 total length
        if (!tcp) {
            b.putShort(14 + 20 + 4, (short) (8 + p.length)); // UDP length
        }
        return out;
    }

    public static void buildFrame(ByteBuffer fb, int flow) {
        fb.clear();
        fb.putInt(0x02000000).putShort((short) 2); // dst MAC
        fb.putInt(0x02000000).putShort((short) 1); // src MAC
        fb.putShort((short) 0x0800);
        boolean tcp = (flow & 1) == 0;
        int ipLen = FRAME - 14;
        fb.put((byte) 0x45).put((byte) 0).putShort((short) ipLen).putShort((short) 0).putShort((short) 0)
                .put((byte) 64).put((byte) (tcp ? 6 : 17)).putShort((short) 0)
                .putInt(0x0a000000 | (flow >>> 8)).putInt(0xc0a80000 | (flow & 0xff) << 8 | 1);
        int sport = 1024 + (flow % 50000);
        int dport = switch (flow % 4) {
            case 0 -> 80;
            case 1 -> 53;
            case 2 -> 443;
            default -> 8080;
        };
        if (tcp) {
            fb.putShort((short) sport).putShort((short) dport).putInt(1).putInt(0).put((byte) 0x50).put((byte) 0x18)
                    .putShort((short) 1024).putShort((short) 0).putShort((short) 0);
        } else {
            fb.putShort((short) sport).putShort((short) dport).putShort((short) (ipLen - 20)).putShort((short) 0);
        }
        while (fb.hasRemaining()) {
            fb.put((byte) 0);
        }
    }
}
