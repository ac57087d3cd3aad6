package org.secmon.ems.server.auth;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Back-off for failed logins, per (user name, source address) and per source address: after
 * {@link #PAIR_FREE} failures of one name from one address, each further attempt waits 1, 2, 4 ... s (at most
 * {@link #MAX_WAIT_SECONDS}) after the last failure; a source that fails {@link #SOURCE_FREE} times with any names
 * backs off the same way. Keyed by the pair, so an attacker elsewhere cannot lock a user out of his own address. A
 * success clears the pair; entries are forgotten {@link #FORGET_SECONDS} after their last failure. Bounded memory: at
 * most {@link #MAX_ENTRIES} entries, the forgotten ones swept first, then all (the back-off restarts, no crash).
 */
public final class LoginThrottle {
    static final int PAIR_FREE = 5;
    static final int SOURCE_FREE = 50;
    static final long MAX_WAIT_SECONDS = 300;
    static final long FORGET_SECONDS = 900;
    static final int MAX_ENTRIES = 100_000;

    private record Entry(int failures, long lastNanos) {
    }

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    /** Seconds to wait before the next attempt of {@code user} from {@code source}; 0 when it may go ahead now. */
    public long waitSeconds(String user, String source, long nowNanos) {
        return Math.max(wait(pair(user, source), PAIR_FREE, nowNanos), wait("src " + source, SOURCE_FREE, nowNanos));
    }

    public void failed(String user, String source, long nowNanos) {
        if (entries.size() >= MAX_ENTRIES) {
            entries.values().removeIf(e -> nowNanos - e.lastNanos() > FORGET_SECONDS * 1_000_000_000L);
            if (entries.size() >= MAX_ENTRIES) {
                entries.clear();
            }
        }
        for (String k : new String[] {pair(user, source), "src " + source}) {
            entries.merge(k, new Entry(1, nowNanos), (a, b) -> new Entry(fresh(a, nowNanos) ? 1 : a.failures() + 1,
                    nowNanos));
        }
    }

    public void succeeded(String user, String source) {
        entries.remove(pair(user, source));
    }

    private long wait(String key, int free, long nowNanos) {
        Entry e = entries.get(key);
        if (e == null || e.failures() < free || fresh(e, nowNanos)) {
            return 0;
        }
        long backoff = Math.min(MAX_WAIT_SECONDS, 1L << Math.min(20, e.failures() - free));
        long elapsed = (nowNanos - e.lastNanos()) / 1_000_000_000L;
        return Math.max(0, backoff - elapsed);
    }

    private static boolean fresh(Entry e, long nowNanos) {
        return nowNanos - e.lastNanos() > FORGET_SECONDS * 1_000_000_000L;
    }

    private static String pair(String user, String source) {
        return (user == null ? "" : user.toLowerCase(Locale.ROOT)) + "\u0000" + source;
    }

    /** The host of "host:port" as the EMS writes remote peers (IPv6 hosts keep their colons). */
    public static String host(String remote) {
        if (remote == null) {
            return "";
        }
        int c = remote.lastIndexOf(':');
        return c > 0 ? remote.substring(0, c) : remote;
    }
}
