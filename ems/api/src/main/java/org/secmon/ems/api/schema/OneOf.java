package org.secmon.ems.api.schema;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The string field takes one of these values (case-insensitive on input; stored and answered in lower case): the
 * OpenAPI document lists them as its enum, and the {@link Validator} refuses any other with a field error.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.FIELD, ElementType.PARAMETER, ElementType.METHOD})
public @interface OneOf {
    String[] value();
}
