package org.secmon.agent;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs {@code secmon replay} in this JVM and keeps what it printed. */
final class Replays {
    private Replays() {
    }

    record Run(int code, String out, String err) {
        long number(String regex) {
            Matcher m = Pattern.compile(regex).matcher(out);
            assertTrue(m.find(), "no match for " + regex + " in:\n" + out);
            return Long.parseLong(m.group(1).replace(",", ""));
        }
    }

    static Run replay(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code = ReplayCommand.run(args, new PrintStream(o, true, StandardCharsets.UTF_8),
                new PrintStream(e, true, StandardCharsets.UTF_8));
        return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }
}
