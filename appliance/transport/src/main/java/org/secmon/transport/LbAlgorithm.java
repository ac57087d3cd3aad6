package org.secmon.transport;

import java.util.Locale;

/** How a collector set spreads sessions over its collectors. */
public enum LbAlgorithm {
    /** A new session goes to the collector with the fewest active sessions (ties: lowest index). */
    SESSION,
    /** New sessions go to the collectors in turn. */
    ROUND_ROBIN,
    /** Smooth weighted round robin over weights 1..100; weight 0 is a standby used only when no weighted one is up. */
    WEIGHTED_ROUND_ROBIN;

    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static LbAlgorithm parse(String s) {
        String k = s.trim().toLowerCase(Locale.ROOT).replace('-', '_');
        return switch (k) {
            case "session", "least_sessions", "least_session" -> SESSION;
            case "round_robin", "rr" -> ROUND_ROBIN;
            case "weighted_round_robin", "wrr" -> WEIGHTED_ROUND_ROBIN;
            default -> throw new IllegalArgumentException(
                    "lb algorithm must be session, round_robin or weighted_round_robin, not '" + s + "'");
        };
    }
}
