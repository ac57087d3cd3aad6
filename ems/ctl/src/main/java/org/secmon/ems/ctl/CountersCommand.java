package org.secmon.ems.ctl;

import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.secmon.ems.api.client.EmsClient;
import org.secmon.ems.api.model.ResourceKind;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "counters", description = "An appliance's counters from its last report: packets received, per "
        + "plugin (given, filtered, dropped, flows, records) and per collector.")
final class CountersCommand extends CtlCommand {
    @Parameters(index = "0", paramLabel = "APPLIANCE", description = "name (with --scope) or id")
    String ref;
    @Mixin
    ScopeOption scopeOption;
    @Mixin
    OutputOption output;

    @Override
    public Integer call() {
        Output.Format f = output.format();
        try (EmsClient ems = ctl.client()) {
            ObjectNode a = Ctl.lookup(ems, ResourceKind.APPLIANCES, scopeOption.scope, ref);
            ObjectNode c = ems.counters(a.path("id").asText());
            if (f == Output.Format.JSON || f == Output.Format.YAML) {
                Output.printOne(ctl.out(), f, c);
                return 0;
            }
            ctl.out().printf("appliance %s (%s), reported %s%n", c.path("name").asText(),
                    c.path("status").asText(), c.path("reported_at").asText("never"));
            flatten("", c.path("counters"), ctl.out());
        }
        return 0;
    }

    /** One line per counter: dotted path, value. */
    private static void flatten(String prefix, JsonNode n, java.io.PrintWriter out) {
        if (n.isObject()) {
            for (Map.Entry<String, JsonNode> e : n.properties()) {
                flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out);
            }
        } else if (n.isArray()) {
            for (int i = 0; i < n.size(); i++) {
                flatten(prefix + "[" + i + "]", n.get(i), out);
            }
        } else {
            out.printf("  %-56s %s%n", prefix, n.asText());
        }
    }
}
