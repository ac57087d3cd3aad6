package org.secmon.dataplane.host;

import org.secmon.plugin.Counter;

/**
 * What survives a pipeline swap for one plugin on one rx thread: its counters, its ring (RING mode) and the failure
 * flag. Counters have a single writer each: received/filtered/dropped/stalls the rx thread; errors the thread that calls
 * the plugin.
 */
public final class SlotState {
    final Counter received = new Counter("received");
    final Counter filtered = new Counter("filtered");
    final Counter dropped = new Counter("dropped");
    final Counter errors = new Counter("errors");
    /** Times a lossless (replay) rx thread found the ring full and waited for the plugin. */
    final Counter stalls = new Counter("ring_full_stalls");
    final PacketRing ring;
    volatile boolean failed;
    /** Set before the plugin is stopped, so that an rx thread waiting for room in the ring gives up. */
    volatile boolean stopping;

    SlotState(PacketRing ring) {
        this.ring = ring;
    }
}
