package org.secmon.ems.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import org.secmon.ems.api.client.EmsClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "scrape-token", description = {"Scrape credentials for Prometheus: a token that reads the metrics of the "
        + "EMS and of every appliance, and nothing else (docs/metrics.md).",
        "  create NAME [--out FILE]   make one: printed once, or written to FILE (0600) for Prometheus's "
                + "credentials_file",
        "  list                       the scrape credentials (never their tokens)",
        "  delete NAME                revoke one, on the EMS and on every appliance"})
final class ScrapeTokenCommand extends CtlCommand {
    @Parameters(index = "0", paramLabel = "ACTION", description = "create, list or delete")
    String action;
    @Parameters(index = "1", arity = "0..1", paramLabel = "NAME", description = "the credential's name")
    String name;
    @Option(names = "--out", paramLabel = "FILE", description = "write the token here (0600) instead of printing")
    java.nio.file.Path out;

    @Override
    public Integer call() throws Exception {
        try (EmsClient ems = ctl.client()) {
            switch (action) {
                case "create" -> {
                    JsonNode r = ems.call("POST", "scrape_tokens", org.secmon.ems.api.Json.mapper().createObjectNode()
                            .put("name", required()));
                    String token = r.path("token").asText();
                    if (out != null) {
                        Session.writePrivate(out, token + "\n");
                        ctl.out().printf("scrape token %s written to %s%n", name, out);
                    } else {
                        ctl.out().println(token);
                    }
                }
                case "list" -> {
                    ctl.out().printf("%-24s %-28s %s%n", "NAME", "CREATED", "BY");
                    for (JsonNode t : ems.call("GET", "scrape_tokens", null).path("items")) {
                        ctl.out().printf("%-24s %-28s %s%n", t.path("name").asText(), t.path("created_at").asText(),
                                t.path("created_by").asText());
                    }
                }
                case "delete" -> {
                    String n = required();
                    String id = null;
                    for (JsonNode t : ems.call("GET", "scrape_tokens", null).path("items")) {
                        if (n.equals(t.path("name").asText())) {
                            id = t.path("id").asText();
                        }
                    }
                    if (id == null) {
                        throw new CtlException("no scrape token named '" + n + "'");
                    }
                    ems.call("DELETE", "scrape_tokens/" + id, null);
                    ctl.out().printf("scrape token %s deleted%n", n);
                }
                default -> throw new CtlException("unknown action '" + action + "': create, list or delete");
            }
        }
        return 0;
    }

    private String required() {
        if (name == null) {
            throw new CtlException(action + " needs the scrape token's NAME");
        }
        return name;
    }
}
