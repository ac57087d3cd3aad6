package org.secmon.testkit;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * The one deadline loop of the tests: poll a condition until it holds or the time is up, then fail with what was
 * awaited and the last value seen (never a bare "timed out"). Polls every 20 ms, backing off to 200 ms.
 */
public final class Await {
    private Await() {
    }

    /** Waits until {@code condition} holds; fails with {@code what} after {@code timeout}. */
    public static void until(Duration timeout, String what, BooleanSupplier condition) {
        value(timeout, what, () -> condition.getAsBoolean(), ok -> ok, ok -> "");
    }

    /**
     * Waits until {@code probe}'s value satisfies {@code done} and returns it; fails with {@code what} and the last
     * value (or the last exception the probe threw) after {@code timeout}. Exceptions of the probe count as "not yet".
     */
    public static <T> T until(Duration timeout, String what, Callable<T> probe, Predicate<? super T> done) {
        return value(timeout, what, probe, done, String::valueOf);
    }

    private static <T> T value(Duration timeout, String what, Callable<T> probe, Predicate<? super T> done,
                               java.util.function.Function<T, String> show) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = 20;
        T last = null;
        Exception lastError = null;
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
            } catch (Exception e) {
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
