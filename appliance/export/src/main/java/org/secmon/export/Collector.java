package org.secmon.export;

import java.util.Objects;

/**
 * One collector: where a plugin's output goes. {@code weight} (0..100) matters only inside a weighted collector
 * set; 0 makes the collector a standby.
 */
public record Collector(String name, String host, int port, CollectorType type, int weight) {
    public Collector {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(type, "type");
        if (host.isBlank()) {
            throw new IllegalArgumentException("collector " + name + ": address is empty");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("collector " + name + ": port must be 1..65535, not " + port);
        }
        if (weight < 0 || weight > 100) {
            throw new IllegalArgumentException("collector " + name + ": weight must be 0..100, not " + weight);
        }
    }

    public Collector(String name, String host, int port, CollectorType type) {
        this(name, host, port, type, 1);
    }

    /**
     * {@code HOST:PORT}, {@code [V6]:PORT}; the name defaults to the address itself.
     */
    public static Collector parse(String hostPort, CollectorType type) {
        String s = hostPort.trim();
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new IllegalArgumentException("collector '" + hostPort + "': expected HOST:PORT or [IPV6]:PORT");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            throw new IllegalArgumentException("collector '" + hostPort + "': write IPv6 addresses as [ADDR]:PORT");
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("collector '" + hostPort + "': port is not a number");
        }
        return new Collector(s, host, port, type, 1);
    }

    @Override
    public String toString() {
        return name + " (" + type.key() + " " + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port
                + (weight != 1 ? ", weight " + weight : "") + ")";
    }
}
