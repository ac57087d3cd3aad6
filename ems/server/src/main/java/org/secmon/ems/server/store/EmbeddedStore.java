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
 * <p>
 * Group commit: {@link #commit} stages a writer's changes in the maps (in memory); {@link #sync} writes everything
 * staged so far as one MVStore chunk (then in the kernel: safe from a killed process) and, with {@code sync}, forces
 * it to the disk. Writers that commit while one chunk is written and synced share the next one. A write is
 * acknowledged after its sync, so an acknowledged write survives SIGKILL (and power loss with {@code sync}). It is
 * visible to readers of this EMS from its commit on; if the chunk write then fails (disk full), that writer gets
 * the error while readers may already have seen the change — the EMS reports the store unhealthy then.
 */
public final class EmbeddedStore implements Store {
    private static final String REVISION = "revision";

    private final Path file;
    private final MVStore store;
    private final MVMap<String, byte[]> kv;
    private final MVMap<String, Long> meta;
    private final boolean sync;
    private long revision;
    private final Object syncLock = new Object();
    private volatile long durable;
    private long syncs;

    /**
     * @param sync fsync every commit (survives power loss; SIGKILL is survived either way since a commit's
     *             write has reached the kernel when commit returns)
     */
    /**
     * The store holds the CA's private key, pre-shared keys and token hashes: the file is made (or put back to) 0600
     * before the store opens it, in a directory made 0700; an existing directory that others can enter is reported,
     * not changed (it may be shared on purpose).
     */
    static void privateFile(Path dir, Path file) throws java.io.IOException {
        java.nio.file.attribute.FileAttribute<?> d = java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        java.nio.file.attribute.FileAttribute<?> f = java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        if (dir != null && !Files.isDirectory(dir)) {
            if (dir.getParent() != null) {
                Files.createDirectories(dir.getParent());
            }
            Files.createDirectory(dir, d);
        } else if (dir != null) {
            var perms = Files.getPosixFilePermissions(dir);
            if (perms.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)
                    || perms.contains(java.nio.file.attribute.PosixFilePermission.GROUP_EXECUTE)) {
                System.getLogger(EmbeddedStore.class.getName()).log(System.Logger.Level.WARNING, "the store's "
                        + "directory " + dir + " is open to other users (" + java.nio.file.attribute
                        .PosixFilePermissions.toString(perms) + "); the store file itself is kept 0600");
            }
        }
        if (!Files.exists(file)) {
            Files.createFile(file, f);
        }
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }

    public EmbeddedStore(Path file, boolean sync) throws StoreException {
        this.file = file;
        this.sync = sync;
        try {
            Path dir = file.toAbsolutePath().getParent();
            privateFile(dir, file);
            store = new MVStore.Builder().fileName(file.toString()).autoCommitDisabled().open();
        } catch (Exception e) {
            throw new StoreException("cannot open the embedded store " + file + ": " + e.getMessage()
                    + (String.valueOf(e.getMessage()).contains("lock") ? " (is another EMS using it?)" : ""), e);
        }
        kv = store.openMap("kv");
        meta = store.openMap("meta");
        revision = meta.getOrDefault(REVISION, 0L);
        durable = revision;
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

    /**
     * Stages the changes in the store's maps under the next revision; {@link #sync} writes them (with every other
     * writer's staged since) as one MVStore commit. A failure while staging restores what this writer changed.
     */
    @Override
    public synchronized long commit(long expectedRevision, Map<String, byte[]> changes) throws StoreException {
        if (expectedRevision != revision) {
            throw new RevisionConflictException(expectedRevision, revision);
        }
        long next = revision + 1;
        Map<String, byte[]> before = new HashMap<>();
        try {
            for (Map.Entry<String, byte[]> c : changes.entrySet()) {
                byte[] old = c.getValue() == null ? kv.remove(c.getKey())
                        : kv.put(c.getKey(), pack(c.getValue(), next));
                before.putIfAbsent(c.getKey(), old);
            }
            meta.put(REVISION, next);
        } catch (RuntimeException e) {
            for (Map.Entry<String, byte[]> b : before.entrySet()) {
                if (b.getValue() == null) {
                    kv.remove(b.getKey());
                } else {
                    kv.put(b.getKey(), b.getValue());
                }
            }
            meta.put(REVISION, revision);
            throw new StoreException("embedded store write failed: " + e.getMessage(), e);
        }
        revision = next;
        return next;
    }

    @Override
    public void sync(long upTo) throws StoreException {
        if (durable >= upTo) {
            return;
        }
        synchronized (syncLock) {
            if (durable >= upTo) {
                return; // another writer's commit and fsync covered this one
            }
            long target;
            try {
                synchronized (this) {
                    target = revision; // everything staged so far goes into this one chunk
                    store.commit();
                }
                if (sync) {
                    store.sync();
                }
            } catch (RuntimeException e) {
                throw new StoreException("embedded store commit failed: " + e.getMessage(), e);
            }
            syncs++;
            durable = target;
        }
    }

    /** fsyncs done (group commit: fewer than commits under concurrent writers). */
    public long syncs() {
        synchronized (syncLock) {
            return syncs;
        }
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
            store.close(); // commits what is staged
        }
    }
}
