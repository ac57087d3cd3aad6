package org.secmon.tools.replay;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressTest {
    @Test
    void theLineSaysHowFarHowFastAndHowLong() {
        assertEquals("[replay]  25% 1,000,000 packets 0.50 Mpps, 6 s left", Progress.line(1_000_000, 2_000_000_000L,
                0.25));
        assertEquals("[replay]  10% 30,000,000 packets 0.33 Mpps, 13 min 30 s left",
                Progress.line(30_000_000, 90_000_000_000L, 0.10));
        assertEquals("[replay] 100% 5 packets 0.00 Mpps", Progress.line(5, 2_000_000_000L, 1.0));
        assertEquals("[replay] 7,000 packets 0.01 Mpps", Progress.line(7_000, 1_000_000_000L, -1),
                "a capture looped for ever: no per cent, no time left");
    }

    @Test
    void onTheTerminalTheLineIsRewrittenOnceASecondAndEndedBeforeTheSummary() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Progress p = Progress.always(err, null);
        p.show(10, 500_000_000L); // before the first second: nothing
        p.show(20, 1_000_000_000L);
        p.show(30, 1_500_000_000L); // within the same second: nothing
        p.show(40, 2_000_000_000L);
        p.done();
        String s = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(2, s.split("\r", -1).length - 1, s);
        assertTrue(s.startsWith("\r[replay] 20 packets") && s.contains("\r[replay] 40 packets") && s.endsWith("\n"),
                s);
    }
}
