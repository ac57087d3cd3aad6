package org.secmon.ems.ctl;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import org.secmon.ems.api.client.EmsClient;
import org.secmon.ems.api.model.ResourceKind;
import org.secmon.ems.api.schema.Schema;

/** Resource kinds by the names users type, and the translation of stored ids into names for people and files. */
final class Kinds {
    private static final Map<String, ResourceKind> ALIASES = new HashMap<>();

    static {
        for (ResourceKind k : ResourceKind.ALL) {
            ALIASES.put(k.collection(), k);
            ALIASES.put(k.singular(), k);
            ALIASES.put(k.collection().replace('_', '-'), k);
            ALIASES.put(k.singular().replace('_', '-'), k);
        }
        ALIASES.put("co", ResourceKind.CLASSIFICATION_OBJECTS);
        ALIASES.put("cs", ResourceKind.COLLECTOR_SETS);
        ALIASES.put("nfa", ResourceKind.NETFLOW_ASSOCIATIONS);
        ALIASES.put("sfa", ResourceKind.SFLOW_ASSOCIATIONS);
        ALIASES.put("rfa", ResourceKind.RAWFORWARD_ASSOCIATIONS);
    }

    private Kinds() {
    }

    /** The kind called {@code name} (collection, singular, with dashes or underscores, or a short alias). */
    static ResourceKind of(String name) {
        ResourceKind k = ALIASES.get(name.toLowerCase(java.util.Locale.ROOT));
        if (k == null) {
            throw new CtlException("unknown resource kind '" + name + "'; kinds: " + names()
                    + " (also singular, with dashes, or co, cs, nfa, sfa, rfa)");
        }
        return k;
    }

    static String names() {
        List<String> out = new ArrayList<>();
        for (ResourceKind k : ResourceKind.ALL) {
            out.add(k.collection());
        }
        return String.join(", ", out);
    }

    /**
     * Translates ids to names: the entities the token may see, fetched once per collection and kept for the
     * command's lifetime.
     */
    static final class Names {
        private final EmsClient ems;
        private final Map<String, Map<String, String>> byCollection = new HashMap<>();

        Names(EmsClient ems) {
            this.ems = ems;
        }

        String name(String collection, String id) {
            Map<String, String> m = byCollection.computeIfAbsent(collection, c -> {
                Map<String, String> names = new HashMap<>();
                for (ObjectNode n : ems.list(ResourceKind.of(c), Map.of())) {
                    names.put(n.path("id").asText(), n.path("name").asText());
                }
                return names;
            });
            return m.getOrDefault(id, id);
        }

        /** A copy of {@code entity} whose references (including its scope) are names instead of ids. */
        ObjectNode withNames(ResourceKind kind, ObjectNode entity) {
            ObjectNode out = entity.deepCopy();
            for (Schema.RefPath ref : Schema.of(kind).refs()) {
                rename(out, ref.path(), 0, ref.target());
            }
            return out;
        }

        private void rename(JsonNode node, List<String> path, int i, String target) {
            String seg = path.get(i);
            boolean last = i == path.size() - 1;
            if (seg.equals("[]")) {
                if (!(node instanceof ArrayNode arr)) {
                    return;
                }
                for (int j = 0; j < arr.size(); j++) {
                    if (last) {
                        if (arr.get(j).isTextual()) {
                            arr.set(j, TextNode.valueOf(name(target, arr.get(j).asText())));
                        }
                    } else {
                        rename(arr.get(j), path, i + 1, target);
                    }
                }
                return;
            }
            if (!(node instanceof ObjectNode obj) || !obj.has(seg)) {
                return;
            }
            if (last) {
                if (obj.get(seg).isTextual()) {
                    obj.put(seg, name(target, obj.get(seg).asText()));
                }
            } else {
                rename(obj.get(seg), path, i + 1, target);
            }
        }
    }
}
