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

@Doc("The sFlow plugin settings of a scope (at most one per scope).")
public record SflowConfig(
        @ReadOnly String id,
        @ReadOnly Long version,
        @Required @Ref("scopes") String scope,
        @Format(Kind.NAME) @Doc("default 'default'") String name,
        @Format(Kind.IP) @Doc("agent address in sFlow datagrams (default: the appliance's address)") String agentAddress,
        @Range(min = 0, max = 2147483647) @Doc("default 0") Long subAgentId,
        @Range(min = 1, max = 16777216) @Doc("1-in-N packet sampling, default 1000") Integer samplingRate,
        @Range(min = 0, max = 3600) @Doc("counter sample interval in seconds, 0 = off, default 20") Integer pollingInterval,
        @Range(min = 14, max = 512) @Doc("bytes of each sampled packet's header, default 128") Integer headerSize,
        @Range(min = 0, max = 100000000) @Doc("at most this many kbit/s to each collector, 0 = no pacing (default)")
        Long pacingKbps) implements Scoped {
    public SflowConfig {
        name = name == null ? "default" : name;
        subAgentId = subAgentId == null ? 0L : subAgentId;
        samplingRate = samplingRate == null ? 1000 : samplingRate;
        pollingInterval = pollingInterval == null ? 20 : pollingInterval;
        headerSize = headerSize == null ? 128 : headerSize;
    }
}
