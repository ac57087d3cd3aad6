package org.secmon.ems.api.schema;

/** One field-level validation error: {@code field} is a JSON path such as {@code members[1].weight}. */
public record FieldError(String field, String message) {
}
