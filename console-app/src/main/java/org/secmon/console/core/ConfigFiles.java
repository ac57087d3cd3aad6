package org.secmon.console.core;

import java.nio.file.Path;

/** Where the console keeps what it remembers: {@code $XDG_CONFIG_HOME/secmon} (default {@code ~/.config/secmon}). */
public final class ConfigFiles {
    private ConfigFiles() {
    }

    public static Path file(String name) {
        String xdg = System.getenv("XDG_CONFIG_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".config");
        return base.resolve("secmon").resolve(name);
    }
}
