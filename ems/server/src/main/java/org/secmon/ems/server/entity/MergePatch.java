package org.secmon.ems.server.entity;

import java.util.Iterator;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** RFC 7396 JSON merge patch, as PATCH applies it to a stored entity before validation. */
public final class MergePatch {
    private MergePatch() {
    }

    /** Applies {@code patch} to {@code target} in place: null removes a member, objects merge, the rest replaces. */
    public static void apply(ObjectNode target, ObjectNode patch) {
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getValue().isNull()) {
                target.remove(f.getKey());
            } else if (f.getValue() instanceof ObjectNode po && target.get(f.getKey()) instanceof ObjectNode to) {
                apply(to, po);
            } else {
                target.set(f.getKey(), f.getValue());
            }
        }
    }
}
