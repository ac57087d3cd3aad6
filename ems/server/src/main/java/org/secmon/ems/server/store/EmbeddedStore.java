package org.secmon.ems.server.store;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

/**
 * The default store: one H2 MVStore file. MVStore writes copy-on-write chunks and a commit becomes visible
 * atomically, so a crash (even SIGKILL or power loss with {@code sync}) leaves the last committed revision. Each
 * value is stored with the revision that wrote it. One process at a time (MVStore locks the file).
 */
public final class EmbeddedStore implements Store {
    private static final String REVISION = "revision";

    private final Path file;
    private final MVStore store;
    private final MVMap<String, byte[]> kv;
    private final MVMap<String, Long> meta;
    private final boolean sync;
    private long revision;

    /**
     * @param sync fsync every commit (survives power loss; SIGKILL is survived either way since a commit's
     *             write has reached the kernel when commit returns)
     */
    public EmbeddedStore(Path file, boolean sync) throws StoreException {
        this.file = file;
        this.sync = sync;
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            store = new MVStore.Builder().fileName(file.toString()).autoCommitDisabled().open();
        } catch (Exception e) {
            throw new StoreException("cannot open the embedded store " + file + ": " + e.getMessage()
                    + (String.valueOf(e.getMessage()).contains("lock") ? " (is another EMS using it?)" : ""), e);
        }
        kv = store.openMap("kv");
        meta = store.openMap("meta");
        revision = meta.getOrDefault(REVISION, 0L);
    }

    @Override
    public synchronized Snapshot load() {
        Map<String, Item> items = new HashMap<>(kv.size() * 2);
        for (Map.Entry<String, byte[]> e : kv.entrySet()) {
            items.put(e.getKey(), unpack(e.getValue()));
        }
        return new Snapshot(revision, items);
    }

    @Override
    public synchronized long revision() {
        return revision;
    }

    @Override
    public synchronized long commit(long expectedRevision, Map<String, byte[]> changes) throws StoreException {
        if (expectedRevision != revision) {
            throw new RevisionConflictException(expectedRevision, revision);
        }
        long next = revision + 1;
        try {
            for (Map.Entry<String, byte[]> c : changes.entrySet()) {
                if (c.getValue() == null) {
                    kv.remove(c.getKey());
                } else {
                    kv.put(c.getKey(), pack(c.getValue(), next));
                }
            }
            meta.put(REVISION, next);
            store.commit();
            if (sync) {
                store.sync();
            }
        } catch (RuntimeException e) {
            store.rollback();
            throw new StoreException("embedded store write failed: " + e.getMessage(), e);
        }
        revision = next;
        return next;
    }

    private static byte[] pack(byte[] value, long revision) {
        return ByteBuffer.allocate(8 + value.length).putLong(revision).put(value).array();
    }

    private static Item unpack(byte[] stored) {
        ByteBuffer b = ByteBuffer.wrap(stored);
        long rev = b.getLong();
        byte[] v = new byte[stored.length - 8];
        b.get(v);
        return new Item(v, rev);
    }

    @Override
    public boolean shared() {
        return false;
    }

    @Override
    public String describe() {
        return "embedded " + file.toAbsolutePath();
    }

    @Override
    public synchronized void close() {
        if (!store.isClosed()) {
            store.close();
        }
    }
}
