package org.secmon.agent;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.secmon.ems.server.Ems;
import org.secmon.ems.server.Main;
import org.secmon.ems.server.store.Backup;
import org.secmon.ems.server.store.ConsulStore;
import org.secmon.ems.server.store.EmbeddedStore;
import org.secmon.ems.server.store.Schema;
import org.secmon.ems.server.store.Store;
import org.secmon.ems.server.store.StoreException;
import org.secmon.ems.testkit.EmsFixture;
import org.secmon.testkit.ConsulServer;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code secmon ems backup} and {@code restore} on both stores, and the schema version the EMS keeps: backup → wipe →
 * restore gives the same {@code secmonctl export}; data written by the release before schema versions (the same
 * layout without {@value Schema#KEY}) is upgraded at start; data newer than the EMS, or an interrupted restore, is
 * refused untouched.
 */
class EmsBackupRestoreTest {
    @TempDir
    Path dir;

    /** More keys than one Consul transaction takes (63), so that a restore there is several commits. */
    private void populate(Path session, String base) throws Exception {
        AgentFixtures.ctl(session, "login", "--ems", base, "-u", "admin");
        AgentFixtures.applyDnsScope(session, dir.resolve("dns.yaml"), "tenant-a", 2055, 60, 120);
        StringBuilder y = new StringBuilder("scopes: [{name: tenant-b, project: lab}]\nclassification_objects:\n");
        for (int i = 0; i < 40; i++) {
            y.append("  - {scope: tenant-b, name: co").append(i).append(", protocol: tcp, dst_port: \"")
                    .append(1000 + i).append("\"}\n");
        }
        y.append("rules:\n");
        for (int i = 0; i < 40; i++) {
            y.append("  - {scope: tenant-b, name: r").append(i).append(", classification_object: co").append(i)
                    .append(", priority: ").append(10 + i).append(", action: forward}\n");
        }
        Files.writeString(dir.resolve("b.yaml"), y);
        AgentFixtures.ctl(session, "apply", "-f", dir.resolve("b.yaml").toString());
    }

    private static String export(Path session, String base) {
        AgentFixtures.ctl(session, "login", "--ems", base, "-u", "admin");
        return AgentFixtures.ctl(session, "export", "-o", "json");
    }

    /** Runs {@code secmon ems ARGS} in this JVM; returns {exit code, stdout, stderr}. */
    private static String[] ems(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = System.out;
        PrintStream e = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int rc;
        try {
            rc = new CommandLine(new Main()).execute(args);
        } finally {
            System.setOut(o);
            System.setErr(e);
        }
        return new String[] {Integer.toString(rc), out.toString(StandardCharsets.UTF_8),
            err.toString(StandardCharsets.UTF_8)};
    }

    @ParameterizedTest
    @ValueSource(strings = {"embedded", "consul"})
    void backupWipeRestoreGivesTheSameConfiguration(String kind) throws Exception {
        Path session = dir.resolve("ctl.json");
        Path file = dir.resolve("backup/ems-backup.json");
        try (ConsulServer consul = kind.equals("consul") ? ConsulServer.dev() : null) {
            List<String> storeArgs = kind.equals("consul")
                    ? List.of("--store", "consul", "--consul-url", consul.url(), "--consul-prefix", "secmon/")
                    : List.of("--data-dir", dir.resolve("ems").toString());
            String before;
            int keys;
            try (EmsFixture ems = new EmsFixture(open(kind, consul))) {
                populate(session, ems.base);
                before = export(session, ems.base);
                keys = ems.ems.repository().store().load().items().size();
            }
            assertTrue(keys > 63, "more keys than a Consul transaction takes: " + keys);

            String[] b = ems(args(storeArgs, "backup", "--out", file.toString()));
            assertEquals("0", b[0], b[1] + b[2]);
            assertTrue(b[1].contains("backed up " + keys + " keys"), b[1]);
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)),
                    "the backup holds password hashes and the CA key");
            assertTrue(Files.readString(file).contains("\"schema_version\" : " + Schema.CURRENT));

            // a store that is not empty is not overwritten without --force
            String[] refused = ems(args(storeArgs, "restore", "--in", file.toString()));
            assertEquals("3", refused[0], refused[1] + refused[2]);
            assertTrue(refused[2].contains("restore into an empty store, or give --force"), refused[2]);

            wipe(kind, consul);
            try (Store s = open(kind, consul)) {
                assertTrue(s.load().items().isEmpty(), "wiped");
            }
            String[] r = ems(args(storeArgs, "restore", "--in", file.toString()));
            assertEquals("0", r[0], r[1] + r[2]);
            assertTrue(r[1].contains("restored " + keys + " keys"), r[1]);
            try (EmsFixture ems = new EmsFixture(open(kind, consul))) {
                assertEquals(before, export(session, ems.base), "the configuration after backup, wipe, restore");
                assertFalse(ems.ems.repository().store().load().items().containsKey(Backup.IN_PROGRESS));
            }
            // --force replaces a store that has changed since
            try (EmsFixture ems = new EmsFixture(open(kind, consul))) {
                AgentFixtures.ctl(session, "login", "--ems", ems.base, "-u", "admin");
                AgentFixtures.ctl(session, "delete", "rule", "r7", "-s", "tenant-b");
                assertFalse(export(session, ems.base).equals(before));
            }
            String[] forced = ems(args(storeArgs, "restore", "--in", file.toString(), "--force"));
            assertEquals("0", forced[0], forced[1] + forced[2]);
            try (EmsFixture ems = new EmsFixture(open(kind, consul))) {
                assertEquals(before, export(session, ems.base), "the configuration after restore --force");
            }
        }
    }

    @Test
    void releaseDataIsUpgradedAndNewerDataRefused() throws Exception {
        Path session = dir.resolve("ctl.json");
        String before;
        try (EmsFixture ems = EmsFixture.embedded(dir)) {
            populate(session, ems.base);
            before = export(session, ems.base);
        }
        // the release before schema versions wrote this very layout, without the version key
        try (Store s = new EmbeddedStore(dir.resolve("ems.mv"), true)) {
            Map<String, byte[]> drop = new HashMap<>();
            drop.put(Schema.KEY, null);
            s.commit(s.revision(), drop);
            assertEquals(0, Schema.version(s.load()));
        }
        try (EmsFixture ems = EmsFixture.embedded(dir)) {
            assertEquals(before, export(session, ems.base), "release data served after the upgrade");
            assertEquals(Schema.CURRENT, Schema.version(ems.ems.repository().store().load()));
        }
        // data of a later release: refused, and left as it was
        long revision;
        try (Store s = new EmbeddedStore(dir.resolve("ems.mv"), true)) {
            revision = s.commit(s.revision(), Map.of(Schema.KEY, Schema.value(Schema.CURRENT + 1)));
        }
        try (Store s = new EmbeddedStore(dir.resolve("ems.mv"), true)) {
            StoreException e = assertThrows(StoreException.class, () -> new Ems(s, Duration.ofHours(1)));
            assertTrue(e.getMessage().contains("newer than this EMS"), e.getMessage());
            assertEquals(revision, s.revision(), "nothing written");
        }
        String[] start = ems("--data-dir", dir.toString(), "--port", "0");
        assertEquals("3", start[0], start[1] + start[2]);
        assertTrue(start[2].contains("schema version " + (Schema.CURRENT + 1)), start[2]);
        // an interrupted restore: the EMS does not serve half a configuration
        try (Store s = new EmbeddedStore(dir.resolve("ems.mv"), true)) {
            Map<String, byte[]> c = new HashMap<>();
            c.put(Schema.KEY, Schema.value(Schema.CURRENT));
            c.put(Backup.IN_PROGRESS, "{\"started_at\": \"now\"}".getBytes(StandardCharsets.UTF_8));
            s.commit(s.revision(), c);
            StoreException e = assertThrows(StoreException.class, () -> new Ems(s, Duration.ofHours(1)));
            assertTrue(e.getMessage().contains("interrupted restore"), e.getMessage());
        }
        // a backup of newer data or of another format is refused before the store is touched
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"format\": \"secmon-ems-backup\", \"format_version\": 1, \"schema_version\": "
                + (Schema.CURRENT + 1) + ", \"keys\": 0, \"items\": []}");
        String[] r = ems("--data-dir", dir.resolve("other").toString(), "restore", "--in", bad.toString());
        assertEquals("2", r[0], r[1] + r[2]);
        assertTrue(r[2].contains("reads up to " + Schema.CURRENT), r[2]);
        Files.writeString(bad, "{\"format\": \"secmon-ems-backup\", \"format_version\": 1, \"schema_version\": 1,"
                + " \"keys\": 5, \"items\": [{\"key\": \"rules/x\", \"value\": {}}]}");
        r = ems("--data-dir", dir.resolve("other").toString(), "restore", "--in", bad.toString());
        assertEquals("2", r[0], r[1] + r[2]);
        assertTrue(r[2].contains("truncated or edited"), r[2]);
        assertFalse(Files.exists(dir.resolve("other/ems.mv")), "no store made for a refused backup");
    }

    private static String[] args(List<String> store, String... more) {
        List<String> a = new ArrayList<>(store);
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    private Store open(String kind, ConsulServer consul) throws StoreException {
        return kind.equals("consul") ? new ConsulStore(consul.url(), "secmon/", null)
                : new EmbeddedStore(dir.resolve("ems/ems.mv"), true);
    }

    private void wipe(String kind, ConsulServer consul) throws Exception {
        if (kind.equals("consul")) {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(consul.url() + "/v1/kv/secmon/?recurse=true")).DELETE().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
        } else {
            Files.delete(dir.resolve("ems/ems.mv"));
        }
    }
}
