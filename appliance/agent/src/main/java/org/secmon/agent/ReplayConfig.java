package org.secmon.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import org.secmon.dataplane.filter.Action;
import org.secmon.dataplane.filter.IpPrefix;
import org.secmon.dataplane.filter.PortRange;
import org.secmon.dataplane.filter.Rule;
import org.secmon.dataplane.host.PluginSetup;
import org.secmon.plugin.DeliveryMode;
import org.secmon.plugin.PluginConfig;

/**
 * The plugin configuration file of {@code secmon replay --config} and of the agent: YAML or JSON.
 *
 * <pre>
 * plugins:
 *   count:                       # plugin id
 *     mode: direct               # direct | ring (default: the plugin's preference)
 *     default_action: drop       # for packets no rule matches (default drop; no rules = everything passes)
 *     rules:
 *       - priority: 10           # 1 (highest) .. 65535
 *         src_ip: 10.0.0.0/8     # IPv4 or IPv6 prefix, or any
 *         dst_ip: any
 *         protocol: tcp          # any, a number, tcp, udp, icmp, icmpv6, sctp, gre, esp
 *         src_port: any          # port or range 1024-65535
 *         dst_port: 80
 *         src_mac: any
 *         dst_mac: any
 *         action: forward        # forward | drop
 *         truncate_to_size: 0    # 0 (whole packet) .. 1600
 *     config: {}                 # plugin-specific settings
 * </pre>
 *
 * Errors name the file, the plugin, the rule index and the field.
 */
public final class ReplayConfig {
    private static final List<String> RULE_FIELDS = List.of("priority", "src_ip", "dst_ip", "protocol", "src_port",
            "dst_port", "src_mac", "dst_mac", "action", "truncate_to_size");
    private static final List<String> PLUGIN_FIELDS = List.of("mode", "default_action", "rules", "config");

    private ReplayConfig() {
    }

    /** Plugin id to setup. */
    public static Map<String, PluginSetup> load(Path file) throws IOException {
        Object root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readValue(Files.readAllBytes(file), Object.class);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file");
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": not valid YAML/JSON: " + e.getOriginalMessage()
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : ""));
        }
        try {
            return parse(root);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    static Map<String, PluginSetup> parse(Object root) {
        Map<String, PluginSetup> out = new LinkedHashMap<>();
        if (root == null) {
            return out;
        }
        Map<String, Object> top = map(root, "top level");
        for (String k : top.keySet()) {
            if (!k.equals("plugins")) {
                throw new IllegalArgumentException("unknown top-level key '" + k + "' (expected 'plugins')");
            }
        }
        Object plugins = top.get("plugins");
        if (plugins == null) {
            return out;
        }
        for (Map.Entry<String, Object> e : map(plugins, "plugins").entrySet()) {
            String id = e.getKey();
            String where = "plugin '" + id + "'";
            Map<String, Object> p = e.getValue() == null ? Map.of() : map(e.getValue(), where);
            for (String k : p.keySet()) {
                if (!PLUGIN_FIELDS.contains(k)) {
                    throw new IllegalArgumentException(where + ": unknown key '" + k + "' (expected one of "
                            + PLUGIN_FIELDS + ")");
                }
            }
            DeliveryMode mode = null;
            if (p.get("mode") != null) {
                mode = switch (p.get("mode").toString().toLowerCase(Locale.ROOT)) {
                    case "direct" -> DeliveryMode.DIRECT;
                    case "ring" -> DeliveryMode.RING;
                    default -> throw new IllegalArgumentException(where + ": mode must be direct or ring, not '"
                            + p.get("mode") + "'");
                };
            }
            Action def = p.get("default_action") == null ? Action.DROP
                    : action(p.get("default_action"), where + ": default_action");
            List<Rule> rules = new ArrayList<>();
            Object rs = p.get("rules");
            if (rs != null) {
                if (!(rs instanceof List<?> list)) {
                    throw new IllegalArgumentException(where + ": rules must be a list");
                }
                for (int i = 0; i < list.size(); i++) {
                    String rw = where + " rule " + (i + 1);
                    rules.add(rule(map(list.get(i), rw), rw));
                }
            }
            @SuppressWarnings("unchecked")
            Map<String, ?> cfg = p.get("config") == null ? Map.of() : map(p.get("config"), where + ": config");
            out.put(id, new PluginSetup(rules, def, PluginConfig.of(cfg), mode));
        }
        return out;
    }

    private static Rule rule(Map<String, Object> r, String where) {
        for (String k : r.keySet()) {
            if (!RULE_FIELDS.contains(k)) {
                throw new IllegalArgumentException(where + ": unknown field '" + k + "' (expected one of "
                        + RULE_FIELDS + ")");
            }
        }
        String field = "priority";
        try {
            int priority = r.get("priority") == null ? 100 : Integer.parseInt(str(r.get("priority")));
            field = "src_ip";
            IpPrefix src = IpPrefix.parse(str(r.get("src_ip")));
            field = "dst_ip";
            IpPrefix dst = IpPrefix.parse(str(r.get("dst_ip")));
            field = "protocol";
            int proto = Rule.parseProtocol(str(r.get("protocol")));
            field = "src_port";
            PortRange sp = PortRange.parse(str(r.get("src_port")));
            field = "dst_port";
            PortRange dp = PortRange.parse(str(r.get("dst_port")));
            field = "src_mac";
            long smac = Rule.parseMac(str(r.get("src_mac")));
            field = "dst_mac";
            long dmac = Rule.parseMac(str(r.get("dst_mac")));
            field = "action";
            Action a = r.get("action") == null ? Action.FORWARD : action(r.get("action"), where + ": action");
            field = "truncate_to_size";
            int trunc = r.get("truncate_to_size") == null ? 0 : Integer.parseInt(str(r.get("truncate_to_size")));
            return new Rule(priority, src, dst, proto, sp, dp, smac, dmac, a, trunc);
        } catch (IllegalArgumentException e) {
            String msg = e instanceof NumberFormatException ? "not a number: '" + r.get(field) + "'" : e.getMessage();
            throw new IllegalArgumentException(where + ": " + field + ": " + msg, e);
        }
    }

    private static Action action(Object v, String where) {
        return switch (v.toString().toLowerCase(Locale.ROOT)) {
            case "forward" -> Action.FORWARD;
            case "drop" -> Action.DROP;
            default -> throw new IllegalArgumentException(where + " must be forward or drop, not '" + v + "'");
        };
    }

    private static String str(Object o) {
        return o == null ? "" : o.toString();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o, String where) {
        if (!(o instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException(where + " must be a mapping, got '" + o + "'");
        }
        return (Map<String, Object>) m;
    }
}
