package org.secmon.dataplane.host;

import java.util.List;
import java.util.Objects;

import org.secmon.dataplane.filter.Action;
import org.secmon.dataplane.filter.Rule;
import org.secmon.plugin.DeliveryMode;
import org.secmon.plugin.PluginConfig;

/**
 * How the operator wants one plugin run: its filter rules (a policy), the action for packets no rule matches, its
 * configuration, and the delivery mode (null = the plugin's preferred mode).
 */
public record PluginSetup(List<Rule> rules, Action defaultAction, PluginConfig config, DeliveryMode mode) {
    public PluginSetup {
        rules = List.copyOf(Objects.requireNonNull(rules, "rules"));
        Objects.requireNonNull(defaultAction, "defaultAction");
        config = config == null ? PluginConfig.empty() : config;
    }

    /** No rules (everything passes), empty configuration, preferred mode. */
    public static PluginSetup defaults() {
        return new PluginSetup(List.of(), Action.DROP, PluginConfig.empty(), null);
    }

    public PluginSetup withConfig(PluginConfig c) {
        return new PluginSetup(rules, defaultAction, c, mode);
    }

    public PluginSetup withRules(List<Rule> r) {
        return new PluginSetup(r, defaultAction, config, mode);
    }

    public PluginSetup withMode(DeliveryMode m) {
        return new PluginSetup(rules, defaultAction, config, m);
    }
}
