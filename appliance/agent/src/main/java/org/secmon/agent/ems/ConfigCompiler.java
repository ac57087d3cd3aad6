package org.secmon.agent.ems;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.secmon.dataplane.filter.Action;
import org.secmon.dataplane.filter.IpPrefix;
import org.secmon.dataplane.filter.PortRange;
import org.secmon.dataplane.filter.Rule;
import org.secmon.dataplane.host.PluginSetup;
import org.secmon.ems.api.model.ResourceKind;
import org.secmon.plugin.PluginConfig;

/**
 * Compiles a scope's configuration into what the plugin host runs: per plugin, the 7-tuple rules of its
 * association's policy and the plugin's own configuration (collectors, load balancing, timeouts...). Pure: no I/O,
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
     */
    public record Result(Map<String, PluginSetup> setups, List<String> warnings) {
    }

    private ConfigCompiler() {
    }

    public static Result compile(ScopeConfig c) {
        Map<String, PluginSetup> setups = new LinkedHashMap<>();
        List<String> warnings = new ArrayList<>();
        for (String plugin : List.of("netflow", "sflow", "rawforward")) {
            ResourceKind kind = PLUGINS.get(plugin);
            List<ObjectNode> assocs = new ArrayList<>(c.all(kind));
            if (assocs.isEmpty()) {
                continue;
            }
            assocs.sort(Comparator.comparing(a -> a.path("name").asText()));
            ObjectNode a = assocs.getFirst();
            if (assocs.size() > 1) {
                warnings.add(kind.collection() + ": " + assocs.size() + " in scope " + c.scopeName()
                        + "; an appliance runs one per plugin, using '" + a.path("name").asText() + "'");
            }
            boolean enabled = c.scope().path(plugin + "_enabled").asBoolean(true);
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
                warnings.add(kind.singular() + " '" + a.path("name").asText() + "': " + e.getMessage());
            }
        }
        return new Result(setups, warnings);
    }

    // ---- filter ------------------------------------------------------------------------------------------------

    private static ObjectNode policy(ScopeConfig c, ObjectNode assoc) {
        ObjectNode p = c.get("policies", assoc.path("policy").asText(null));
        if (p == null) {
            throw new IllegalArgumentException("its policy " + assoc.path("policy").asText() + " is not in the scope");
        }
        return p;
    }

    private static Action defaultAction(ScopeConfig c, ObjectNode assoc) {
        return action(policy(c, assoc).path("default_action").asText("drop"));
    }

    static List<Rule> rules(ScopeConfig c, ObjectNode assoc, List<String> warnings) {
        ObjectNode policy = policy(c, assoc);
        String direction = assoc.path("direction").asText("both").toLowerCase(Locale.ROOT);
        if (!direction.equals("ingress") && !direction.equals("egress") && !direction.equals("both")) {
            throw new IllegalArgumentException("direction must be ingress, egress or both, not '" + direction + "'");
        }
        List<Rule> out = new ArrayList<>();
        for (JsonNode ruleId : policy.path("rules")) {
            ObjectNode r = c.get("rules", ruleId.asText());
            if (r == null) {
                warnings.add("policy '" + policy.path("name").asText() + "': rule " + ruleId.asText() + " missing");
                continue;
            }
            ObjectNode co = c.get("classification_objects", r.path("classification_object").asText(null));
            if (co == null) {
                warnings.add("rule '" + r.path("name").asText() + "': its classification object is missing");
                continue;
            }
            try {
                Rule rule = new Rule(r.path("priority").asInt(Rule.MAX_PRIORITY),
                        IpPrefix.parse(co.path("src_ip").asText("any")),
                        IpPrefix.parse(co.path("dst_ip").asText("any")),
                        Rule.parseProtocol(co.path("protocol").asText("any")),
                        PortRange.parse(co.path("src_port").asText("any")),
                        PortRange.parse(co.path("dst_port").asText("any")),
                        Rule.parseMac(co.path("src_mac").asText("any")),
                        Rule.parseMac(co.path("dst_mac").asText("any")),
                        action(r.path("action").asText("forward")),
                        r.path("truncate_to_size").asInt(0));
                // ingress: the classification object as written (towards what it describes); egress: the other
                // direction of the same conversations; both: either, at the rule's priority
                if (!direction.equals("egress")) {
                    out.add(rule);
                }
                if (!direction.equals("ingress") && (direction.equals("egress") || !rule.isSymmetric())) {
                    out.add(rule.reversed());
                }
            } catch (IllegalArgumentException e) {
                warnings.add("rule '" + r.path("name").asText() + "': " + e.getMessage());
            }
        }
        return out;
    }

    private static Action action(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "drop" -> Action.DROP;
            case "forward" -> Action.FORWARD;
            default -> throw new IllegalArgumentException("action must be forward or drop, not '" + s + "'");
        };
    }

    // ---- plugin configuration ----------------------------------------------------------------------------------

    private static PluginConfig netflow(ScopeConfig c, ObjectNode assoc) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("collectors", collectors(c, assoc, "netflow"));
        m.put("lb", lb(c, assoc));
        ObjectNode set = c.get("collector_sets", assoc.path("collector_set").asText(null));
        m.put("collector_set", set == null ? assoc.path("name").asText() : set.path("name").asText());
        ObjectNode cfg = c.all(ResourceKind.NETFLOW_CONFIGS).stream().findFirst().orElse(null);
        if (cfg != null) {
            m.put("active_timeout", cfg.path("active_timeout").asLong(60));
            m.put("inactive_timeout", cfg.path("inactive_timeout").asLong(120));
            m.put("template_refresh_packets", cfg.path("template_refresh_packets").asLong(20));
            m.put("template_refresh_seconds", cfg.path("template_refresh_seconds").asLong(600));
            m.put("max_flows", cfg.path("max_flows").asLong(2_000_000));
            m.put("pacing_kbps", cfg.path("pacing_kbps").asLong(0));
        }
        ObjectNode mon = c.get("netflow_monitors", assoc.path("monitor").asText(null));
        if (mon != null) {
            if (mon.path("match_fields").size() > 0) {
                m.put("match", strings(mon.path("match_fields")));
            }
            if (mon.path("collect_fields").size() > 0) {
                m.put("collect", strings(mon.path("collect_fields")));
            }
        }
        return PluginConfig.of(m);
    }

    private static String lb(ScopeConfig c, ObjectNode assoc) {
        ObjectNode set = c.get("collector_sets", assoc.path("collector_set").asText(null));
        return set == null ? "session" : set.path("lb_algorithm").asText("session");
    }

    private static PluginConfig sflow(ScopeConfig c, ObjectNode assoc) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("collectors", collectors(c, assoc, "sflow"));
        m.put("lb", lb(c, assoc));
        ObjectNode cfg = c.all(ResourceKind.SFLOW_CONFIGS).stream().findFirst().orElse(null);
        if (cfg != null) {
            if (cfg.hasNonNull("agent_address")) {
                m.put("agent_address", cfg.path("agent_address").asText());
            }
            m.put("sub_agent_id", cfg.path("sub_agent_id").asLong(0));
            m.put("sampling_rate", cfg.path("sampling_rate").asLong(1000));
            m.put("polling_interval", cfg.path("polling_interval").asLong(20));
            m.put("header_size", cfg.path("header_size").asInt(128));
            m.put("pacing_kbps", cfg.path("pacing_kbps").asLong(0));
        }
        return PluginConfig.of(m);
    }

    private static List<String> strings(JsonNode arr) {
        List<String> out = new ArrayList<>();
        arr.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** The association's collector, or its collector set's members with their weights. */
    private static List<Map<String, Object>> collectors(ScopeConfig c, ObjectNode assoc, String plugin) {
        List<Map<String, Object>> out = new ArrayList<>();
        String single = assoc.path("collector").asText(null);
        if (single != null) {
            out.add(collector(c, single, 1, plugin));
            return out;
        }
        ObjectNode set = c.get("collector_sets", assoc.path("collector_set").asText(null));
        if (set == null) {
            throw new IllegalArgumentException("its collector set " + assoc.path("collector_set").asText()
                    + " is not in the scope");
        }
        for (JsonNode mem : set.path("members")) {
            out.add(collector(c, mem.path("collector").asText(), mem.path("weight").asInt(1), plugin));
        }
        return out;
    }

    private static Map<String, Object> collector(ScopeConfig c, String id, int weight, String plugin) {
        ObjectNode col = c.get("collectors", id);
        if (col == null) {
            throw new IllegalArgumentException("collector " + id + " is not in the scope");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", col.path("name").asText());
        m.put("address", col.path("address").asText());
        m.put("port", col.path("port").asInt());
        String type = col.path("type").asText();
        m.put("type", plugin.equals("netflow") && !type.equals("ipfix") ? "netflow" : type);
        if (col.has("encapsulation")) {
            m.put("encapsulation", col.path("encapsulation").asText());
        }
        if (col.path("dscp").asInt(0) != 0) {
            m.put("dscp", col.path("dscp").asInt());
        }
        m.put("weight", weight);
        return m;
    }
}
