package org.secmon.dataplane.testdata;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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
        String msg = name + " is not installed (./secmon deps, as root, installs it)";
        if ("1".equals(System.getenv("SECMON_REQUIRE_TOOLS"))) {
            Assertions.fail(msg);
        }
        Assumptions.abort(msg);
        return null;
    }
}
