package org.secmon.ems.ctl;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.secmon.ems.api.client.EmsClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "audit", description = "The audit log: who changed what, newest first.")
final class AuditCommand extends CtlCommand {
    @Option(names = "--limit", defaultValue = "50", description = "how many records (default 50)")
    int limit;
    @Mixin
    OutputOption output;

    @Override
    public Integer call() {
        try (EmsClient ems = ctl.client()) {
            JsonNode page = ems.call("GET", "audit?limit=" + limit, null);
            List<ObjectNode> rows = new ArrayList<>();
            for (JsonNode n : page.path("items")) {
                rows.add((ObjectNode) n);
            }
            Output.print(ctl.out(), output.format(), rows);
        }
        return 0;
    }
}
