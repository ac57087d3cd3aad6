package org.secmon.ems.api.model;

import java.util.List;

import org.secmon.ems.api.schema.Doc;
import org.secmon.ems.api.schema.Format;
import org.secmon.ems.api.schema.Formats.Kind;
import org.secmon.ems.api.schema.Length;
import org.secmon.ems.api.schema.ReadOnly;
import org.secmon.ems.api.schema.Required;

@Doc("An IPsec enforcer on a node that is not a SecMon appliance (an analytics gateway, a collector's host): it "
        + "registers with the EMS (POST /api/v1/ipsec_enforcers/register), runs the tunnels that name it, reports "
        + "their state, and is health-checked (removed with its tunnels after too many missed checks). Appliances are "
        + "their own enforcers.")
public record IpsecEnforcer(
        @ReadOnly String id,
        @ReadOnly Long version,
        @Required @Format(Kind.NAME) String name,
        @Length(max = 16) List<String> addresses,
        @Format(Kind.URL) @Doc("where the EMS health-checks the enforcer: a GET there answers 2xx while it runs")
        String healthUrl,
        @ReadOnly @Doc("registered, up, down (missed health checks) or deregistered (left on its own; its tunnels "
                + "stay defined)") ApplianceStatus status,
        @ReadOnly @Doc("last successful health check or report, ISO-8601") String lastSeen) implements Entity {
    public IpsecEnforcer {
        addresses = addresses == null ? List.of() : List.copyOf(addresses);
        status = status == null ? ApplianceStatus.REGISTERED : status;
    }

    @Override
    public void validate(org.secmon.ems.api.schema.Errors errors) {
        org.secmon.ems.api.schema.Formats.checkAddresses(errors, "addresses", addresses);
    }
}
