package org.secmon.transport;

import java.util.Locale;

/** What a collector expects to receive. */
public enum CollectorType {
    NETFLOW, IPFIX, SFLOW, RAWFORWARD;

    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code netflow}, {@code ipfix}, {@code sflow} or {@code rawforward} (also accepts {@code v9}, {@code v10}). */
    public static CollectorType parse(String s) {
        String k = s.trim().toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
        return switch (k) {
            case "netflow", "v9", "netflowv9", "nf9" -> NETFLOW;
            case "ipfix", "v10" -> IPFIX;
            case "sflow", "sflowv5" -> SFLOW;
            case "rawforward", "raw" -> RAWFORWARD;
            default -> throw new IllegalArgumentException(
                    "collector type must be netflow, ipfix, sflow or rawforward, not '" + s + "'");
        };
    }
}
