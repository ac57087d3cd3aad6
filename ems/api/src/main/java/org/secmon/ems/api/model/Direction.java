package org.secmon.ems.api.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Which direction of the mirrored traffic a plugin sees. */
public enum Direction {
    INGRESS, EGRESS, BOTH;

    @JsonValue
    public String json() {
        return Enums.json(this);
    }

    @JsonCreator
    public static Direction parse(String s) {
        return Enums.parse(Direction.class, s);
    }
}
