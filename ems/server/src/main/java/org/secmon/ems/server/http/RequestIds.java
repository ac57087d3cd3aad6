package org.secmon.ems.server.http;

import java.util.logging.Formatter;
import java.util.logging.LogRecord;
import java.util.regex.Pattern;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;

/**
 * Request ids: every answer carries {@code X-Request-Id} (the client's own when it sent a sane one, else a new
 * one), problem bodies repeat it as {@code request_id}, and every log line written while the request runs names it,
 * so that a user's error report finds the EMS's log lines.
 */
public final class RequestIds {
    public static final HeaderName HEADER = HeaderNames.create("X-Request-Id");
    private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    /** The id of the request the current thread serves (Helidon serves each request on a thread of its own). */
    private static final ThreadLocal<String> CURRENT = new ThreadLocal<>();

    private RequestIds() {
    }

    /** The client's id when it is sane (1 to 64 of [A-Za-z0-9._:-]), else a new random one. */
    public static String accept(String fromClient) {
        return fromClient != null && SANE.matcher(fromClient).matches() ? fromClient
                : java.util.UUID.randomUUID().toString();
    }

    public static void begin(String id) {
        CURRENT.set(id);
    }

    public static void end() {
        CURRENT.remove();
    }

    /** The current request's id, or null outside a request. */
    public static String current() {
        return CURRENT.get();
    }

    /**
     * java.util.logging's simple format with {@code [request ID]} before the message of records logged while a
     * request runs. Installed on the root handlers by the EMS's main.
     */
    public static final class LogFormatter extends Formatter {
        private final Formatter inner = new java.util.logging.SimpleFormatter();

        @Override
        public String format(LogRecord record) {
            String id = CURRENT.get();
            if (id != null && record.getMessage() != null) {
                LogRecord r = new LogRecord(record.getLevel(), "[request " + id + "] " + record.getMessage());
                r.setLoggerName(record.getLoggerName());
                r.setInstant(record.getInstant());
                r.setParameters(record.getParameters());
                r.setThrown(record.getThrown());
                r.setSourceClassName(record.getSourceClassName());
                r.setSourceMethodName(record.getSourceMethodName());
                r.setResourceBundle(record.getResourceBundle());
                return inner.format(r);
            }
            return inner.format(record);
        }

        /** Puts this formatter on every handler of the root logger. */
        public static void install() {
            for (java.util.logging.Handler h : java.util.logging.Logger.getLogger("").getHandlers()) {
                h.setFormatter(new LogFormatter());
            }
        }
    }
}
