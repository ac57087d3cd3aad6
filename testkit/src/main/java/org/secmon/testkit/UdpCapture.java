package org.secmon.testkit;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.secmon.testkit.CaptureWriter;
import org.secmon.testkit.FrameBuilder;

/** Receives UDP datagrams on a loopback port and writes them as a pcap that tshark can decode. */
public final class UdpCapture implements AutoCloseable {
    public final int port;
    private final DatagramSocket socket;
    private final List<byte[]> datagrams = new ArrayList<>();
    private final List<Integer> sources = new ArrayList<>();
    private final Thread thread;

    public UdpCapture() throws Exception {
        socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        socket.setReceiveBufferSize(8 << 20);
        port = socket.getLocalPort();
        thread = Thread.ofPlatform().daemon().name("udp-capture-" + port).start(this::receive);
    }

    private void receive() {
        byte[] buf = new byte[65535];
        while (!socket.isClosed()) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
            } catch (SocketException closed) {
                return;
            } catch (Exception e) {
                continue;
            }
            synchronized (datagrams) {
                datagrams.add(Arrays.copyOfRange(p.getData(), p.getOffset(), p.getOffset() + p.getLength()));
                sources.add(p.getPort());
            }
        }
    }

    public int count() {
        synchronized (datagrams) {
            return datagrams.size();
        }
    }

    public List<byte[]> datagrams() {
        synchronized (datagrams) {
            return List.copyOf(datagrams);
        }
    }

    /** Wait until {@code n} datagrams arrived (or the timeout passed); returns the count. */
    public int await(int n, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (count() < n && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        return count();
    }

    /** Everything received, as Ethernet/IPv4/UDP frames to {@link #port}. */
    public void writePcap(Path file) throws Exception {
        List<byte[]> d;
        List<Integer> s;
        synchronized (datagrams) {
            d = List.copyOf(datagrams);
            s = List.copyOf(sources);
        }
        try (CaptureWriter w = new CaptureWriter(file, CaptureWriter.Format.PCAP_LE_MICROS, 65535)) {
            long ts = 1_700_000_000_000_000_000L;
            for (int i = 0; i < d.size(); i++) {
                FrameBuilder b = FrameBuilder.udp("127.0.0.1", "127.0.0.1", s.get(i), port);
                b.payloadBytes = d.get(i);
                w.write(b.build(), ts += 1_000_000);
            }
        }
    }

    @Override
    public void close() throws Exception {
        socket.close();
        thread.join(5000);
    }
}
