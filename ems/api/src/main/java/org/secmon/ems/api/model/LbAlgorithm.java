package org.secmon.ems.api.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** How a collector set spreads sessions over its collectors. */
public enum LbAlgorithm {
    SESSION, ROUND_ROBIN, WEIGHTED_ROUND_ROBIN;

    @JsonValue
    public String json() {
        return Enums.json(this);
    }

    @JsonCreator
    public static LbAlgorithm parse(String s) {
        return Enums.parse(LbAlgorithm.class, s);
    }
}
