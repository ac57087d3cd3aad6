package org.secmon.ems.server.store;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The contract every store passes: the embedded store and Consul run the same tests. */
abstract class StoreContract {
    /** A new, empty store. */
    abstract Store open() throws Exception;

    /** The same store opened again (after {@code s} was closed). */
    abstract Store reopen(Store s) throws Exception;

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void commitsAreAtomicVersionedAndDurable() throws Exception {
        Store s = open();
        assertTrue(s.load().items().isEmpty());
        long r0 = s.revision();
        Map<String, byte[]> batch = new LinkedHashMap<>();
        for (int i = 0; i < 20; i++) {
            batch.put("rules/" + i, b("{\"n\":" + i + "}"));
        }
        long r1 = s.commit(r0, batch);
        assertTrue(r1 > r0);
        assertEquals(r1, s.revision());
        Store.Snapshot snap = s.load();
        assertEquals(r1, snap.revision());
        assertEquals(20, snap.items().size());
        for (int i = 0; i < 20; i++) {
            Store.Item it = snap.items().get("rules/" + i);
            assertArrayEquals(b("{\"n\":" + i + "}"), it.value());
            assertEquals(r1, it.revision(), "every key of a commit carries its revision");
        }
        Map<String, byte[]> change = new LinkedHashMap<>();
        change.put("rules/0", null);
        change.put("rules/1", b("{\"n\":100}"));
        long r2 = s.commit(r1, change);
        snap = s.load();
        assertNull(snap.items().get("rules/0"));
        assertEquals(r2, snap.items().get("rules/1").revision());
        assertEquals(r1, snap.items().get("rules/2").revision());

        Store again = reopen(s);
        Store.Snapshot after = again.load();
        assertEquals(r2, after.revision());
        assertEquals(19, after.items().size());
        assertArrayEquals(b("{\"n\":100}"), after.items().get("rules/1").value());
        again.close();
    }

    @Test
    void rewritingTheSameValueStillTakesTheNewRevision() throws Exception {
        // another EMS instance loading the store must see the version the writer saw (Consul keeps the
        // ModifyIndex of a key whose value and flags did not change, unless the store makes the write differ)
        try (Store s = open()) {
            long r1 = s.commit(s.revision(), Map.of("same/1", b("{\"x\":1}")));
            long r2 = s.commit(r1, Map.of("same/1", b("{\"x\":1}")));
            assertTrue(r2 > r1);
            assertEquals(r2, s.load().items().get("same/1").revision());
        }
    }

    @Test
    void aStaleRevisionAppliesNothing() throws Exception {
        try (Store s = open()) {
            long r0 = s.revision();
            long r1 = s.commit(r0, Map.of("a/1", b("{}")));
            Map<String, byte[]> batch = new LinkedHashMap<>();
            batch.put("a/2", b("{}"));
            batch.put("a/3", b("{}"));
            assertThrows(RevisionConflictException.class, () -> s.commit(r0, batch));
            assertEquals(r1, s.revision());
            assertEquals(1, s.load().items().size(), "no partial batch");
        }
    }

    @Test
    void concurrentWritersThroughRepositoriesAllLandOnce() throws Exception {
        try (Store s = open()) {
            // two repositories on one store: two EMS instances on one Consul (the embedded store is one process)
            Repository a = new Repository(s);
            Repository b = s.shared() ? new Repository(s) : a;
            int threads = 4;
            int each = 25;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            ConcurrentHashMap<Long, Boolean> revisions = new ConcurrentHashMap<>();
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Repository repo = t % 2 == 0 ? a : b;
                int thread = t;
                fs.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < each; i++) {
                        int n = i;
                        Repository.Result<Void> r = repo.write(changes -> {
                            ObjectNode o = JsonNodeFactory.instance.objectNode().put("t", thread).put("i", n);
                            changes.put("items", thread + "-" + n, o);
                            // a counter every writer increments: lost updates would show
                            Repository.Doc c = repo.get("meta", "counter");
                            long v = c == null ? 0 : c.json().path("v").asLong();
                            changes.put("meta", "counter", JsonNodeFactory.instance.objectNode().put("v", v + 1));
                            return null;
                        });
                        assertFalse(revisions.containsKey(r.revision()), "revision reused");
                        revisions.put(r.revision(), true);
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : fs) {
                f.get();
            }
            pool.shutdown();
            a.sync();
            assertEquals(threads * each, a.count("items"));
            assertEquals(threads * each, a.get("meta", "counter").json().path("v").asLong(), "no lost update");
            assertEquals(threads * each, revisions.size());
        }
    }
}
