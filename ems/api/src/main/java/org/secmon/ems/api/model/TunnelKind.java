package org.secmon.ems.api.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** A tunnel the appliances terminate before filtering (docs/ingest.md). */
public enum TunnelKind {
    ERSPAN, GRE, VXLAN, GENEVE, GTPU;

    @JsonValue
    public String json() {
        return Enums.json(this);
    }

    @JsonCreator
    public static TunnelKind parse(String s) {
        return Enums.parse(TunnelKind.class, s);
    }
}
