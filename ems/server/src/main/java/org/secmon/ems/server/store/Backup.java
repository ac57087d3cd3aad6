package org.secmon.ems.server.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@code secmon ems backup} and {@code restore}: every key of a store — embedded or Consul, the same file for both —
 * at one revision, as a JSON document.
 *
 * <pre>
 * {"format": "secmon-ems-backup", "format_version": 1, "schema_version": 1, "revision": 812,
 *  "created_at": "2026-12-02T20:01:00Z", "store": "embedded /var/lib/secmon/ems/ems.mv", "keys": 42,
 *  "items": [{"key": "rules/5f0c...", "value": {...}}, ...]}
 * </pre>
 *
 * A value that is not a JSON object (the EMS writes none; a damaged key) is kept as {@code "raw": BASE64}, so a
 * backup loses nothing. The file holds what the store holds — password and token hashes, the appliance CA's key —
 * and is written with mode 0600, through a temporary file renamed into place (never half written).
 *
 * <p>A restore goes into an empty store (or replaces everything with {@code force}). Consul takes at most 63 keys
 * per transaction, so a large restore is several commits: the first sets {@value #IN_PROGRESS}, which an EMS refuses
 * to start on, and the last removes it together with writing the schema version — an interrupted restore is never
 * served as a configuration, it is run again. The restored data is then migrated to this EMS's schema.
 */
public final class Backup {
    public static final String FORMAT = "secmon-ems-backup";
    public static final int FORMAT_VERSION = 1;
    /** Set while a restore is under way; an EMS does not start on a store that has it. */
    public static final String IN_PROGRESS = "meta/restore_in_progress";

    private static final ObjectMapper JSON = new ObjectMapper();

    private Backup() {
    }

    /** What a backup or restore did. */
    public record Summary(int keys, long revision, int schemaVersion) {
    }

    /** Writes every key of {@code store} to {@code file} (mode 0600, replaced atomically). */
    public static Summary write(Store store, Path file) throws StoreException, IOException {
        Store.Snapshot s = store.load();
        if (s.items().containsKey(IN_PROGRESS)) {
            throw new StoreException("the store holds an interrupted restore: run the restore again before a backup");
        }
        int schema = Schema.version(s);
        ObjectNode doc = JSON.createObjectNode();
        doc.put("format", FORMAT).put("format_version", FORMAT_VERSION).put("schema_version", schema)
                .put("revision", s.revision()).put("created_at", Instant.now().toString())
                .put("store", store.describe()).put("keys", s.items().size());
        ArrayNode items = doc.putArray("items");
        for (Map.Entry<String, Store.Item> e : new TreeMap<>(s.items()).entrySet()) {
            ObjectNode it = items.addObject().put("key", e.getKey());
            JsonNode v = parseObject(e.getValue().value());
            if (v != null) {
                it.set("value", v);
            } else {
                it.put("raw", Base64.getEncoder().encodeToString(e.getValue().value()));
            }
        }
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + abs.getFileName(), ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(doc));
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return new Summary(s.items().size(), s.revision(), schema);
    }

    /** A backup file read and checked, not yet applied. */
    public record Contents(int schemaVersion, long revision, String createdAt, Map<String, byte[]> items) {
    }

    /** Reads and checks {@code file}: its format, its schema version against this EMS, every key. */
    public static Contents read(Path file) throws StoreException {
        JsonNode doc;
        try {
            doc = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new StoreException("cannot read backup " + file + ": " + e.getMessage());
        }
        if (doc == null || !FORMAT.equals(doc.path("format").asText())) {
            throw new StoreException(file + " is not a SecMon EMS backup (no \"format\": \"" + FORMAT + "\")");
        }
        if (doc.path("format_version").asInt(-1) != FORMAT_VERSION) {
            throw new StoreException(file + ": backup format version " + doc.path("format_version")
                    + ", this EMS reads " + FORMAT_VERSION);
        }
        int schema = doc.path("schema_version").asInt(-1);
        if (schema < 0 || schema > Schema.CURRENT) {
            throw new StoreException(file + ": data of schema version " + doc.path("schema_version") + "; this EMS"
                    + " reads up to " + Schema.CURRENT + " (restore it with the release that made it)");
        }
        JsonNode items = doc.path("items");
        if (!items.isArray() || items.size() != doc.path("keys").asInt(-1)) {
            throw new StoreException(file + ": \"keys\" says " + doc.path("keys") + " but the file holds "
                    + (items.isArray() ? items.size() + " items" : "no item list") + " (truncated or edited?)");
        }
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (JsonNode it : items) {
            String key = it.path("key").asText("");
            int slash = key.indexOf('/');
            if (slash <= 0 || slash == key.length() - 1 || key.length() > 512) {
                throw new StoreException(file + ": item key '" + key + "' is not TABLE/ID");
            }
            byte[] value;
            if (it.path("value").isObject()) {
                try {
                    value = JSON.writeValueAsBytes(it.get("value"));
                } catch (IOException e) {
                    throw new StoreException(file + ": item " + key + ": " + e.getMessage());
                }
            } else if (it.path("raw").isTextual()) {
                try {
                    value = Base64.getDecoder().decode(it.get("raw").asText());
                } catch (IllegalArgumentException e) {
                    throw new StoreException(file + ": item " + key + ": raw is not base64");
                }
            } else {
                throw new StoreException(file + ": item " + key + " has neither an object value nor raw bytes");
            }
            if (out.put(key, value) != null) {
                throw new StoreException(file + ": key " + key + " appears twice");
            }
        }
        return new Contents(schema, doc.path("revision").asLong(), doc.path("created_at").asText(), out);
    }

    /**
     * Restores {@code backup} into {@code store}, which must be empty unless {@code force} (then every key not in
     * the backup is deleted), and migrates the data to this EMS's schema.
     */
    public static Summary restore(Store store, Contents backup, boolean force) throws StoreException {
        Store.Snapshot s = store.load();
        List<String> present = new ArrayList<>(s.items().keySet());
        present.remove(Schema.KEY);
        present.remove(IN_PROGRESS);
        if (!present.isEmpty() && !force) {
            throw new StoreException("the store (" + store.describe() + ") holds " + present.size() + " keys at revision "
                    + s.revision() + ": restore into an empty store, or give --force to replace everything in it");
        }
        Map<String, byte[]> all = new LinkedHashMap<>();
        for (String k : present) {
            if (!backup.items().containsKey(k)) {
                all.put(k, null);
            }
        }
        all.putAll(backup.items());
        all.remove(Schema.KEY); // written last, with the end of the restore
        all.remove(IN_PROGRESS);
        int batch = Math.max(1, store.maxBatch() - 1);
        long rev = store.commit(s.revision(), Map.of(IN_PROGRESS, marker(backup)));
        List<Map.Entry<String, byte[]>> entries = new ArrayList<>(all.entrySet());
        for (int i = 0; i < entries.size(); i += batch) {
            Map<String, byte[]> chunk = new LinkedHashMap<>();
            for (Map.Entry<String, byte[]> e : entries.subList(i, Math.min(entries.size(), i + batch))) {
                chunk.put(e.getKey(), e.getValue());
            }
            rev = store.commit(rev, chunk);
        }
        Map<String, byte[]> last = new LinkedHashMap<>();
        last.put(IN_PROGRESS, null);
        last.put(Schema.KEY, Schema.value(backup.schemaVersion()));
        store.sync(store.commit(rev, last));
        Schema.migrate(store);
        return new Summary(backup.items().size(), backup.revision(), backup.schemaVersion());
    }

    private static byte[] marker(Contents backup) {
        return ("{\"backup_created_at\": " + JSON.valueToTree(backup.createdAt()) + ", \"started_at\": \""
                + Instant.now() + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    private static JsonNode parseObject(byte[] v) {
        try {
            JsonNode n = JSON.readTree(v);
            return n != null && n.isObject() ? n : null;
        } catch (IOException e) {
            return null;
        }
    }
}
