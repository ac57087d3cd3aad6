package org.secmon.dataplane;

/**
 * Data-plane tunables, Aeron style: each is a system property {@code FOO_PROP_NAME} with a {@code FOO_DEFAULT}.
 */
public final class Configuration {
    public static final String BURST_SIZE_PROP_NAME = "secmon.rx.burst";
    public static final int BURST_SIZE_DEFAULT = 32;

    public static final String RING_CAPACITY_PROP_NAME = "secmon.plugin.ring.capacity";
    public static final int RING_CAPACITY_DEFAULT = 4096;

    public static final String RING_SLOT_BYTES_PROP_NAME = "secmon.plugin.ring.slot.bytes";
    public static final int RING_SLOT_BYTES_DEFAULT = 2048;

    public static final String PLUGINS_DIR_PROP_NAME = "secmon.plugins.dir";
    public static final String PLUGINS_DIR_DEFAULT = "/opt/secmon/plugins";

    public static final String PLUGINS_SCAN_MS_PROP_NAME = "secmon.plugins.scan.ms";
    public static final long PLUGINS_SCAN_MS_DEFAULT = 2000;

    /** Pipeline swaps wait at most this long for every rx thread to pick the new snapshot up. */
    public static final String SWAP_TIMEOUT_MS_PROP_NAME = "secmon.pipeline.swap.timeout.ms";
    public static final long SWAP_TIMEOUT_MS_DEFAULT = 5000;

    private Configuration() {
    }

    /** Frames per rx burst of the agent's rx thread (1..512; the DPDK shim's mbuf array holds 512). */
    public static int burstSize() {
        return inRange(BURST_SIZE_PROP_NAME, Integer.getInteger(BURST_SIZE_PROP_NAME, BURST_SIZE_DEFAULT), 1, 512);
    }

    public static int ringCapacity() {
        return Integer.getInteger(RING_CAPACITY_PROP_NAME, RING_CAPACITY_DEFAULT);
    }

    public static int ringSlotBytes() {
        return Integer.getInteger(RING_SLOT_BYTES_PROP_NAME, RING_SLOT_BYTES_DEFAULT);
    }

    public static String pluginsDir() {
        return System.getProperty(PLUGINS_DIR_PROP_NAME, PLUGINS_DIR_DEFAULT);
    }

    /** How often the agent looks at its plugins directory for added, removed or replaced jars (100 ms .. 1 h). */
    public static long pluginsScanMillis() {
        return inRange(PLUGINS_SCAN_MS_PROP_NAME, Long.getLong(PLUGINS_SCAN_MS_PROP_NAME, PLUGINS_SCAN_MS_DEFAULT),
                100, 3_600_000);
    }

    private static int inRange(String name, int v, int min, int max) {
        return (int) inRange(name, (long) v, min, max);
    }

    private static long inRange(String name, long v, long min, long max) {
        if (v < min || v > max) {
            throw new IllegalArgumentException("-D" + name + "=" + v + ": must be " + min + ".." + max);
        }
        return v;
    }

    public static long swapTimeoutMillis() {
        return Long.getLong(SWAP_TIMEOUT_MS_PROP_NAME, SWAP_TIMEOUT_MS_DEFAULT);
    }
}
