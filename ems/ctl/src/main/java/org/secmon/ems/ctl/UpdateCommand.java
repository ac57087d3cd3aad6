package org.secmon.ems.ctl;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.secmon.ems.api.client.EmsClient;
import org.secmon.ems.api.model.ResourceKind;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "update", description = "Change fields of a resource (JSON merge patch: only what you give).")
final class UpdateCommand extends CtlCommand {
    @Parameters(index = "0", paramLabel = "KIND")
    String kind;
    @Parameters(index = "1", arity = "0..1", paramLabel = "NAME|ID", description = "omit for per-scope configs")
    String ref;
    @Mixin
    ScopeOption scopeOption;
    @Mixin
    EntityInput input;
    @Mixin
    OutputOption output;

    @Override
    public Integer call() {
        ResourceKind k = Kinds.of(kind);
        ObjectNode patch = input.fromFile();
        input.applySets(patch);
        if (patch.isEmpty()) {
            throw new CtlException("nothing to change: give --set FIELD=VALUE or -f FILE");
        }
        try (EmsClient ems = ctl.client()) {
            ObjectNode current = Ctl.lookup(ems, k, scopeOption.scope, ref);
            patch.put("version", current.path("version").asLong()); // refuse to overwrite a concurrent change
            ObjectNode updated = ems.patch(k, current.path("id").asText(), patch);
            ctl.err().println(k.singular() + " " + updated.path("name").asText(updated.path("id").asText())
                    + " updated");
            Output.printOne(ctl.out(), output.format(), new Kinds.Names(ems).withNames(k, updated));
        }
        return 0;
    }
}
