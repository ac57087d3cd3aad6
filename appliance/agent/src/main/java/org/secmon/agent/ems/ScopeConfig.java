package org.secmon.agent.ems;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.secmon.ems.api.Json;
import org.secmon.ems.api.model.Entity;
import org.secmon.ems.api.model.ResourceKind;
import org.secmon.ems.api.model.Scope;
import org.secmon.ems.api.schema.MappingErrors;

/**
 * The configuration of one scope as the EMS answered it: the scope itself and every entity of the collections an
 * appliance needs, by id. Immutable; the agent builds a new one for every change it applies and keeps the last one
 * on disk, so that it monitors with it when it starts while the EMS is away.
 *
 * @param version the scope's configuration version that this content is at least as new as
 */
public record ScopeConfig(ObjectNode scope, long version, Map<String, Map<String, ObjectNode>> tables) {
    /** The collections that make up an appliance's configuration. */
    public static final List<ResourceKind> KINDS = List.of(ResourceKind.CLASSIFICATION_OBJECTS, ResourceKind.RULES,
            ResourceKind.POLICIES, ResourceKind.COLLECTORS, ResourceKind.COLLECTOR_SETS,
            ResourceKind.NETFLOW_MONITORS, ResourceKind.NETFLOW_CONFIGS, ResourceKind.SFLOW_CONFIGS,
            ResourceKind.INGEST_CONFIGS, ResourceKind.NETFLOW_ASSOCIATIONS, ResourceKind.SFLOW_ASSOCIATIONS, ResourceKind.RAWFORWARD_ASSOCIATIONS);

    private static final int FORMAT = 1;

    public ScopeConfig {
        Map<String, Map<String, ObjectNode>> copy = new LinkedHashMap<>();
        for (ResourceKind k : KINDS) {
            copy.put(k.collection(), Map.copyOf(tables.getOrDefault(k.collection(), Map.of())));
        }
        tables = java.util.Collections.unmodifiableMap(copy);
    }

    public static boolean isConfigTable(String collection) {
        return KINDS.stream().anyMatch(k -> k.collection().equals(collection));
    }

    public String scopeId() {
        return scope.path("id").asText();
    }

    public String scopeName() {
        return scope.path("name").asText();
    }

    public Collection<ObjectNode> all(ResourceKind kind) {
        return tables.get(kind.collection()).values();
    }

    // ---- typed reads: the ems/api records ---------------------------------------------------------------------

    /**
     * Records read from what the EMS answered: fields this appliance does not know (a newer EMS, computed fields
     * such as {@code config_version}) are skipped, the rest is read by the model's own rules (defaults, enum words).
     */
    private static final ObjectMapper READER = Json.mapper().copy()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** The scope as its record. */
    public Scope scopeEntity() {
        return read(ResourceKind.SCOPES, scope);
    }

    /** Entity {@code id} of {@code kind} as its ems/api record, or null when the scope has none (or id is null). */
    public <T extends Entity> T entity(ResourceKind kind, String id) {
        ObjectNode n = get(kind.collection(), id);
        return n == null ? null : read(kind, n);
    }

    /** Every entity of {@code kind}, by name. */
    public <T extends Entity> List<T> entities(ResourceKind kind) {
        List<ObjectNode> nodes = new ArrayList<>(all(kind));
        nodes.sort(Comparator.comparing((ObjectNode n) -> n.path("name").asText()));
        List<T> out = new ArrayList<>(nodes.size());
        for (ObjectNode n : nodes) {
            out.add(read(kind, n));
        }
        return out;
    }

    /** A stored entity as its record; one the record cannot hold is an error naming the entity and the field. */
    @SuppressWarnings("unchecked")
    private static <T extends Entity> T read(ResourceKind kind, ObjectNode n) {
        try {
            return (T) READER.treeToValue(n, kind.type());
        } catch (JsonMappingException e) {
            throw new IllegalArgumentException(kind.singular().replace('_', ' ') + " '" + n.path("name").asText()
                    + "': " + MappingErrors.path(e) + " " + MappingErrors.message(e), e);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(kind.singular() + " '" + n.path("name").asText() + "': "
                    + e.getOriginalMessage(), e);
        }
    }

    public ObjectNode get(String collection, String id) {
        Map<String, ObjectNode> t = tables.get(collection);
        return t == null || id == null ? null : t.get(id);
    }

    /** A copy with one entity added, replaced ({@code entity} not null) or removed (null). */
    public ScopeConfig with(String collection, String id, ObjectNode entity) {
        Map<String, Map<String, ObjectNode>> t = new LinkedHashMap<>(tables);
        Map<String, ObjectNode> m = new LinkedHashMap<>(t.get(collection));
        if (entity == null) {
            m.remove(id);
        } else {
            m.put(id, entity);
        }
        t.put(collection, m);
        return new ScopeConfig(scope, version, t);
    }

    public ScopeConfig withScope(ObjectNode newScope, long newVersion) {
        return new ScopeConfig(newScope, newVersion, tables);
    }

    // ---- local copy --------------------------------------------------------------------------------------------

    /** Writes the configuration atomically (temporary file, fsync, rename). */
    public void save(Path file) throws IOException {
        ObjectNode doc = Json.mapper().createObjectNode();
        doc.put("format", FORMAT);
        doc.put("version", version);
        doc.set("scope", scope);
        ObjectNode t = doc.putObject("tables");
        tables.forEach((c, m) -> {
            ObjectNode byId = t.putObject(c);
            new TreeMap<>(m).forEach(byId::set);
        });
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".config", ".tmp");
        try {
            try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(Json.mapper().writeValueAsBytes(doc)));
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The saved configuration, or null when there is none; a damaged file is an exception naming it. */
    public static ScopeConfig load(Path file) throws IOException {
        if (!Files.exists(file)) {
            return null;
        }
        JsonNode doc;
        try {
            doc = Json.mapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + ": damaged saved configuration (" + e.getMessage() + ")", e);
        }
        if (doc.path("format").asInt() != FORMAT || !doc.path("scope").isObject()) {
            throw new IOException(file + ": not a saved SecMon appliance configuration (format "
                    + doc.path("format") + ")");
        }
        Map<String, Map<String, ObjectNode>> tables = new LinkedHashMap<>();
        doc.path("tables").properties().forEach(e -> {
            Map<String, ObjectNode> m = new LinkedHashMap<>();
            e.getValue().properties().forEach(x -> m.put(x.getKey(), (ObjectNode) x.getValue()));
            tables.put(e.getKey(), m);
        });
        return new ScopeConfig((ObjectNode) doc.get("scope"), doc.path("version").asLong(), tables);
    }
}
