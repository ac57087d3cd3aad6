package org.secmon.ems.api.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** A NetFlow match or collect field. */
public enum FlowField {
    SRC_ADDR, DST_ADDR, PROTOCOL, SRC_PORT, DST_PORT, TOS, INPUT_INTERFACE, DIRECTION, SRC_MAC, DST_MAC, VLAN;

    @JsonValue
    public String json() {
        return Enums.json(this);
    }

    @JsonCreator
    public static FlowField parse(String s) {
        return Enums.parse(FlowField.class, s);
    }
}
