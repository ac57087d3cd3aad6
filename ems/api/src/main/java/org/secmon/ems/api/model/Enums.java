package org.secmon.ems.api.model;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** JSON spelling of the model's enums: lower case, parsed case-insensitively with a clear error. */
final class Enums {
    private Enums() {
    }

    static <E extends Enum<E>> E parse(Class<E> type, String s) {
        if (s == null) {
            return null;
        }
        String k = s.strip().toUpperCase(Locale.ROOT).replace('-', '_');
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(k)) {
                return e;
            }
        }
        throw new IllegalArgumentException("must be one of " + Arrays.stream(type.getEnumConstants())
                .map(e -> e.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")) + ", not '" + s + "'");
    }

    static String json(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }
}
