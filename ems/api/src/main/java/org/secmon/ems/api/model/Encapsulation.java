package org.secmon.ems.api.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** How raw forward wraps a packet. */
public enum Encapsulation {
    UDP, SFLOW, VXLAN, ERSPAN;

    @JsonValue
    public String json() {
        return Enums.json(this);
    }

    @JsonCreator
    public static Encapsulation parse(String s) {
        return Enums.parse(Encapsulation.class, s);
    }
}
