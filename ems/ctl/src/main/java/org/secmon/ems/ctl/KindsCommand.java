package org.secmon.ems.ctl;

import org.secmon.ems.api.model.ResourceKind;
import picocli.CommandLine.Command;

@Command(name = "kinds", description = "The resource kinds and their short names.")
final class KindsCommand extends CtlCommand {
    @Override
    public Integer call() {
        for (ResourceKind k : ResourceKind.ALL) {
            ctl.out().printf("%-24s %-22s %s%n", k.collection(), k.singular(),
                    k.scoped() ? (k.singletonPerScope() ? "one per scope" : "per scope") : "global");
        }
        return 0;
    }
}
