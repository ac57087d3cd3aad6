package org.secmon.ems.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.ems.server.http.OpenApi;
import org.secmon.testkit.Tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The OpenAPI document passes Redocly CLI's lint (its recommended rules) without errors. */
class OpenApiLintTest {
    @Test
    void redoclyFindsNoErrors(@TempDir Path dir) throws Exception {
        Path redocly = Tools.require("redocly");
        Path doc = dir.resolve("openapi.yaml");
        Files.writeString(doc, OpenApi.yaml());
        Tools.Result r = Tools.exec(List.of(redocly.toString(), "lint", "--format=stylish", doc.toString()), 120);
        System.out.println((r.out() + r.err()));
        assertEquals(0, r.exitCode(), "redocly lint: " + (r.out() + r.err()));
        assertTrue((r.out() + r.err()).contains("Woohoo! Your API description is valid."), (r.out() + r.err()));
    }

    @Test
    void aBrokenDocumentFails(@TempDir Path dir) throws Exception {
        // the lint can fail: an operation whose response references a schema that does not exist
        Path redocly = Tools.require("redocly");
        Path doc = dir.resolve("broken.yaml");
        Files.writeString(doc, OpenApi.yaml().replace("$ref: \"#/components/schemas/Error\"",
                "$ref: \"#/components/schemas/NoSuchSchema\""));
        Tools.Result r = Tools.exec(List.of(redocly.toString(), "lint", "--format=stylish", doc.toString()), 120);
        assertTrue(r.exitCode() != 0, (r.out() + r.err()));
    }
}
