package org.secmon.tools.replay;

import java.io.PrintStream;
import java.util.Locale;

import org.secmon.dataplane.source.CaptureFileSource;

/**
 * Replay's progress line, on a terminal only: packets, rate, per cent of the capture and the time left, rewritten
 * in place once a second. Piped or redirected, replay prints only its summary (scripts and tests read that, or
 * {@code --summary-json}).
 */
final class Progress {
    private static final long EVERY_NANOS = 1_000_000_000L;

    private final PrintStream err;
    private final CaptureFileSource capture;
    private final boolean on;
    private long lastNanos;
    private boolean shown;

    private Progress(PrintStream err, CaptureFileSource capture, boolean on) {
        this.err = err;
        this.capture = capture;
        this.on = on;
    }

    /** Shown when this process talks to a terminal ({@link java.io.Console#isTerminal()}). */
    static Progress onTerminal(PrintStream err, CaptureFileSource capture) {
        java.io.Console c = System.console();
        return new Progress(err, capture, c != null && c.isTerminal());
    }

    /** For tests: always on. */
    static Progress always(PrintStream err, CaptureFileSource capture) {
        return new Progress(err, capture, true);
    }

    void show(long packets, long elapsedNanos) {
        if (!on || elapsedNanos - lastNanos < EVERY_NANOS) {
            return;
        }
        lastNanos = elapsedNanos;
        err.print("\r" + line(packets, elapsedNanos, capture == null ? -1 : capture.progress()) + "\u001b[K");
        err.flush();
        shown = true;
    }

    /** Ends the progress line so that the summary starts on a line of its own. */
    void done() {
        if (shown) {
            err.println();
        }
    }

    /** The line: {@code [replay] 42% 4,200,000 packets 3.51 Mpps, 2 s left} (no % or time left when unknown). */
    static String line(long packets, long elapsedNanos, double fraction) {
        double secs = elapsedNanos / 1e9;
        StringBuilder b = new StringBuilder("[replay] ");
        if (fraction >= 0) {
            b.append(String.format(Locale.ROOT, "%3.0f%% ", fraction * 100));
        }
        b.append(String.format(Locale.ROOT, "%,d packets %.2f Mpps", packets, secs > 0 ? packets / secs / 1e6 : 0));
        if (fraction > 0.01 && fraction < 1) {
            long left = Math.round(secs * (1 - fraction) / fraction);
            b.append(left >= 60 ? String.format(Locale.ROOT, ", %d min %02d s left", left / 60, left % 60)
                    : String.format(Locale.ROOT, ", %d s left", left));
        }
        return b.toString();
    }
}
