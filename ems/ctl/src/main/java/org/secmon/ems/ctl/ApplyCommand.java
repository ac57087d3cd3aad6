package org.secmon.ems.ctl;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.secmon.ems.api.client.EmsClient;
import org.secmon.ems.api.model.ResourceKind;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "apply", description = {"Create or update everything in a configuration file (YAML or JSON: "
        + "collection -> list of entities, references by name). Idempotent: what already matches is left alone.",
        "Everything is checked before anything is written; a refusal by the EMS stops at that entity (what was "
                + "applied before stays; fix and apply again)."})
final class ApplyCommand extends CtlCommand {
    @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE", description = "'-' for stdin")
    String file;
    @Option(names = "--dry-run", description = "only show what would change")
    boolean dryRun;

    @Override
    public Integer call() {
        Map<ResourceKind, List<ObjectNode>> config = ConfigSync.parse(Ctl.readDocument(file));
        int[] counts = new int[ConfigSync.Outcome.values().length];
        try (EmsClient ems = ctl.client()) {
            new ConfigSync(ems).apply(config, dryRun, s -> {
                counts[s.outcome().ordinal()]++;
                ctl.out().println(s.kind().singular() + " " + s.key() + " "
                        + s.outcome().name().toLowerCase(java.util.Locale.ROOT) + (dryRun ? " (dry run)" : ""));
            });
        }
        ctl.out().printf("%d created, %d configured, %d unchanged%s%n", counts[0], counts[1], counts[2],
                dryRun ? " (dry run: nothing written)" : "");
        return 0;
    }
}
