package org.secmon.ems.server.store;

/**
 * Which EMS instance does the work that must happen once — appliance and enforcer health checks (and removal),
 * housekeeping — when several share one store. The embedded store has one instance: it always leads. On Consul the
 * instances compete for a lock held by a session with a TTL ({@link ConsulStore#leadership}): the holder leads while
 * it renews the session; when it dies the session expires and another instance takes the lock (after Consul's lock
 * delay), so at most one leads at any time and one does again within TTL + lock delay.
 */
public interface Leadership extends AutoCloseable {
    /** A single instance: always the leader. */
    Leadership ALWAYS = new Leadership() {
        @Override
        public boolean isLeader() {
            return true;
        }

        @Override
        public void close() {
        }
    };

    /** Whether this instance leads now (cheap: a volatile read). */
    boolean isLeader();

    /** Gives the lead up (another instance takes it at once) and stops competing. */
    @Override
    void close();
}
