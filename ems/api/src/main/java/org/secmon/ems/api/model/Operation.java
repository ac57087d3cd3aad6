package org.secmon.ems.api.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** An RBAC action. */
public enum Operation {
    VIEW, ADD, CHANGE, DELETE;

    @JsonValue
    public String json() {
        return Enums.json(this);
    }

    @JsonCreator
    public static Operation parse(String s) {
        return Enums.parse(Operation.class, s);
    }
}
