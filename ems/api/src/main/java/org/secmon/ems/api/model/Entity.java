package org.secmon.ems.api.model;

import org.secmon.ems.api.schema.Errors;

/**
 * Every stored entity: an id assigned by the EMS and a version (the store revision of its last change) used for
 * optimistic concurrency ({@code If-Match} or the {@code version} field on update).
 */
public interface Entity {
    String id();

    Long version();

    /** The entity's name (unique per scope, or globally for unscoped kinds). */
    String name();

    /** Checks across fields that the per-field constraints cannot express. */
    default void validate(Errors errors) {
    }
}
