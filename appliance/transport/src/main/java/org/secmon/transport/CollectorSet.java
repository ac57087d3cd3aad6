package org.secmon.transport;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/** Collectors that share one plugin's output, and how sessions are spread over them. */
public record CollectorSet(String name, List<Collector> collectors, LbAlgorithm algorithm) {
    public CollectorSet {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(algorithm, "algorithm");
        collectors = List.copyOf(collectors);
        if (collectors.isEmpty()) {
            throw new IllegalArgumentException("collector set " + name + ": no collectors");
        }
        if (collectors.size() > 256) {
            throw new IllegalArgumentException("collector set " + name + ": at most 256 collectors");
        }
        Set<String> names = new HashSet<>();
        for (Collector c : collectors) {
            if (!names.add(c.name())) {
                throw new IllegalArgumentException("collector set " + name + ": collector " + c.name() + " twice");
            }
        }
        if (algorithm == LbAlgorithm.WEIGHTED_ROUND_ROBIN && collectors.stream().allMatch(c -> c.weight() == 0)) {
            throw new IllegalArgumentException("collector set " + name
                    + ": weighted_round_robin needs at least one collector with a weight above 0");
        }
    }

    /**
     * The collectors of a plugin configuration: {@code collector: HOST:PORT} and/or {@code collectors: [{name,
     * address, port, type, weight, dscp}]}, with {@code lb} and {@code collector_set}; a top-level {@code dscp} is
     * the default of collectors that do not say.
     *
     * @param defaultType the type of collectors that do not say
     * @param defaultPort the port of collectors that do not say
     */
    public static CollectorSet parse(org.secmon.plugin.PluginConfig c, CollectorType defaultType, int defaultPort,
            String defaultName) {
        List<Collector> cols = new ArrayList<>();
        CollectorType type = c.has("type") ? CollectorType.parse(c.string("type", "")) : defaultType;
        int dscp = c.intValue("dscp", 0);
        if (c.has("collector")) {
            cols.add(Collector.parse(c.string("collector", ""), type).withDscp(dscp));
        }
        for (org.secmon.plugin.PluginConfig cc : c.children("collectors")) {
            String addr = cc.string("address", cc.string("host", null));
            if (addr == null) {
                throw new IllegalArgumentException("collectors: every collector needs an 'address'");
            }
            int port = cc.intValue("port", defaultPort);
            String name = cc.string("name", addr + ":" + port);
            cols.add(new Collector(name, addr, port, cc.has("type") ? CollectorType.parse(cc.string("type", ""))
                    : type, cc.intValue("weight", 1), cc.intValue("dscp", dscp)));
        }
        if (cols.isEmpty()) {
            throw new IllegalArgumentException("no collector configured: set 'collector: HOST:PORT' or 'collectors'");
        }
        return new CollectorSet(c.string("collector_set", defaultName), cols,
                LbAlgorithm.parse(c.string("lb", "session")));
    }

    /** A set of one. */
    public static CollectorSet of(Collector c) {
        return new CollectorSet(c.name(), List.of(c), LbAlgorithm.SESSION);
    }

    public int size() {
        return collectors.size();
    }
}
