package org.secmon.plugin;

/**
 * A SecMon monitoring plugin: the Java form of the original appliance's plugin contract
 * ({@code init}, {@code config}, {@code receive_data}, {@code receive_from_secmon}, {@code deinit}).
 *
 * <p>A plugin is a jar in the plugins directory that declares its implementation in
 * {@code META-INF/services/org.secmon.plugin.SecmonPlugin}. The host loads each jar in its own class loader that
 * sees only this API (and the packages the host exports), never the host's internals.
 *
 * <h2>Threading</h2>
 * {@link #onPacket(Packet)} and {@link #poll(long)} are always called by one and the same data-plane thread: the
 * rx thread in {@link DeliveryMode#DIRECT} mode, the plugin's own thread in {@link DeliveryMode#RING} mode. A
 * {@linkplain PluginDescriptor#queueLocal() queue-local} plugin runs as one instance per rx queue, each on its
 * queue's thread; the instances share only what they ask {@link PluginContext#shared} for. The
 * lifecycle methods are called by the control thread, never concurrently with each other.
 *
 * <h2>Hot path rules</h2>
 * {@code onPacket} must not allocate, block or keep a reference to the {@link Packet}: the packet is a flyweight
 * whose memory is reused (or returned to DPDK) as soon as the call returns. An exception thrown from
 * {@code onPacket} marks the plugin FAILED and isolates it; the other plugins keep running.
 */
public interface SecmonPlugin {

    /** Identity and capabilities; must be cheap and must not throw. */
    PluginDescriptor descriptor();

    /** Original {@code init}: allocate resources (preallocate everything the hot path needs). */
    void init(PluginContext context) throws Exception;

    /**
     * Original {@code config}: apply a configuration. Called after {@link #init} and again on every change, from
     * the control thread; implementations publish the new configuration to their data-plane thread safely.
     */
    default void configure(PluginConfig config) throws Exception {
    }

    /** Original {@code receive_data}: start the plugin's own threads (exporters, timers), if any. */
    default void start() throws Exception {
    }

    /** Original {@code receive_from_secmon}: one packet that passed this plugin's filter. */
    void onPacket(Packet packet);

    /**
     * Housekeeping on the data-plane thread (timeouts, flushing partial export packets). Called between bursts and
     * while idle, at least every few milliseconds.
     *
     * @param nowNanos wall-clock time in nanoseconds since the epoch (packet time when replaying a capture)
     * @return the amount of work done, 0 when idle
     */
    default int poll(long nowNanos) {
        return 0;
    }

    /** End of input (a replayed capture ended): export everything that is pending. Data-plane thread. */
    default void endOfStream(long nowNanos) {
    }

    /**
     * Answer a read-only question about the plugin's live state for the operator (the SSH CLI's
     * {@code show flows top N} asks the NetFlow plugin {@code query("flows", N)}). Called on the plugin's data-plane
     * thread, between bursts, like {@link #poll}: the plugin reads its own single-threaded state without locks and
     * the answer is a consistent snapshot. May allocate (it is not per packet) but should take milliseconds, since
     * packets wait meanwhile.
     *
     * @param topic what is asked, e.g. {@code "flows"}
     * @param limit the most rows wanted (at least 1)
     * @return the answer, or null when this plugin knows nothing about {@code topic}
     */
    default Table query(String topic, int limit) {
        return null;
    }

    /**
     * Merge the answers of a {@linkplain PluginDescriptor#queueLocal() queue-local} plugin's instances (one per rx
     * queue, in queue order) into one. Called on the control thread, on instance 0. The default keeps the first
     * part's columns and note, concatenates the rows up to {@code limit} and adds up the parts' totals (-1 when one
     * is not counted); a plugin whose rows have an order (the largest flows) merges by it.
     *
     * @param parts the non-null answers, at least one
     */
    default Table merge(String topic, java.util.List<Table> parts, int limit) {
        java.util.List<java.util.List<Object>> rows = new java.util.ArrayList<>();
        long total = 0;
        for (Table t : parts) {
            for (java.util.List<Object> r : t.rows()) {
                if (rows.size() < limit) {
                    rows.add(r);
                }
            }
            total = total < 0 || t.total() < 0 ? -1 : total + t.total();
        }
        return new Table(parts.get(0).note(), parts.get(0).columns(), rows, total);
    }

    /** Original {@code deinit}: stop threads and release resources. Must be idempotent. */
    void stop();
}
