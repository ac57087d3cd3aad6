package org.secmon.ems.api.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** What a collector receives. */
public enum CollectorType {
    NETFLOW, IPFIX, SFLOW, RAWFORWARD;

    @JsonValue
    public String json() {
        return Enums.json(this);
    }

    @JsonCreator
    public static CollectorType parse(String s) {
        return Enums.parse(CollectorType.class, s);
    }
}
