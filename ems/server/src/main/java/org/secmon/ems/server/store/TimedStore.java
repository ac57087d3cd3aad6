package org.secmon.ems.server.store;

import java.util.Map;

/** A store whose operations are timed into a listener (the EMS's store latency metric); otherwise {@code inner}. */
public final class TimedStore implements Store {
    /** Hears each operation's name ({@code load}, {@code revision}, {@code commit}, {@code sync}) and duration. */
    public interface Listener {
        void took(String operation, long nanos);
    }

    private final Store inner;
    private final Listener listener;

    public TimedStore(Store inner, Listener listener) {
        this.inner = inner;
        this.listener = listener;
    }

    @Override
    public Snapshot load() throws StoreException {
        long t0 = System.nanoTime();
        try {
            return inner.load();
        } finally {
            listener.took("load", System.nanoTime() - t0);
        }
    }

    @Override
    public long revision() throws StoreException {
        long t0 = System.nanoTime();
        try {
            return inner.revision();
        } finally {
            listener.took("revision", System.nanoTime() - t0);
        }
    }

    @Override
    public long commit(long expectedRevision, Map<String, byte[]> changes) throws StoreException {
        long t0 = System.nanoTime();
        try {
            return inner.commit(expectedRevision, changes);
        } finally {
            listener.took("commit", System.nanoTime() - t0);
        }
    }

    @Override
    public void sync(long revision) throws StoreException {
        long t0 = System.nanoTime();
        try {
            inner.sync(revision);
        } finally {
            listener.took("sync", System.nanoTime() - t0);
        }
    }

    @Override
    public Leadership leadership(String who) throws StoreException {
        return inner.leadership(who);
    }

    @Override
    public int maxBatch() {
        return inner.maxBatch();
    }

    @Override
    public boolean shared() {
        return inner.shared();
    }

    @Override
    public String describe() {
        return inner.describe();
    }

    @Override
    public void close() {
        inner.close();
    }
}
