package org.secmon.console.core;

import java.util.concurrent.Callable;
import java.util.function.Consumer;

import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;

import org.secmon.ems.api.client.EmsException;

/**
 * What every view model has: a busy flag and a status line for long operations, an error line, and {@link #async}
 * to run a call off the UI thread and apply its result on it.
 */
public abstract class ViewModel {
    private final ReadOnlyBooleanWrapper busy = new ReadOnlyBooleanWrapper(false);
    private final ReadOnlyStringWrapper status = new ReadOnlyStringWrapper("");
    private final ReadOnlyStringWrapper error = new ReadOnlyStringWrapper("");
    private int running;
    protected final Dispatch dispatch;

    protected ViewModel(Dispatch dispatch) {
        this.dispatch = dispatch;
    }

    public ReadOnlyBooleanProperty busyProperty() {
        return busy.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty statusProperty() {
        return status.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty errorProperty() {
        return error.getReadOnlyProperty();
    }

    protected void setError(String message) {
        error.set(message == null ? "" : message);
    }

    protected void setStatus(String message) {
        status.set(message == null ? "" : message);
    }

    /**
     * Runs {@code call} off the UI thread with {@code what} as the status ("Saving rule web..."), then {@code done}
     * with its result on the UI thread; a failure goes to {@code failed} (default: the error line).
     */
    protected <T> void async(String what, Callable<T> call, Consumer<T> done, Consumer<Exception> failed) {
        running++;
        busy.set(true);
        // a notice such as "saved rule web" stays once the progress text of what follows it is gone
        String before = status.get().endsWith("...") ? "" : status.get();
        status.set(what + "...");
        dispatch.work(() -> {
            T result;
            try {
                result = call.call();
            } catch (Exception e) {
                dispatch.ui(() -> {
                    finish();
                    status.set(before);
                    (failed != null ? failed : (Consumer<Exception>) x -> setError(describe(x))).accept(e);
                });
                return;
            }
            dispatch.ui(() -> {
                finish();
                status.set(before);
                error.set("");
                done.accept(result);
            });
        });
    }

    protected <T> void async(String what, Callable<T> call, Consumer<T> done) {
        async(what, call, done, null);
    }

    private void finish() {
        running--;
        busy.set(running > 0);
    }

    /** An operator's reading of a failure: the EMS's own words when it answered. */
    public static String describe(Exception e) {
        if (e instanceof EmsException x) {
            return x.describe();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
