package org.secmon.console.dashboard;

import java.util.Map;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;

/** One appliance as the dashboard lists it. */
public record ApplianceRow(String id, String name, String scope, String status, Long appliedVersion,
        Long desiredVersion, String plugins, String lastSeen) {

    static ApplianceRow of(JsonNode a, Map<String, String> scopeNames) {
        String scopeId = a.path("scope").asText();
        StringBuilder plugins = new StringBuilder();
        a.path("capabilities").properties().forEach(e -> plugins.append(plugins.isEmpty() ? "" : ", ")
                .append(e.getKey()).append(' ').append(e.getValue().asText()));
        return new ApplianceRow(a.path("id").asText(), a.path("name").asText(),
                scopeNames.getOrDefault(scopeId, scopeId), a.path("status").asText("registered"),
                a.hasNonNull("applied_version") ? a.get("applied_version").asLong() : null,
                a.hasNonNull("desired_version") ? a.get("desired_version").asLong() : null, plugins.toString(),
                a.path("last_seen").asText(""));
    }

    /** "in sync", "applying 7 (has 6)", "never applied" — what an operator wants to know at a glance. */
    public String sync() {
        if (desiredVersion == null) {
            return "";
        }
        if (appliedVersion == null) {
            return "not applied yet (wants " + desiredVersion + ")";
        }
        return appliedVersion.equals(desiredVersion) ? "in sync (" + appliedVersion + ")"
                : "behind: " + appliedVersion + " of " + desiredVersion;
    }

    /** Every appliance the user may see, with its scope's name. */
    public static java.util.List<ApplianceRow> list(org.secmon.ems.api.client.EmsClient c) {
        Map<String, String> scopes = names(c.list(org.secmon.ems.api.model.ResourceKind.SCOPES, Map.of()));
        return c.list(org.secmon.ems.api.model.ResourceKind.APPLIANCES, Map.of()).stream()
                .map(a -> of(a, scopes)).toList();
    }

    /**
     * What a list's selection becomes when the list is reloaded: the same appliance (by id) as reloaded, null when
     * it is gone, the first one when nothing was selected.
     */
    public static ApplianceRow reselect(java.util.List<ApplianceRow> rows, ApplianceRow was) {
        if (was == null) {
            return rows.isEmpty() ? null : rows.getFirst();
        }
        return rows.stream().filter(r -> r.id().equals(was.id())).findFirst().orElse(null);
    }

    static Map<String, String> names(Iterable<? extends JsonNode> entities) {
        java.util.List<JsonNode> l = new java.util.ArrayList<>();
        entities.forEach(l::add);
        return l.stream().collect(Collectors.toMap(e -> e.path("id").asText(), e -> e.path("name").asText(),
                (x, y) -> x));
    }
}
