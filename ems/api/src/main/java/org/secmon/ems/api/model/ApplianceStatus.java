package org.secmon.ems.api.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * An appliance's or IPsec enforcer's health as the EMS sees it; {@code deregistered}: it left on its own (an
 * enforcer's DEREGISTER), so it is not health-checked until it registers again.
 */
public enum ApplianceStatus {
    REGISTERED, UP, DOWN, DEREGISTERED;

    @JsonValue
    public String json() {
        return Enums.json(this);
    }

    @JsonCreator
    public static ApplianceStatus parse(String s) {
        return Enums.parse(ApplianceStatus.class, s);
    }
}
