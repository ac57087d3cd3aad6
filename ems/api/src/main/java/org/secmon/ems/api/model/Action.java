package org.secmon.ems.api.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** What a rule does with a matching packet. */
public enum Action {
    FORWARD, DROP;

    @JsonValue
    public String json() {
        return Enums.json(this);
    }

    @JsonCreator
    public static Action parse(String s) {
        return Enums.parse(Action.class, s);
    }
}
