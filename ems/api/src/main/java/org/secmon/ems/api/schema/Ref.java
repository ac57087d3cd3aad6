package org.secmon.ems.api.schema;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The field (a string, or a list of strings) references entities of another kind by id. On input the EMS also
 * accepts the referenced entity's name (within the same scope) and stores its id.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.FIELD, ElementType.PARAMETER, ElementType.METHOD})
public @interface Ref {
    /** The referenced kind's collection name, e.g. {@code "collectors"}. */
    String value();
}
