package org.secmon.ems.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.secmon.ems.api.client.EmsClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "enroll", description = {"Make a single-use enrollment token for an appliance to join a scope, "
        + "or for an IPsec enforcer (--ipsec-enforcer), instead of giving it anyone's password: printed once, or "
        + "written to --out (mode 0600).",
        "The appliance registers with it: ./secmon agent ... --enrollment-token-file FILE; the enforcer: ./secmon "
                + "enforcer ... --enrollment-token-file FILE (the file is deleted once used)."})
final class EnrollCommand extends CtlCommand {
    @Option(names = "--scope", description = "the scope the appliance joins (name or id; required for an "
            + "appliance)")
    String scope;
    @Option(names = "--ipsec-enforcer", description = "a token for an IPsec enforcer (no scope)")
    boolean enforcer;
    @Option(names = "--name", description = "the appliance's name (leave it out with --uses N: any new "
            + "appliance in the scope, e.g. an auto-scaling group)")
    String name;
    @Option(names = "--uses", defaultValue = "1", description = "how many appliances may join with it (default 1)")
    long uses;
    @Option(names = "--ttl", defaultValue = "3600", description = "seconds the token stays valid (default 3600; "
            + "at most 604800 for one use, 31536000 for several)")
    long ttl;
    @Option(names = "--out", paramLabel = "FILE", description = "write the token here (0600) instead of printing")
    java.nio.file.Path out;

    @Override
    public Integer call() throws Exception {
        try (EmsClient ems = ctl.client()) {
            ObjectNode body = org.secmon.ems.api.Json.mapper().createObjectNode();
            if (enforcer == (scope != null)) {
                throw new CtlException(enforcer
                        ? "--ipsec-enforcer takes no --scope: an enforcer belongs to no scope"
                        : "--scope is required (or --ipsec-enforcer for an IPsec enforcer)");
            }
            if (enforcer) {
                body.put("kind", "ipsec_enforcer");
            } else {
                body.put("scope", scope);
            }
            body.put("ttl_seconds", ttl).put("uses", uses);
            if (name != null) {
                body.put("name", name);
            }
            JsonNode r = ems.call("POST", "enrollments", body);
            String token = r.path("token").asText();
            if (out != null) {
                Session.writePrivate(out, token + "\n");
                ctl.out().printf("enrollment token for %s%s written to %s (%d use%s, expires %s)%n",
                        name != null ? name : enforcer ? "new IPsec enforcers" : "new appliances",
                        enforcer ? "" : " in " + scope, out, uses, uses == 1 ? "" : "s",
                        r.path("expires_at").asText());
            } else {
                ctl.out().println(token);
            }
        }
        return 0;
    }
}
