package org.secmon.testkit;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.secmon.transport.DatagramSink;

/**
 * A {@link DatagramSink} that keeps every datagram's bytes per collector, for golden-byte and behaviour tests of the
 * encoders without sockets. Collectors can be taken down and brought back ({@link #setUp}); a send to a down
 * collector fails, as the UDP sender's does.
 */
public final class RecordingSink implements DatagramSink {
    private final List<List<byte[]>> sent = new ArrayList<>();
    private final boolean[] up;
    private Listener listener = (c, u) -> { };
    private boolean closed;

    public RecordingSink(int collectors) {
        up = new boolean[collectors];
        for (int i = 0; i < collectors; i++) {
            sent.add(new ArrayList<>());
            up[i] = true;
        }
    }

    @Override
    public void listener(Listener l) {
        this.listener = l;
    }

    @Override
    public int size() {
        return up.length;
    }

    @Override
    public boolean isUp(int collector) {
        return up[collector];
    }

    @Override
    public boolean send(int collector, ByteBuffer datagram, long nowNanos) {
        if (closed) {
            throw new IllegalStateException("send after close");
        }
        if (!up[collector]) {
            return false;
        }
        byte[] b = new byte[datagram.remaining()];
        datagram.duplicate().get(b);
        sent.get(collector).add(b);
        return true;
    }

    /** Takes a collector down or brings it back, telling the encoder as the UDP sender would. */
    public void setUp(int collector, boolean isUp) {
        if (up[collector] != isUp) {
            up[collector] = isUp;
            listener.collectorStateChanged(collector, isUp);
        }
    }

    /** The datagrams sent to {@code collector}, oldest first. */
    public List<byte[]> datagrams(int collector) {
        return sent.get(collector);
    }

    /** All datagrams to {@code collector} as ByteBuffers (big-endian, position 0). */
    public List<ByteBuffer> buffers(int collector) {
        return sent.get(collector).stream().map(ByteBuffer::wrap).toList();
    }

    public boolean closed() {
        return closed;
    }

    @Override
    public void close() {
        closed = true;
    }

    /** Lower-case hex of {@code b}, for golden-byte comparisons. */
    public static String hex(byte[] b) {
        return java.util.HexFormat.of().formatHex(b);
    }
}
