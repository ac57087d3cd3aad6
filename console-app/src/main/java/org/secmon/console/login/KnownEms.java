package org.secmon.console.login;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.TreeMap;

/**
 * The EMS certificates the operator accepted, as SSH's known_hosts: one {@code host:port SHA-256-fingerprint} per
 * line in {@code ~/.config/secmon/known_ems}. A changed certificate is never accepted silently.
 */
public final class KnownEms {
    private final Path file;
    private final Map<String, String> known = new TreeMap<>();

    public KnownEms(Path file) {
        this.file = file;
        if (file != null && Files.isReadable(file)) {
            try {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    String[] f = line.strip().split("\\s+");
                    if (f.length == 2 && !f[0].startsWith("#")) {
                        known.put(f[0], f[1]);
                    }
                }
            } catch (IOException e) {
                // unreadable: every EMS is new, the operator is asked again
            }
        }
    }

    public static Path defaultFile() {
        return org.secmon.console.core.ConfigFiles.file("known_ems");
    }

    /** The accepted fingerprint for {@code host:port}, or null. */
    public String get(String hostPort) {
        return known.get(hostPort);
    }

    /** Remembers a fingerprint (written at once: temp file, then atomic move). */
    public void put(String hostPort, String fingerprint) throws IOException {
        known.put(hostPort, fingerprint);
        if (file == null) {
            return;
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        StringBuilder sb = new StringBuilder("# EMS certificates accepted in the SecMon console\n");
        known.forEach((k, v) -> sb.append(k).append(' ').append(v).append('\n'));
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".known_ems", ".tmp");
        Files.writeString(tmp, sb, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
