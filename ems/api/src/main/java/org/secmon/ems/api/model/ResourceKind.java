package org.secmon.ems.api.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A collection of the REST API ({@code /api/v1/COLLECTION}) and the record that is its JSON.
 *
 * @param collection        path segment, store table and RBAC resource name
 * @param type              the entity record
 * @param singletonPerScope at most one per scope (configs); names are then not required
 * @param adminOnly         users, roles, projects: only for users whose roles grant them (never project-limited)
 */
public record ResourceKind(String collection, Class<? extends Entity> type, boolean singletonPerScope,
        boolean adminOnly) {

    public static final ResourceKind PROJECTS = new ResourceKind("projects", Project.class, false, true);
    public static final ResourceKind ROLES = new ResourceKind("roles", Role.class, false, true);
    public static final ResourceKind USERS = new ResourceKind("users", User.class, false, true);
    public static final ResourceKind SCOPES = new ResourceKind("scopes", Scope.class, false, false);
    public static final ResourceKind CLASSIFICATION_OBJECTS = new ResourceKind("classification_objects",
            ClassificationObject.class, false, false);
    public static final ResourceKind RULES = new ResourceKind("rules", Rule.class, false, false);
    public static final ResourceKind POLICIES = new ResourceKind("policies", Policy.class, false, false);
    public static final ResourceKind COLLECTORS = new ResourceKind("collectors", Collector.class, false, false);
    public static final ResourceKind COLLECTOR_SETS = new ResourceKind("collector_sets", CollectorSet.class, false,
            false);
    public static final ResourceKind NETFLOW_MONITORS = new ResourceKind("netflow_monitors", NetflowMonitor.class,
            false, false);
    public static final ResourceKind NETFLOW_CONFIGS = new ResourceKind("netflow_configs", NetflowConfig.class, true,
            false);
    public static final ResourceKind SFLOW_CONFIGS = new ResourceKind("sflow_configs", SflowConfig.class, true, false);
    public static final ResourceKind INGEST_CONFIGS = new ResourceKind("ingest_configs", IngestConfig.class, true,
            false);
    public static final ResourceKind NETFLOW_ASSOCIATIONS = new ResourceKind("netflow_associations",
            Association.class, false, false);
    public static final ResourceKind SFLOW_ASSOCIATIONS = new ResourceKind("sflow_associations", Association.class,
            false, false);
    public static final ResourceKind RAWFORWARD_ASSOCIATIONS = new ResourceKind("rawforward_associations",
            Association.class, false, false);
    public static final ResourceKind APPLIANCES = new ResourceKind("appliances", Appliance.class, false, false);
    // IPsec: infrastructure across projects, so only for roles that grant it explicitly (like users and roles)
    public static final ResourceKind IKE_POLICIES = new ResourceKind("ike_policies", IkePolicy.class, false, true);
    public static final ResourceKind IPSEC_POLICIES = new ResourceKind("ipsec_policies", IpsecPolicy.class, false,
            true);
    public static final ResourceKind IPSEC_ENDPOINT_GROUPS = new ResourceKind("ipsec_endpoint_groups",
            IpsecEndpointGroup.class, false, true);
    public static final ResourceKind IPSEC_ENFORCERS = new ResourceKind("ipsec_enforcers", IpsecEnforcer.class,
            false, true);
    public static final ResourceKind IPSEC_TUNNELS = new ResourceKind("ipsec_tunnels", IpsecTunnel.class, false,
            true);

    /** Every collection, referenced kinds before the kinds that reference them. */
    public static final List<ResourceKind> ALL = List.of(PROJECTS, ROLES, USERS, SCOPES, CLASSIFICATION_OBJECTS,
            RULES, POLICIES, COLLECTORS, COLLECTOR_SETS, NETFLOW_MONITORS, NETFLOW_CONFIGS, SFLOW_CONFIGS,
            INGEST_CONFIGS, NETFLOW_ASSOCIATIONS, SFLOW_ASSOCIATIONS, RAWFORWARD_ASSOCIATIONS, APPLIANCES,
            IKE_POLICIES, IPSEC_POLICIES, IPSEC_ENDPOINT_GROUPS, IPSEC_ENFORCERS, IPSEC_TUNNELS);

    private static final Map<String, ResourceKind> BY_COLLECTION = new LinkedHashMap<>();

    static {
        for (ResourceKind k : ALL) {
            BY_COLLECTION.put(k.collection, k);
        }
    }

    public static ResourceKind of(String collection) {
        return BY_COLLECTION.get(collection);
    }

    /** Whether entities of this kind belong to a scope (everything but projects, roles, users and scopes). */
    public boolean scoped() {
        return Scoped.class.isAssignableFrom(type);
    }

    /** The singular of the collection, e.g. {@code collector_set}. */
    public String singular() {
        String c = collection;
        if (c.endsWith("ies")) {
            return c.substring(0, c.length() - 3) + "y";
        }
        return c.endsWith("s") ? c.substring(0, c.length() - 1) : c;
    }
}
