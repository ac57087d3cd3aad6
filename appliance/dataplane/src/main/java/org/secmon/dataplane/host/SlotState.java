package org.secmon.dataplane.host;

import org.secmon.plugin.Counter;

/**
 * What survives a pipeline swap for one plugin on one rx thread: its counters, its ring (RING mode) and the failure
 * flag. Counters have a single writer each: received/filtered/dropped the rx thread; errors the thread that calls
 * the plugin.
 */
public final class SlotState {
    final Counter received = new Counter("received");
    final Counter filtered = new Counter("filtered");
    final Counter dropped = new Counter("dropped");
    final Counter errors = new Counter("errors");
    final PacketRing ring;
    volatile boolean failed;

    SlotState(PacketRing ring) {
        this.ring = ring;
    }
}
