package org.secmon.ems.api.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** An appliance's health as the EMS sees it. */
public enum ApplianceStatus {
    REGISTERED, UP, DOWN;

    @JsonValue
    public String json() {
        return Enums.json(this);
    }

    @JsonCreator
    public static ApplianceStatus parse(String s) {
        return Enums.parse(ApplianceStatus.class, s);
    }
}
