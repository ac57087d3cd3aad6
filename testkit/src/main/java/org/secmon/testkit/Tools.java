package org.secmon.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * External programs the tests check our output with (nfcapd, nfdump, tshark, softflowd...). {@code ./secmon test}
 * installs them when run as root and then sets {@code SECMON_REQUIRE_TOOLS=1}: a missing tool fails the test
 * instead of skipping it, so CI can never go green by skipping.
 */
public final class Tools {
    private static final List<String> DIRS = List.of("/usr/bin", "/usr/sbin", "/bin", "/sbin", "/usr/local/bin");

    private Tools() {
    }

    /** The tool's path; skips the test (or fails it under SECMON_REQUIRE_TOOLS=1) when it is not installed. */
    public static Path require(String name) {
        for (String d : DIRS) {
            Path p = Path.of(d, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        // tools the project's scripts unpack themselves (consul): .secmon/tools/bin in the repository
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path p = dir.resolve(".secmon/tools/bin").resolve(name);
            if (Files.isExecutable(p)) {
                return p;
            }
            if (Files.exists(dir.resolve("secmon")) && Files.exists(dir.resolve("pom.xml"))) {
                break;
            }
        }
        String msg = name + " is not installed (./secmon deps, as root, installs it)";
        if ("1".equals(System.getenv("SECMON_REQUIRE_TOOLS"))) {
            Assertions.fail(msg);
        }
        Assumptions.abort(msg);
        return null;
    }

    /**
     * Debian's python3 with {@code module} importable (python3-scapy...: the Python tools come from Debian, not a
     * package index); skips, or fails under SECMON_REQUIRE_TOOLS=1, like {@link #require}.
     */
    public static Path requirePython(String module) throws IOException, InterruptedException {
        Path python = require("python3");
        Result r = exec(List.of(python.toString(), "-c", "import " + module), 60);
        if (r.exitCode() != 0) {
            String msg = "python3 module " + module + " is not installed (./secmon deps, as root, installs python3-"
                    + module + "): " + r.err().strip();
            if ("1".equals(System.getenv("SECMON_REQUIRE_TOOLS"))) {
                Assertions.fail(msg);
            }
            Assumptions.abort(msg);
        }
        return python;
    }

    /** What a command printed and how it ended. */
    public record Result(int exitCode, String out, String err) {
        public List<String> lines() {
            return out.lines().toList();
        }
    }

    /**
     * Run a command to completion. Its output goes to files, not pipes, so a command that prints a lot cannot
     * block, and the timeout holds whatever it does (the command is killed and an exception thrown).
     */
    public static Result exec(List<String> cmd, long timeoutSeconds) throws IOException, InterruptedException {
        Path out = Files.createTempFile("secmon-test", ".out");
        Path err = Files.createTempFile("secmon-test", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new IOException(cmd + " did not finish within " + timeoutSeconds + " s");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
