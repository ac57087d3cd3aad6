package org.secmon.ems.ctl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.secmon.ems.api.client.EmsClient;
import org.secmon.ems.api.model.ResourceKind;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "get", description = "List resources of a kind, or show one (by name with --scope, or by id).")
final class GetCommand extends CtlCommand {
    @Parameters(index = "0", paramLabel = "KIND", description = "e.g. rules, collector_sets, cs (see: kinds)")
    String kind;
    @Parameters(index = "1", arity = "0..1", paramLabel = "NAME|ID")
    String ref;
    @Mixin
    ScopeOption scopeOption;
    @Option(names = {"-l", "--filter"}, paramLabel = "FIELD=VALUE", description = "only entities with this value")
    List<String> filters = new ArrayList<>();
    @Mixin
    OutputOption output;
    @Option(names = "--ids", description = "show references as ids instead of names")
    boolean ids;

    @Override
    public Integer call() {
        ResourceKind k = Kinds.of(kind);
        Output.Format f = output.format();
        try (EmsClient ems = ctl.client()) {
            Kinds.Names names = new Kinds.Names(ems);
            if (ref != null || (k.singletonPerScope() && scopeOption.scope != null)) {
                ObjectNode one = Ctl.lookup(ems, k, scopeOption.scope, ref);
                Output.printOne(ctl.out(), f, ids ? one : names.withNames(k, one));
                return 0;
            }
            Map<String, String> q = new LinkedHashMap<>();
            for (String fl : filters) {
                int eq = fl.indexOf('=');
                if (eq <= 0) {
                    throw new CtlException("--filter needs FIELD=VALUE, not '" + fl + "'");
                }
                q.put(fl.substring(0, eq), fl.substring(eq + 1));
            }
            if (scopeOption.scope != null) {
                q.put("scope", scopeOption.scope);
            }
            List<ObjectNode> rows = new ArrayList<>();
            for (ObjectNode n : ems.list(k, q)) {
                rows.add(ids ? n : names.withNames(k, n));
            }
            Output.print(ctl.out(), f, rows);
        }
        return 0;
    }
}
