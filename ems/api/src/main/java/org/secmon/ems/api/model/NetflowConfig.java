package org.secmon.ems.api.model;

import org.secmon.ems.api.schema.Doc;
import org.secmon.ems.api.schema.Format;
import org.secmon.ems.api.schema.Formats.Kind;
import org.secmon.ems.api.schema.Length;
import org.secmon.ems.api.schema.Range;
import org.secmon.ems.api.schema.ReadOnly;
import org.secmon.ems.api.schema.Ref;
import org.secmon.ems.api.schema.Required;
import org.secmon.ems.api.schema.WriteOnly;

@Doc("The NetFlow/IPFIX plugin settings of a scope (at most one per scope).")
public record NetflowConfig(
        @ReadOnly String id,
        @ReadOnly Long version,
        @Required @Ref("scopes") String scope,
        @Format(Kind.NAME) @Doc("default 'default'") String name,
        @Range(min = 1, max = 86400) @Doc("seconds, default 60") Integer activeTimeout,
        @Range(min = 1, max = 86400) @Doc("seconds, default 120") Integer inactiveTimeout,
        @Range(min = 1, max = 100000) @Doc("resend templates every N export packets, default 20") Integer templateRefreshPackets,
        @Range(min = 1, max = 86400) @Doc("resend templates every N seconds, default 60 (as the plugin's own default)") Integer templateRefreshSeconds,
        @Range(min = 1000, max = 100000000) @Doc("flow cache size, default 2000000") Integer maxFlows,
        @Doc("v9 (default) or ipfix") NetflowVersion exportVersion,
        @Range(min = 0, max = 100000000) @Doc("at most this many kbit/s to each collector, 0 = no pacing (default)")
        Long pacingKbps,
        @Range(min = 1, max = 4294967295L) @Doc("IPFIX private enterprise number of SecMon's own elements (layer-7"
                + " metadata, tunnel sources), default 32473 — RFC 5612's number for documentation: set your"
                + " organisation's IANA-registered number for production collectors")
        Long enterpriseNumber) implements Scoped {
    /** RFC 5612's enterprise number for documentation, as the NetFlow plugin's own default. */
    public static final long DEFAULT_ENTERPRISE_NUMBER = 32473;

    public NetflowConfig {
        name = name == null ? "default" : name;
        activeTimeout = activeTimeout == null ? 60 : activeTimeout;
        inactiveTimeout = inactiveTimeout == null ? 120 : inactiveTimeout;
        templateRefreshPackets = templateRefreshPackets == null ? 20 : templateRefreshPackets;
        templateRefreshSeconds = templateRefreshSeconds == null ? 60 : templateRefreshSeconds;
        maxFlows = maxFlows == null ? 2_000_000 : maxFlows;
        exportVersion = exportVersion == null ? NetflowVersion.V9 : exportVersion;
        enterpriseNumber = enterpriseNumber == null ? DEFAULT_ENTERPRISE_NUMBER : enterpriseNumber;
    }
}
