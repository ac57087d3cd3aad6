package org.secmon.ems.server.store;

import java.util.Map;

/**
 * The EMS's durable key-value store: all keys under one revision counter, written only in atomic batches that
 * succeed when nobody else committed since the revision the writer read (optimistic concurrency across EMS
 * instances that share one Consul cluster).
 *
 * <p>Keys look like {@code rules/5f0c...}. Every key carries the revision of the commit that last wrote it; that
 * revision is the entity's version.
 */
public interface Store extends AutoCloseable {

    /** A value and the revision that wrote it. */
    record Item(byte[] value, long revision) {
    }

    /** Every key at one revision. */
    record Snapshot(long revision, Map<String, Item> items) {
    }

    /** Everything, consistently. */
    Snapshot load() throws StoreException;

    /** The current revision (cheap: used to notice commits by other EMS instances). */
    long revision() throws StoreException;

    /**
     * Atomically applies {@code changes} (a null value deletes the key) if the store is still at
     * {@code expectedRevision}, and returns the new revision, which every changed key now carries.
     *
     * @throws RevisionConflictException another writer committed first: reload and retry
     * @throws StoreException            the store is unreachable or refused the batch; nothing was applied
     */
    long commit(long expectedRevision, Map<String, byte[]> changes) throws StoreException;

    /**
     * Makes every commit up to {@code revision} durable, if {@link #commit} does not already. Called by the writer
     * after it has released the write lock, so that the commits of writers that came meanwhile share one sync
     * (group commit). A write is acknowledged only after this returns.
     */
    default void sync(long revision) throws StoreException {
    }

    /** The most keys one {@link #commit} may change (Consul's transactions are limited). */
    default int maxBatch() {
        return Integer.MAX_VALUE;
    }

    /**
     * Competes with the other EMS instances on this store for the work that must happen once; {@code who} names
     * this instance for operators (host, pid). One instance alone: {@link Leadership#ALWAYS}.
     */
    default Leadership leadership(String who) throws StoreException {
        return Leadership.ALWAYS;
    }

    /** Whether other processes may write the same store (then readers check the revision). */
    boolean shared();

    /** For health checks and logs, e.g. {@code embedded /var/lib/secmon/ems.mv}. */
    String describe();

    @Override
    void close();
}
