package org.secmon.export;

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

    /** A set of one. */
    public static CollectorSet of(Collector c) {
        return new CollectorSet(c.name(), List.of(c), LbAlgorithm.SESSION);
    }

    public int size() {
        return collectors.size();
    }
}
