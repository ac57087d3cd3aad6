package org.secmon.agent.ems;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.secmon.dataplane.filter.Action;
import org.secmon.dataplane.filter.IpPrefix;
import org.secmon.dataplane.filter.PortRange;
import org.secmon.dataplane.filter.Rule;
import org.secmon.dataplane.host.PluginSetup;
import org.secmon.dataplane.ingest.Ingest;
import org.secmon.dataplane.ingest.TunnelInterfaces;
import org.secmon.dataplane.parse.Decap;
import org.secmon.ems.api.model.Association;
import org.secmon.ems.api.model.ClassificationObject;
import org.secmon.ems.api.model.Collector;
import org.secmon.ems.api.model.CollectorSet;
import org.secmon.ems.api.model.CollectorSetMember;
import org.secmon.ems.api.model.CollectorType;
import org.secmon.ems.api.model.Direction;
import org.secmon.ems.api.model.FlowField;
import org.secmon.ems.api.model.IngestConfig;
import org.secmon.ems.api.model.LbAlgorithm;
import org.secmon.ems.api.model.NetflowConfig;
import org.secmon.ems.api.model.NetflowMonitor;
import org.secmon.ems.api.model.Policy;
import org.secmon.ems.api.model.ResourceKind;
import org.secmon.ems.api.model.Scope;
import org.secmon.ems.api.model.SflowConfig;
import org.secmon.plugin.PluginConfig;

/**
 * Compiles a scope's configuration into what the plugin host runs: per plugin, the 7-tuple rules of its
 * association's policy and the plugin's own configuration (collectors, load balancing, timeouts...), read as the
 * ems/api records (their defaults and enum words are the EMS's). Pure: no I/O,
 * no state; everything it cannot use is reported in {@link Result#warnings()} rather than thrown, so that one bad
 * entity never stops the rest of the scope from being applied.
 */
public final class ConfigCompiler {
    /** Plugin id to the association collection that configures it. */
    public static final Map<String, ResourceKind> PLUGINS = Map.of(
            "netflow", ResourceKind.NETFLOW_ASSOCIATIONS,
            "sflow", ResourceKind.SFLOW_ASSOCIATIONS,
            "rawforward", ResourceKind.RAWFORWARD_ASSOCIATIONS);

    /**
     * @param setups   per plugin id; a plugin without an association (or disabled in the scope) gets a setup that
     *                 forwards nothing, so that it stops seeing packets but keeps its collectors for what is pending
     * @param warnings what was left out, one line each
     * @param ingest   the scope's mirror ingest (decap, dedup), or null when it has none: the appliance keeps its own
     */
    public record Result(Map<String, PluginSetup> setups, List<String> warnings, Ingest ingest) {
    }

    private ConfigCompiler() {
    }

    public static Result compile(ScopeConfig c) {
        Map<String, PluginSetup> setups = new LinkedHashMap<>();
        List<String> warnings = new ArrayList<>();
        Scope scope;
        try {
            scope = c.scopeEntity();
        } catch (IllegalArgumentException e) {
            warnings.add(e.getMessage() + "; its plugins are taken as enabled");
            scope = null;
        }
        for (String plugin : List.of("netflow", "sflow", "rawforward")) {
            ResourceKind kind = PLUGINS.get(plugin);
            if (c.all(kind).isEmpty()) {
                continue;
            }
            try {
                List<Association> assocs = c.entities(kind);
                Association a = assocs.getFirst();
                if (assocs.size() > 1) {
                    warnings.add(kind.collection() + ": " + assocs.size() + " in scope " + c.scopeName()
                            + "; an appliance runs one per plugin, using '" + a.name() + "'");
                }
                boolean enabled = scope == null || enabled(scope, plugin);
                try {
                    PluginConfig config = switch (plugin) {
                        case "netflow" -> netflow(c, a);
                        case "sflow" -> sflow(c, a);
                        default -> PluginConfig.of(Map.of("collectors", collectors(c, a, plugin), "lb", lb(c, a)));
                    };
                    List<Rule> rules = enabled ? rules(c, a, warnings) : List.of();
                    Action def = enabled ? defaultAction(c, a) : Action.DROP;
                    setups.put(plugin, new PluginSetup(rules, def, config, PluginSetup.defaults().mode()));
                } catch (IllegalArgumentException e) {
                    warnings.add(kind.singular() + " '" + a.name() + "': " + e.getMessage());
                }
            } catch (IllegalArgumentException e) {
                warnings.add(e.getMessage()); // an association the record cannot hold: names it and the field
            }
        }
        return new Result(setups, warnings, ingest(c, warnings));
    }

    /** The scope's ingest configuration for the data plane; null when there is none (or it cannot be used). */
    private static Ingest ingest(ScopeConfig c, List<String> warnings) {
        try {
            List<IngestConfig> cfgs = c.entities(ResourceKind.INGEST_CONFIGS);
            if (cfgs.isEmpty()) {
                return null;
            }
            IngestConfig cfg = cfgs.getFirst();
            Map<Long, Integer> interfaces = new LinkedHashMap<>();
            for (IngestConfig.TunnelInterface t : cfg.interfaces()) {
                interfaces.put(t.tunnelId(), t.ifIndex());
            }
            return Ingest.of(Decap.parse(cfg.decapSpec(), cfg.decapDepth()), cfg.dedupMs())
                    .withInterfaces(TunnelInterfaces.of(interfaces));
        } catch (IllegalArgumentException e) {
            warnings.add("ingest_configs: " + e.getMessage() + "; the appliance keeps its own decap and dedup");
            return null;
        }
    }

    private static boolean enabled(Scope s, String plugin) {
        Boolean on = switch (plugin) {
            case "netflow" -> s.netflowEnabled();
            case "sflow" -> s.sflowEnabled();
            default -> s.rawforwardEnabled();
        };
        return on == null || on;
    }

    // ---- filter ------------------------------------------------------------------------------------------------

    private static Policy policy(ScopeConfig c, Association assoc) {
        Policy p = c.entity(ResourceKind.POLICIES, assoc.policy());
        if (p == null) {
            throw new IllegalArgumentException("its policy " + assoc.policy() + " is not in the scope");
        }
        return p;
    }

    private static Action defaultAction(ScopeConfig c, Association assoc) {
        org.secmon.ems.api.model.Action a = policy(c, assoc).defaultAction();
        return a == null ? Action.DROP : action(a);
    }

    static List<Rule> rules(ScopeConfig c, Association assoc, List<String> warnings) {
        Policy policy = policy(c, assoc);
        Direction direction = assoc.direction();
        List<Rule> out = new ArrayList<>();
        for (String ruleId : policy.rules()) {
            try {
                org.secmon.ems.api.model.Rule r = c.entity(ResourceKind.RULES, ruleId);
                if (r == null) {
                    warnings.add("policy '" + policy.name() + "': rule " + ruleId + " missing");
                    continue;
                }
                ClassificationObject co = c.entity(ResourceKind.CLASSIFICATION_OBJECTS, r.classificationObject());
                if (co == null) {
                    warnings.add("rule '" + r.name() + "': its classification object is missing");
                    continue;
                }
                try {
                    Rule rule = new Rule(r.priority() == null ? Rule.MAX_PRIORITY : r.priority(),
                            IpPrefix.parse(co.srcIp()), IpPrefix.parse(co.dstIp()), Rule.parseProtocol(co.protocol()),
                            PortRange.parse(co.srcPort()), PortRange.parse(co.dstPort()), Rule.parseMac(co.srcMac()),
                            Rule.parseMac(co.dstMac()), action(r.action()), r.truncateToSize());
                    // ingress: the classification object as written (towards what it describes); egress: the other
                    // direction of the same conversations; both: either, at the rule's priority
                    if (direction != Direction.EGRESS) {
                        out.add(rule);
                    }
                    if (direction == Direction.EGRESS || direction == Direction.BOTH && !rule.isSymmetric()) {
                        out.add(rule.reversed());
                    }
                } catch (IllegalArgumentException e) {
                    warnings.add("rule '" + r.name() + "': " + e.getMessage());
                }
            } catch (IllegalArgumentException e) {
                warnings.add(e.getMessage()); // a rule or object the record cannot hold
            }
        }
        return out;
    }

    private static Action action(org.secmon.ems.api.model.Action a) {
        return switch (a) {
            case DROP -> Action.DROP;
            case FORWARD -> Action.FORWARD;
        };
    }

    // ---- plugin configuration ----------------------------------------------------------------------------------

    private static PluginConfig netflow(ScopeConfig c, Association assoc) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("collectors", collectors(c, assoc, "netflow"));
        m.put("lb", lb(c, assoc));
        CollectorSet set = c.entity(ResourceKind.COLLECTOR_SETS, assoc.collectorSet());
        m.put("collector_set", set == null ? assoc.name() : set.name());
        List<NetflowConfig> cfgs = c.entities(ResourceKind.NETFLOW_CONFIGS);
        if (!cfgs.isEmpty()) {
            NetflowConfig cfg = cfgs.getFirst();
            m.put("active_timeout", (long) cfg.activeTimeout());
            m.put("inactive_timeout", (long) cfg.inactiveTimeout());
            m.put("template_refresh_packets", (long) cfg.templateRefreshPackets());
            m.put("template_refresh_seconds", (long) cfg.templateRefreshSeconds());
            m.put("max_flows", (long) cfg.maxFlows());
            m.put("pacing_kbps", cfg.pacingKbps() == null ? 0L : cfg.pacingKbps());
        }
        NetflowMonitor mon = c.entity(ResourceKind.NETFLOW_MONITORS, assoc.monitor());
        boolean ownElements = false; // SecMon's enterprise elements: layer-7 metadata, tunnel sources
        if (mon != null) {
            if (mon.matchFields() != null && !mon.matchFields().isEmpty()) {
                m.put("match", mon.matchFields().stream().map(FlowField::json).toList());
                ownElements = mon.matchFields().contains(FlowField.OBSERVATION_POINT);
            }
            if (mon.collectFields() != null && !mon.collectFields().isEmpty()) {
                List<String> collect = mon.collectFields().stream().filter(f -> !f.metadata()).map(FlowField::json)
                        .toList();
                List<String> metadata = mon.collectFields().stream().filter(FlowField::metadata)
                        .map(FlowField::json).toList();
                if (!collect.isEmpty()) {
                    m.put("collect", collect);
                }
                if (!metadata.isEmpty()) {
                    m.put("metadata", metadata);
                    ownElements = true;
                }
            }
        }
        if (ownElements && !cfgs.isEmpty()) { // the record fills in the default (32473) when it was not given
            m.put("enterprise_number", cfgs.getFirst().enterpriseNumber());
        }
        return PluginConfig.of(m);
    }

    private static String lb(ScopeConfig c, Association assoc) {
        CollectorSet set = c.entity(ResourceKind.COLLECTOR_SETS, assoc.collectorSet());
        return set == null || set.lbAlgorithm() == null ? LbAlgorithm.SESSION.json() : set.lbAlgorithm().json();
    }

    private static PluginConfig sflow(ScopeConfig c, Association assoc) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("collectors", collectors(c, assoc, "sflow"));
        m.put("lb", lb(c, assoc));
        List<SflowConfig> cfgs = c.entities(ResourceKind.SFLOW_CONFIGS);
        if (!cfgs.isEmpty()) {
            SflowConfig cfg = cfgs.getFirst();
            if (cfg.agentAddress() != null) {
                m.put("agent_address", cfg.agentAddress());
            }
            m.put("sub_agent_id", cfg.subAgentId());
            m.put("sampling_rate", (long) cfg.samplingRate());
            m.put("polling_interval", (long) cfg.pollingInterval());
            m.put("header_size", cfg.headerSize());
            m.put("pacing_kbps", cfg.pacingKbps() == null ? 0L : cfg.pacingKbps());
        }
        return PluginConfig.of(m);
    }

    /** The association's collector, or its collector set's members with their weights. */
    private static List<Map<String, Object>> collectors(ScopeConfig c, Association assoc, String plugin) {
        List<Map<String, Object>> out = new ArrayList<>();
        if (assoc.collector() != null) {
            out.add(collector(c, assoc.collector(), 1, plugin));
            return out;
        }
        CollectorSet set = c.entity(ResourceKind.COLLECTOR_SETS, assoc.collectorSet());
        if (set == null) {
            throw new IllegalArgumentException("its collector set " + assoc.collectorSet() + " is not in the scope");
        }
        for (CollectorSetMember mem : set.members()) {
            out.add(collector(c, mem.collector(), mem.weight(), plugin));
        }
        return out;
    }

    private static Map<String, Object> collector(ScopeConfig c, String id, int weight, String plugin) {
        Collector col = c.entity(ResourceKind.COLLECTORS, id);
        if (col == null) {
            throw new IllegalArgumentException("collector " + id + " is not in the scope");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", col.name());
        m.put("address", col.address());
        m.put("port", col.port());
        String type = col.type().json();
        m.put("type", plugin.equals("netflow") && col.type() != CollectorType.IPFIX ? "netflow" : type);
        if (col.encapsulation() != null) {
            m.put("encapsulation", col.encapsulation().json());
        }
        if (col.dscp() != null && col.dscp() != 0) {
            m.put("dscp", col.dscp());
        }
        if (plugin.equals("netflow") && Boolean.TRUE.equals(col.biflow())) {
            m.put("biflow", true);
        }
        m.put("weight", weight);
        return m;
    }
}
