package org.secmon.ems.ctl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.secmon.ems.api.Json;

/**
 * What {@code secmonctl login} remembers: the EMS URL, the user and the token, in a file only its owner can read
 * ({@code ~/.secmon/ctl.json} by default). Written atomically (temporary file, then rename).
 */
record Session(String ems, String user, String token, String expiresAt, String fingerprint) {
    Session(String ems, String user, String token, String expiresAt) {
        this(ems, user, token, expiresAt, null);
    }


    static Session load(Path file) throws IOException {
        if (!Files.exists(file)) {
            return new Session(null, null, null, null, null);
        }
        JsonNode n;
        try {
            n = Json.mapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + " is not a secmonctl session file (" + e.getMessage()
                    + "); delete it and log in again", e);
        }
        return new Session(n.path("ems").asText(null), n.path("user").asText(null), n.path("token").asText(null),
                n.path("expires_at").asText(null), n.path("tls_fingerprint").asText(null));
    }

    void save(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        ObjectNode n = Json.mapper().createObjectNode();
        n.put("ems", ems).put("user", user).put("token", token).put("expires_at", expiresAt);
        if (fingerprint != null) {
            n.put("tls_fingerprint", fingerprint);
        }
        writePrivate(file, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(n) + "\n");
    }

    /**
     * Writes a file that holds a secret (a token): through a temporary file created readable only by its owner, never
     * with the umask's permissions, moved into place atomically.
     */
    static void writePrivate(Path file, String content) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(tmp, content);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static void delete(Path file) throws IOException {
        Files.deleteIfExists(file);
    }
}
