package org.secmon.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Predicate;

/**
 * The one deadline loop of the tests: poll a condition until it holds or the time is up, then fail with what was
 * awaited and the last value seen (never a bare "timed out"). Polls every 20 ms, backing off to 200 ms.
 */
public final class Await {
    private Await() {
    }

    /** Waits until {@code condition} holds; fails with {@code what} after {@code timeout}. */
    public static void until(Duration timeout, String what, Condition condition) {
        value(timeout, what, condition::holds, ok -> ok, ok -> "");
    }

    /**
     * {@link #until(Duration, String, Condition)}, with {@code detail} — read only when the wait failed, e.g. the log
     * of the process waited for — added to the failure's message.
     */
    public static void until(Duration timeout, String what, Condition condition, Callable<String> detail) {
        try {
            until(timeout, what, condition);
        } catch (AssertionError e) {
            String more;
            try {
                more = detail.call();
            } catch (Exception x) {
                more = "(" + x + ")";
            }
            throw new AssertionError(e.getMessage() + "\n" + more, e.getCause() != null ? e.getCause() : e);
        }
    }

    /** A condition that may throw (reading a file, calling a server): an exception counts as "not yet". */
    @FunctionalInterface
    public interface Condition {
        boolean holds() throws Exception;
    }

    /**
     * Waits until {@code probe}'s value satisfies {@code done} and returns it; fails with {@code what} and the last
     * value (or the last exception the probe threw) after {@code timeout}. Exceptions and assertion failures of the
     * probe (a command that fails while a server restarts) count as "not yet".
     */
    public static <T> T until(Duration timeout, String what, Callable<T> probe, Predicate<? super T> done) {
        return value(timeout, what, probe, done, String::valueOf);
    }

    /**
     * Waits until the process started with its output to {@code log} has written {@code marker} (e.g. tshark's
     * "Capturing on"); fails at once, with the log, when the process ends first.
     */
    public static void started(Process process, Path log, String marker, Duration timeout) {
        until(timeout, log.getFileName() + " shows '" + marker + "'", () -> {
            String text = Files.exists(log) ? Files.readString(log) : "";
            if (text.contains(marker)) {
                return true;
            }
            if (!process.isAlive()) {
                throw new Abort("ended with status " + process.exitValue() + " before '" + marker
                        + "':\n" + text);
            }
            return false;
        });
    }

    /** Thrown by a probe when waiting longer is pointless (the process it waits for has ended): fails at once. */
    public static final class Abort extends RuntimeException {
        public Abort(String message) {
            super(message);
        }
    }

    /** A check that asserts, and may throw checked exceptions (HTTP calls, process output). */
    @FunctionalInterface
    public interface Check {
        void run() throws Exception;
    }

    /**
     * Runs {@code check} every {@code every} for {@code duration}: for what must <em>stay</em> true, e.g. a deleted
     * object that must not come back. The first failed check fails at once.
     */
    public static void during(Duration duration, Duration every, Check check) {
        long end = System.nanoTime() + duration.toNanos();
        while (true) {
            try {
                check.run();
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            if (System.nanoTime() - end >= 0) {
                return;
            }
            sleep(every.toMillis());
        }
    }

    private static <T> T value(Duration timeout, String what, Callable<T> probe, Predicate<? super T> done,
                               java.util.function.Function<T, String> show) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = 20;
        T last = null;
        Throwable lastError = null;
        while (true) {
            try {
                last = probe.call();
                lastError = null;
                if (done.test(last)) {
                    return last;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            } catch (Abort e) {
                throw new AssertionError(what + ": " + e.getMessage(), e);
            } catch (Exception | AssertionError e) {
                lastError = e;
            }
            if (System.nanoTime() - deadline >= 0) {
                String seen = lastError != null ? "; last attempt failed: " + lastError
                        : show.apply(last).isEmpty() ? "" : "; last value: " + show.apply(last);
                throw new AssertionError("not within " + timeout.toMillis() + " ms: " + what + seen, lastError);
            }
            sleep(pause);
            pause = Math.min(200, pause * 2);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
