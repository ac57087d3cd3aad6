package org.secmon.ems.ctl;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.secmon.ems.api.client.EmsClient;
import org.secmon.ems.api.model.ResourceKind;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "delete", description = "Delete resources (refused with the dependents while still referenced).")
final class DeleteCommand extends CtlCommand {
    @Parameters(index = "0", paramLabel = "KIND")
    String kind;
    @Parameters(index = "1..*", arity = "0..*", paramLabel = "NAME|ID")
    List<String> refs = new ArrayList<>();
    @Mixin
    ScopeOption scopeOption;

    @Override
    public Integer call() {
        ResourceKind k = Kinds.of(kind);
        if (refs.isEmpty() && !(k.singletonPerScope() && scopeOption.scope != null)) {
            throw new CtlException("which " + k.singular() + "? give NAME or ID");
        }
        List<String> targets = refs.isEmpty() ? java.util.Collections.singletonList(null) : refs;
        try (EmsClient ems = ctl.client()) {
            for (String r : targets) {
                ObjectNode current = Ctl.lookup(ems, k, scopeOption.scope, r);
                ems.delete(k, current.path("id").asText());
                ctl.out().println(k.singular() + " " + current.path("name").asText(current.path("id").asText())
                        + " deleted");
            }
        }
        return 0;
    }
}
