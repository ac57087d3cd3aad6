package org.secmon.transport;

import java.util.Objects;

/**
 * One collector: where a plugin's output goes. {@code weight} (0..100) matters only inside a weighted collector
 * set; 0 makes the collector a standby. {@code dscp} (0..63) marks every datagram to it (the IP header's DS field),
 * so that networks and IPsec tunnels can treat classes of exports differently; 0 is best effort.
 */
public record Collector(String name, String host, int port, CollectorType type, int weight, int dscp) {
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
        if (dscp < 0 || dscp > 63) {
            throw new IllegalArgumentException("collector " + name + ": dscp must be 0..63, not " + dscp);
        }
    }

    public Collector(String name, String host, int port, CollectorType type, int weight) {
        this(name, host, port, type, weight, 0);
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

    /** The same collector with another DSCP. */
    public Collector withDscp(int d) {
        return new Collector(name, host, port, type, weight, d);
    }

    @Override
    public String toString() {
        return name + " (" + type.key() + " " + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port
                + (weight != 1 ? ", weight " + weight : "") + (dscp != 0 ? ", dscp " + dscp : "") + ")";
    }
}
