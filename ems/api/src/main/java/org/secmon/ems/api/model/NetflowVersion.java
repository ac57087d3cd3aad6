package org.secmon.ems.api.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** The NetFlow export format. */
public enum NetflowVersion {
    V9, IPFIX;

    @JsonValue
    public String json() {
        return Enums.json(this);
    }

    @JsonCreator
    public static NetflowVersion parse(String s) {
        return Enums.parse(NetflowVersion.class, s);
    }
}
