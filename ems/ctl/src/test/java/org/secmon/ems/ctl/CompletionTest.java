package org.secmon.ems.ctl;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.testkit.Tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code secmonctl generate-completion} prints a bash completion script; bash itself, given it, completes
 * subcommands and their options.
 */
class CompletionTest {
    @Test
    void bashCompletesSubcommandsAndOptions(@TempDir Path dir) throws Exception {
        StringWriter out = new StringWriter();
        int rc = Ctl.run(Map.of(), new PrintWriter(out), new PrintWriter(new StringWriter()), "generate-completion");
        assertEquals(0, rc);
        Path script = dir.resolve("secmonctl.bash");
        Files.writeString(script, out.toString());
        assertEquals("scrape-token", complete(script, "secmonctl scrape"));
        assertTrue(complete(script, "secmonctl enroll --").contains("--scope"), complete(script, "secmonctl enroll --"));
        assertTrue(complete(script, "secmonctl ").contains("login"), complete(script, "secmonctl "));
    }

    /** What bash offers for {@code line} (the cursor at its end), with the script sourced. */
    private static String complete(Path script, String line) throws Exception {
        Path bash = Tools.require("bash");
        String words = line.endsWith(" ") ? line + "''" : line;
        String program = "source " + script + "\n"
                + "COMP_WORDS=(" + words + "); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMP_LINE='" + line + "'; "
                + "COMP_POINT=${#COMP_LINE}\n"
                + "_complete_secmonctl secmonctl \"${COMP_WORDS[COMP_CWORD]}\" \"${COMP_WORDS[COMP_CWORD-1]}\"\n"
                + "echo \"${COMPREPLY[*]}\"\n";
        Tools.Result r = Tools.exec(List.of(bash.toString(), "-c", program), 30);
        assertEquals(0, r.exitCode(), r.err());
        return r.out().strip();
    }
}
