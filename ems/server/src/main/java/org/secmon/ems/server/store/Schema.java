package org.secmon.ems.server.store;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The version of the stored data's layout, kept in the store itself ({@value #KEY}), and the migrations that bring
 * older data up to {@link #CURRENT}. The EMS runs {@link #migrate} at start, before anything reads the data: every
 * migration due is applied in one atomic commit together with the new version, so a crash leaves the data either as
 * it was or fully migrated, and two EMS instances starting at once on one Consul store migrate once (the second
 * one's commit conflicts, it reloads and finds the data current). Data newer than this EMS is refused untouched.
 *
 * <p>Versions: 0 — data written before the version was kept (SecMon up to stop 32: no {@value #KEY} key);
 * 1 — the same layout, versioned.
 */
public final class Schema {
    /** The layout this EMS reads and writes. */
    public static final int CURRENT = 1;
    /** Where the version is kept: a table no API serves. */
    public static final String KEY = "meta/schema";

    private static final System.Logger LOG = System.getLogger(Schema.class.getName());

    /**
     * A migration to version {@code to} from {@code to - 1}: the changes it makes to a snapshot at {@code to - 1}
     * (a null value deletes a key).
     */
    record Migration(int to, String what, Function<Store.Snapshot, Map<String, byte[]>> changes) {
    }

    /** In order: the i-th brings version i to i + 1. */
    static final List<Migration> MIGRATIONS = List.of(
            new Migration(1, "version the data (no layout change)", s -> Map.of()));

    private Schema() {
    }

    /** The version of {@code s}'s data: 0 when it carries none. */
    public static int version(Store.Snapshot s) throws StoreException {
        Store.Item item = s.items().get(KEY);
        if (item == null) {
            return 0;
        }
        String text = new String(item.value(), StandardCharsets.UTF_8);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\{\\s*\"version\"\\s*:\\s*(\\d{1,9})\\s*}")
                .matcher(text);
        if (!m.matches()) {
            throw new StoreException("the store's " + KEY + " is not {\"version\": N}: " + text);
        }
        return Integer.parseInt(m.group(1));
    }

    /** The value of {@value #KEY} for {@code version}. */
    public static byte[] value(int version) {
        return ("{\"version\": " + version + "}").getBytes(StandardCharsets.UTF_8);
    }

    /** Whether {@code s} holds nothing but, perhaps, its version (a new store). */
    static boolean empty(Store.Snapshot s) {
        return s.items().isEmpty() || s.items().size() == 1 && s.items().containsKey(KEY);
    }

    /**
     * Brings the store's data to {@link #CURRENT}: nothing to do when it is current; an empty store is stamped;
     * older data is migrated in one commit.
     *
     * @return the version the data had
     * @throws StoreException the data is newer than this EMS (nothing changed), or the store failed
     */
    public static int migrate(Store store) throws StoreException {
        for (int attempt = 0; ; attempt++) {
            Store.Snapshot s = store.load();
            Store.Item restoring = s.items().get(Backup.IN_PROGRESS);
            if (restoring != null) {
                throw new StoreException("the store holds an interrupted restore ("
                        + new String(restoring.value(), StandardCharsets.UTF_8) + "): run secmon ems restore again");
            }
            int from = version(s);
            if (from == CURRENT) {
                return from;
            }
            if (from > CURRENT) {
                throw new StoreException("the stored data has schema version " + from + ", newer than this EMS reads ("
                        + CURRENT + "): run the EMS release that wrote it, or restore a backup this release made");
            }
            Map<String, byte[]> changes = new LinkedHashMap<>();
            StringBuilder done = new StringBuilder();
            if (!empty(s)) {
                for (Migration m : MIGRATIONS.subList(from, CURRENT)) {
                    changes.putAll(m.changes().apply(s));
                    done.append(done.isEmpty() ? "" : "; ").append(m.to()).append(": ").append(m.what());
                }
            }
            changes.put(KEY, value(CURRENT));
            try {
                store.sync(store.commit(s.revision(), changes));
            } catch (RevisionConflictException e) {
                if (attempt < 5) {
                    continue; // another EMS wrote meanwhile (perhaps migrating too): look again
                }
                throw e;
            }
            if (!empty(s)) {
                LOG.log(System.Logger.Level.INFO, "stored data migrated from schema version " + from + " to "
                        + CURRENT + " (" + done + ")");
            }
            return from;
        }
    }
}
