package org.secmon.ems.api.schema;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;

/**
 * Jackson's mapping errors in the words of the API: the field's path ({@code members[2].collector}) and what is wrong
 * with it ("must be an integer", "is not a field here; fields: ..."). The EMS answers clients with them; the agent
 * names a stored entity it cannot read with them.
 */
public final class MappingErrors {
    private MappingErrors() {
    }

    public static String path(JsonMappingException e) {
        StringBuilder b = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getIndex() >= 0) {
                b.append('[').append(r.getIndex()).append(']');
            } else if (r.getFieldName() != null) {
                if (!b.isEmpty()) {
                    b.append('.');
                }
                b.append(r.getFieldName());
            }
        }
        return b.isEmpty() ? "(body)" : b.toString();
    }

    public static String message(JsonMappingException e) {
        if (e instanceof UnrecognizedPropertyException u) {
            List<String> known = new ArrayList<>();
            if (u.getKnownPropertyIds() != null) {
                for (Object o : u.getKnownPropertyIds()) {
                    known.add(String.valueOf(o));
                }
            }
            known.sort(null);
            return "is not a field here; fields: " + String.join(", ", known);
        }
        if (e instanceof ValueInstantiationException v && v.getCause() instanceof IllegalArgumentException iae) {
            return iae.getMessage();
        }
        Throwable c = e.getCause();
        if (c instanceof IllegalArgumentException iae && iae.getMessage() != null) {
            return iae.getMessage();
        }
        if (e instanceof InvalidFormatException f) {
            return "must be " + typeName(f.getTargetType()) + ", not '" + f.getValue() + "'";
        }
        if (e instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException m && m.getTargetType() != null) {
            return "must be " + typeName(m.getTargetType());
        }
        return "has the wrong type";
    }

    private static String typeName(Class<?> t) {
        if (t == null) {
            return "of another type";
        }
        if (t == Integer.class || t == int.class || t == Long.class || t == long.class) {
            return "an integer";
        }
        if (t == Boolean.class || t == boolean.class) {
            return "true or false";
        }
        if (t == String.class) {
            return "a string";
        }
        if (List.class.isAssignableFrom(t)) {
            return "a list";
        }
        if (t.isEnum()) {
            return "one of " + String.join(", ", java.util.Arrays.stream(t.getEnumConstants())
                    .map(x -> ((Enum<?>) x).name().toLowerCase(java.util.Locale.ROOT)).toList());
        }
        return "an object";
    }
}
