package org.secmon.ems.ctl;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.secmon.ems.api.Json;
import picocli.CommandLine.Option;

/** {@code -f FILE} and {@code --set FIELD=VALUE}: an entity's fields from a file, the command line, or both. */
final class EntityInput {
    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "fields as YAML or JSON ('-': stdin)")
    String file;
    @Option(names = "--set", paramLabel = "FIELD=VALUE",
            description = "a field, e.g. --set priority=10 (repeatable; with update, FIELD=null removes it)")
    List<String> sets = new ArrayList<>();

    /** The file's entity, or an empty one: the caller adds its own fields, then {@link #applySets} (--set wins). */
    ObjectNode fromFile() {
        return file == null ? Json.mapper().createObjectNode() : Ctl.object(Ctl.readDocument(file), file);
    }

    /** The --set fields, over what the entity has. */
    void applySets(ObjectNode body) {
        Ctl.set(body, sets);
    }
}
