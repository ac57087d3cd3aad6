package org.secmon.dataplane.source;

/**
 * Where frames come from: a DPDK port queue or a capture file. One instance is polled by exactly one rx thread.
 */
public interface PacketSource extends AutoCloseable {
    /** Returned by {@link #poll} when a finite source (a capture file) has no more frames. */
    int END_OF_STREAM = -1;

    /**
     * Fill {@code burst} with up to {@code burst.capacity()} frames.
     *
     * @return the number of frames, 0 if none are ready now, or {@link #END_OF_STREAM}
     */
    int poll(Burst burst);

    /** Give the frames of the last poll back (free the mbufs). Called once per non-empty poll. */
    void release(Burst burst);

    /** Called on the rx thread before the first poll (DPDK registers the thread with EAL here). */
    default void onThreadStart() {
    }

    /** Called on the rx thread after the last poll. */
    default void onThreadStop() {
    }

    /** True when frame timestamps come from the capture (replay), so that plugin timers follow capture time. */
    boolean captureTime();

    /**
     * True when nothing may be lost (a capture file): an rx thread reading it waits for room in a full plugin ring
     * instead of dropping, so replay gives the same result however slow a plugin is. Live sources drop and count.
     */
    default boolean lossless() {
        return captureTime();
    }

    /** One line for logs and summaries. */
    String describe();

    @Override
    void close();
}
