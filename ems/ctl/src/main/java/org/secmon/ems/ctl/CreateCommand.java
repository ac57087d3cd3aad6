package org.secmon.ems.ctl;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.secmon.ems.api.client.EmsClient;
import org.secmon.ems.api.model.ResourceKind;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "create", description = "Create a resource from a file (-f, YAML or JSON) and/or --set fields.")
final class CreateCommand extends CtlCommand {
    @Parameters(index = "0", paramLabel = "KIND")
    String kind;
    @Parameters(index = "1", arity = "0..1", paramLabel = "NAME")
    String name;
    @Mixin
    ScopeOption scopeOption;
    @Mixin
    EntityInput input;
    @Mixin
    OutputOption output;

    @Override
    public Integer call() {
        ResourceKind k = Kinds.of(kind);
        ObjectNode body = input.fromFile();
        if (name != null) {
            body.put("name", name);
        }
        if (scopeOption.scope != null) {
            body.put("scope", scopeOption.scope);
        }
        input.applySets(body);
        try (EmsClient ems = ctl.client()) {
            ObjectNode created = ems.create(k, body);
            ctl.err().println(k.singular() + " " + created.path("name").asText(created.path("id").asText())
                    + " created");
            Output.printOne(ctl.out(), output.format(), new Kinds.Names(ems).withNames(k, created));
        }
        return 0;
    }
}
