package org.secmon.ems.ctl;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.secmon.ems.api.client.EmsClient;
import org.secmon.ems.api.model.ResourceKind;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "flows", description = "An appliance's largest flows, per flow cache (the NetFlow plugin), as its "
        + "last report listed them: protocol, endpoints, the server or query name from the flow's metadata "
        + "(TLS/QUIC server name, HTTP host, DNS query; with metadata collect fields), packets, bytes, TCP flags, "
        + "age. The agent sends its top 20 with every report (--report-flows).")
final class FlowsCommand extends CtlCommand {
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
            ObjectNode r = ems.flows(a.path("id").asText());
            if (f == Output.Format.JSON || f == Output.Format.YAML) {
                Output.printOne(ctl.out(), f, r);
                return 0;
            }
            PrintWriter out = ctl.out();
            out.printf("appliance %s (%s), reported %s%n", r.path("name").asText(), r.path("status").asText(),
                    r.path("reported_at").asText("never"));
            JsonNode flows = r.path("flows");
            if (flows.isEmpty()) {
                out.println("no flows reported (no flow cache is running, or the agent runs with"
                        + " --report-flows 0)");
            }
            for (Map.Entry<String, JsonNode> e : flows.properties()) {
                JsonNode p = e.getValue();
                out.printf("%s: %s%n", e.getKey(), p.has("error") ? "not listed: " + p.path("error").asText()
                        : p.path("note").asText());
                if (!p.has("error")) {
                    table(p, out);
                }
            }
            out.flush();
        }
        return 0;
    }

    /** Columns as wide as their widest value, numbers right-aligned and grouped, like the SSH CLI's tables. */
    static void table(JsonNode p, PrintWriter out) {
        List<String> cols = new ArrayList<>();
        p.path("columns").forEach(c -> cols.add(c.asText()));
        int n = cols.size();
        int[] width = new int[n];
        boolean[] numeric = new boolean[n];
        for (int c = 0; c < n; c++) {
            width[c] = cols.get(c).length();
            numeric[c] = !p.path("rows").isEmpty();
        }
        List<String[]> cells = new ArrayList<>();
        for (JsonNode row : p.path("rows")) {
            String[] line = new String[n];
            for (int c = 0; c < n; c++) {
                JsonNode v = row.path(c);
                line[c] = v.isIntegralNumber() ? String.format(Locale.ROOT, "%,d", v.asLong())
                        : v.isMissingNode() || v.isNull() ? "-" : v.asText();
                numeric[c] &= v.isNumber();
                width[c] = Math.max(width[c], line[c].length());
            }
            cells.add(line);
        }
        String[] head = cols.stream().map(c -> c.toUpperCase(Locale.ROOT)).toArray(String[]::new);
        print(out, head, width, numeric);
        for (String[] line : cells) {
            print(out, line, width, numeric);
        }
    }

    private static void print(PrintWriter out, String[] cells, int[] width, boolean[] numeric) {
        StringBuilder sb = new StringBuilder("  ");
        for (int c = 0; c < cells.length; c++) {
            String pad = " ".repeat(width[c] - cells[c].length());
            sb.append(numeric[c] ? pad + cells[c] : cells[c] + pad).append("  ");
        }
        out.println(sb.toString().stripTrailing());
    }
}
