package org.secmon.ems.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedStoreTest extends StoreContract {
    @TempDir
    Path dir;

    @Override
    Store open() throws Exception {
        return new EmbeddedStore(dir.resolve("ems.mv"), true);
    }

    @Override
    Store reopen(Store s) throws Exception {
        s.close();
        return new EmbeddedStore(dir.resolve("ems.mv"), true);
    }

    /** Concurrent writers share fsyncs (fewer syncs than commits) and every acknowledged write is in the file. */
    @Test
    void groupCommitSharesSyncsAndKeepsEveryWrite() throws Exception {
        EmbeddedStore s = new EmbeddedStore(dir.resolve("group.mv"), true);
        int threads = 8;
        int each = 40;
        List<Thread> ts = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < threads; t++) {
            int id = t;
            ts.add(Thread.ofPlatform().start(() -> {
                try {
                    for (int i = 0; i < each; i++) {
                        long rev;
                        while (true) {
                            try {
                                rev = s.commit(s.revision(), Map.of("k/" + id + "-" + i,
                                        ("v" + i).getBytes(StandardCharsets.UTF_8)));
                                break;
                            } catch (RevisionConflictException conflict) {
                                // another writer was first: read the revision again
                            }
                        }
                        s.sync(rev); // acknowledged only after this
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        for (Thread t : ts) {
            t.join();
        }
        assertTrue(failures.isEmpty(), failures.toString());
        assertEquals(threads * each, s.revision());
        assertTrue(s.syncs() < threads * each, "syncs " + s.syncs() + " for " + threads * each + " commits");
        s.close();
        try (EmbeddedStore again = new EmbeddedStore(dir.resolve("group.mv"), true)) {
            Store.Snapshot snap = again.load();
            assertEquals(threads * each, snap.revision());
            assertEquals(threads * each, snap.items().size());
        }
    }
}
