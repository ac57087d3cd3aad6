package org.secmon.ems.server.store;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.secmon.ems.api.Json;

/**
 * The EMS's view of the store: every document in memory (configuration is small), parsed once, with the revision
 * of the commit that last wrote it. Writes are serialized in this process and committed to the store with
 * optimistic concurrency; on a revision conflict (another EMS instance on the same Consul wrote first) the view
 * is reloaded and the write is computed again, so checks such as "name unique in scope" or "still referenced" are
 * always made against the state the commit lands on.
 *
 * <p>Readers see each commit as a whole: a commit's changes are applied to the view under a write lock.
 */
public final class Repository implements AutoCloseable {
    private static final Logger LOG = System.getLogger(Repository.class.getName());
    private static final int MAX_ATTEMPTS = 16;

    /** A stored JSON document (never modified once in the view) and the revision that wrote it. */
    public record Doc(String table, String id, ObjectNode json, long version) {
    }

    /** The changes of one write, staged by a {@link Writer}. */
    public static final class Changes {
        private final LinkedHashMap<String, ObjectNode> puts = new LinkedHashMap<>();

        public void put(String table, String id, ObjectNode json) {
            puts.put(table + "/" + id, json);
        }

        public void delete(String table, String id) {
            puts.put(table + "/" + id, null);
        }

        public boolean isEmpty() {
            return puts.isEmpty();
        }
    }

    /** Computes a write from the current view; may throw to refuse it. Called again after a conflict. */
    @FunctionalInterface
    public interface Writer<R, X extends Exception> {
        R stage(Changes changes) throws X;
    }

    /** A committed write: what the writer returned and the new revision. */
    public record Result<R>(R value, long revision) {
    }

    private final Store store;
    private final ReentrantLock writeMutex = new ReentrantLock();
    private final ReentrantReadWriteLock rw = new ReentrantReadWriteLock();
    private final Map<String, Map<String, Doc>> tables = new HashMap<>();
    private volatile long revision;
    private long corrupt;

    public Repository(Store store) throws StoreException {
        this.store = store;
        reload();
    }

    public Store store() {
        return store;
    }

    public long revision() {
        return revision;
    }

    /** Documents that could not be parsed at the last load (reported by health). */
    public long corruptDocuments() {
        return corrupt;
    }

    private void reload() throws StoreException {
        Store.Snapshot s = store.load();
        Map<String, Map<String, Doc>> fresh = new HashMap<>();
        long bad = 0;
        for (Map.Entry<String, Store.Item> e : s.items().entrySet()) {
            String key = e.getKey();
            int slash = key.indexOf('/');
            if (slash <= 0) {
                bad++;
                continue;
            }
            try {
                JsonNode n = Json.mapper().readTree(e.getValue().value());
                if (!(n instanceof ObjectNode o)) {
                    throw new IllegalArgumentException("not a JSON object");
                }
                String table = key.substring(0, slash);
                String id = key.substring(slash + 1);
                fresh.computeIfAbsent(table, t -> new HashMap<>()).put(id, new Doc(table, id, o, e.getValue().revision()));
            } catch (Exception ex) {
                bad++;
                LOG.log(Level.ERROR, "store key " + key + " is not a JSON object; ignored: " + ex.getMessage());
            }
        }
        rw.writeLock().lock();
        try {
            tables.clear();
            tables.putAll(fresh);
            revision = s.revision();
            corrupt = bad;
        } finally {
            rw.writeLock().unlock();
        }
    }

    /**
     * Catches up with commits made by other EMS instances (shared stores only; one cheap revision read).
     *
     * @throws StoreException the store is unreachable; the view stays as it was
     */
    public void sync() throws StoreException {
        if (!store.shared()) {
            return;
        }
        long r = store.revision();
        if (r != revision) {
            writeMutex.lock();
            try {
                if (store.revision() != revision) {
                    reload();
                }
            } finally {
                writeMutex.unlock();
            }
        }
    }

    public Doc get(String table, String id) {
        rw.readLock().lock();
        try {
            Map<String, Doc> t = tables.get(table);
            return t == null ? null : t.get(id);
        } finally {
            rw.readLock().unlock();
        }
    }

    public List<Doc> list(String table) {
        rw.readLock().lock();
        try {
            Map<String, Doc> t = tables.get(table);
            return t == null ? List.of() : new ArrayList<>(t.values());
        } finally {
            rw.readLock().unlock();
        }
    }

    public int count(String table) {
        rw.readLock().lock();
        try {
            Map<String, Doc> t = tables.get(table);
            return t == null ? 0 : t.size();
        } finally {
            rw.readLock().unlock();
        }
    }

    /**
     * Runs {@code writer} against the current view and commits what it staged, atomically. Nothing is applied
     * when the writer throws or the store fails.
     */
    public <R, X extends Exception> Result<R> write(Writer<R, X> writer) throws X, StoreException {
        Result<R> r = writeLocked(writer);
        store.sync(r.revision()); // outside the lock: writers that committed meanwhile share this sync
        return r;
    }

    private <R, X extends Exception> Result<R> writeLocked(Writer<R, X> writer) throws X, StoreException {
        writeMutex.lock();
        try {
            for (int attempt = 1; ; attempt++) {
                // optimistic: a commit by another EMS instance since our view makes the commit fail; then reload
                Changes changes = new Changes();
                R value = writer.stage(changes);
                if (changes.isEmpty()) {
                    return new Result<>(value, revision);
                }
                Map<String, byte[]> raw = new LinkedHashMap<>();
                for (Map.Entry<String, ObjectNode> c : changes.puts.entrySet()) {
                    raw.put(c.getKey(), c.getValue() == null ? null : bytes(c.getValue()));
                }
                long next;
                try {
                    next = store.commit(revision, raw);
                } catch (RevisionConflictException e) {
                    if (attempt >= MAX_ATTEMPTS) {
                        throw new StoreException("gave up after " + attempt + " conflicting concurrent writes", e);
                    }
                    if (attempt > 1) {
                        // another EMS instance keeps winning: back off a random while, so that both make progress
                        try {
                            Thread.sleep(java.util.concurrent.ThreadLocalRandom.current()
                                    .nextInt(1, 1 + (1 << Math.min(attempt, 6))));
                        } catch (InterruptedException ie) {
                            Thread.currentThread().interrupt();
                            throw new StoreException("interrupted while retrying a conflicting write", ie);
                        }
                    }
                    reload();
                    continue;
                }
                apply(changes, next);
                return new Result<>(value, next);
            }
        } finally {
            writeMutex.unlock();
        }
    }

    private void apply(Changes changes, long next) {
        rw.writeLock().lock();
        try {
            for (Map.Entry<String, ObjectNode> c : changes.puts.entrySet()) {
                String key = c.getKey();
                int slash = key.indexOf('/');
                String table = key.substring(0, slash);
                String id = key.substring(slash + 1);
                if (c.getValue() == null) {
                    Map<String, Doc> t = tables.get(table);
                    if (t != null) {
                        t.remove(id);
                    }
                } else {
                    tables.computeIfAbsent(table, x -> new HashMap<>()).put(id, new Doc(table, id, c.getValue(), next));
                }
            }
            revision = next;
        } finally {
            rw.writeLock().unlock();
        }
    }

    private static byte[] bytes(ObjectNode n) {
        try {
            return Json.mapper().writeValueAsBytes(n);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        store.close();
    }
}
