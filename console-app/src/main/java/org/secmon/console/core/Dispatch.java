package org.secmon.console.core;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import javafx.application.Platform;

/**
 * Where view models run their work: REST and SSH calls on background threads, results back on the UI thread. The
 * console uses {@link #fx()}; view-model tests use {@link #direct()}, which runs both inline, so that they need no
 * toolkit and no waiting.
 */
public interface Dispatch {
    /** Runs blocking work (a REST or SSH call) off the UI thread. */
    void work(Runnable r);

    /** Runs an update of UI state (properties bound to controls) on the UI thread. */
    void ui(Runnable r);

    static Dispatch fx() {
        ExecutorService pool = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("console-work-", 0)
                .factory());
        return new Dispatch() {
            @Override
            public void work(Runnable r) {
                pool.execute(r);
            }

            @Override
            public void ui(Runnable r) {
                if (Platform.isFxApplicationThread()) {
                    r.run();
                } else {
                    Platform.runLater(r);
                }
            }
        };
    }

    static Dispatch direct() {
        return new Dispatch() {
            @Override
            public void work(Runnable r) {
                r.run();
            }

            @Override
            public void ui(Runnable r) {
                r.run();
            }
        };
    }
}
