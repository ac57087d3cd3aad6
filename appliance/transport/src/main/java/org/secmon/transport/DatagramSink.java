package org.secmon.transport;

import java.nio.ByteBuffer;

/**
 * Where an export plugin's encoder puts finished datagrams: numbered collectors (the indexes of a
 * {@link CollectorSet}) that may go down and come back. {@link UdpSender} is the real one (connected UDP sockets,
 * pacing, health); tests give an encoder a sink that keeps the bytes, so every datagram can be compared byte for
 * byte without a socket. Single-threaded, like the encoders that drive it.
 */
public interface DatagramSink extends AutoCloseable {
    /** Told when a collector goes down or comes back (the encoder resends its templates to a returning one). */
    interface Listener {
        void collectorStateChanged(int collector, boolean up);
    }

    /** The one listener (an encoder); replaces any earlier one. */
    void listener(Listener l);

    /** Number of collectors. */
    int size();

    boolean isUp(int collector);

    /**
     * Sends the bytes between {@code datagram}'s position and limit to {@code collector}; the buffer may be reused as
     * soon as this returns. False when it was not sent (collector down, error, pacing ring full) — counted by the
     * sink, and the caller counts its records as lost.
     */
    boolean send(int collector, ByteBuffer datagram, long nowNanos);

    /** Housekeeping at the encoder's tick: health probes, retries, paced datagrams whose time has come. */
    default void check(long nowNanos) {
    }

    /** Sends what pacing holds back; {@code untilEmpty}: wait (at the paced rate) until nothing is left. */
    default void drain(long nowNanos, boolean untilEmpty) {
    }

    @Override
    void close();
}
