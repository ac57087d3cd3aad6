package org.secmon.ems.api.model;

import java.util.List;
import java.util.Map;

import org.secmon.ems.api.schema.Doc;
import org.secmon.ems.api.schema.Format;
import org.secmon.ems.api.schema.Formats.Kind;
import org.secmon.ems.api.schema.Length;
import org.secmon.ems.api.schema.Range;
import org.secmon.ems.api.schema.ReadOnly;
import org.secmon.ems.api.schema.Ref;
import org.secmon.ems.api.schema.Required;
import org.secmon.ems.api.schema.WriteOnly;

@Doc("A SecMon appliance (the original's secmondetails): where it is, how to notify it, and what it applied.")
public record Appliance(
        @ReadOnly String id,
        @ReadOnly Long version,
        @Required @Ref("scopes") String scope,
        @Required @Format(Kind.NAME) String name,
        @Length(max = 16) List<String> addresses,
        @Format(Kind.URL) @Doc("the agent's notification server, e.g. https://10.0.0.5:8443/notify") String notificationUrl,
        @ReadOnly @Doc("loaded plugins and their versions") Map<String, String> capabilities,
        @ReadOnly ApplianceStatus status,
        @ReadOnly @Doc("configuration version the appliance reported as applied") Long appliedVersion,
        @ReadOnly @Doc("configuration version of its scope") Long desiredVersion,
        @ReadOnly @Doc("last successful health check or report, ISO-8601") String lastSeen,
        @ReadOnly @Doc("SHA-256 fingerprint of its SSH CLI's host key as it reported it (SHA256:...): the console "
                + "connects only to that key") String sshHostKey) implements Scoped {
    public Appliance {
        addresses = addresses == null ? List.of() : List.copyOf(addresses);
        capabilities = capabilities == null ? Map.of() : Map.copyOf(capabilities);
        status = status == null ? ApplianceStatus.REGISTERED : status;
    }

    @Override
    public void validate(org.secmon.ems.api.schema.Errors errors) {
        org.secmon.ems.api.schema.Formats.checkAddresses(errors, "addresses", addresses);
    }
}
