package org.secmon.plugin;

/** How a plugin receives packets. */
public enum DeliveryMode {
    /** Called in the rx thread for every packet: lowest latency, the plugin's cost is the rx thread's cost. */
    DIRECT,
    /**
     * Packets are copied into a bounded single-producer single-consumer ring and consumed by the plugin's own
     * thread (the original's "DPDK software ring" mode). A full ring drops and counts.
     */
    RING
}
