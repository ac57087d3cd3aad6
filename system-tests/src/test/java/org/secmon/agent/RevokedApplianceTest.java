package org.secmon.agent;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.ems.api.Json;
import org.secmon.ems.testkit.EmsFixture;
import org.secmon.testkit.Await;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Security issue, finding 1: an operator deletes a (compromised) appliance; it used to answer the 401 that followed
 * by registering again with the password it held, and was back at once. Now it stays deleted: the agent keeps
 * monitoring with its last configuration, says why in its status, and never registers by itself.
 */
class RevokedApplianceTest {
    @Test
    void aDeletedApplianceStaysDeleted(@TempDir Path dir) throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        try (EmsFixture ems = EmsFixture.embedded(dir)) {
            String admin = labScope(ems);
            Path status = dir.resolve("status");
            String[] args = RunningAgent.args(dir, ems.base, "c", 100, plugins, "--report-interval", "PT0.2S",
                    "--retry-max", "PT0.2S", "--status-file", status.toString());
            try (RunningAgent agent = new RunningAgent(dir.resolve("agent.log"), args)) {
                String id = awaitAppliance(ems, admin);
                assertEquals(204, ems.call("DELETE", "/api/v1/appliances/" + id, admin, null).status());
                // twenty report intervals and retries: the old agent was back within one
                Await.during(Duration.ofSeconds(4), Duration.ofMillis(200), () -> {
                    JsonNode list = ems.call("GET", "/api/v1/appliances", admin, null).json();
                    assertEquals(0, list.path("total").asInt(), "the deleted appliance came back: " + list);
                });
                JsonNode health = health(Files.readString(status).strip());
                assertTrue(health.path("ems_error").asText().contains("revoked"), health.toString());
            }
        }
    }

    /** An appliance joins with a single-use enrollment token and keeps only its own credentials. */
    @Test
    void anApplianceEnrollsWithoutAnyPassword(@TempDir Path dir) throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        try (EmsFixture ems = EmsFixture.embedded(dir)) {
            String admin = labScope(ems);
            Path token = dir.resolve("enrollment-token");
            Files.writeString(token, ems.call("POST", "/api/v1/enrollments", admin,
                    "{\"scope\":\"c\",\"name\":\"c-1\"}").json().path("token").asText());
            java.util.List<String> a = new java.util.ArrayList<>(java.util.List.of(
                    RunningAgent.args(dir, ems.base, "c", 100, plugins, "--report-interval", "PT0.2S",
                            "--enrollment-token-file", token.toString())));
            int u = a.indexOf("--user");
            a.subList(u, u + 4).clear(); // no --user, no --password-file
            assertTrue(!a.contains("--password-file"), a.toString());
            try (RunningAgent agent = new RunningAgent(dir.resolve("agent.log"), a.toArray(String[]::new))) {
                awaitAppliance(ems, admin);
                assertTrue(!Files.exists(token), "the used enrollment token is deleted");
                String creds = new String(Files.readAllBytes(dir.resolve("agent/credentials.json")));
                assertTrue(!creds.contains(EmsFixture.ADMIN_PASSWORD), creds);
            }
        }
    }

    /** Project lab with scope c; answers the admin's token. */
    private static String labScope(EmsFixture ems) throws Exception {
        String admin = ems.admin();
        String p = ems.call("POST", "/api/v1/projects", admin, "{\"name\":\"lab\"}").json().path("id").asText();
        assertEquals(201, ems.call("POST", "/api/v1/scopes", admin,
                "{\"name\":\"c\",\"project\":\"" + p + "\"}").status());
        return admin;
    }

    private static String awaitAppliance(EmsFixture ems, String admin) throws Exception {
        JsonNode items = Await.until(Duration.ofSeconds(30), "the agent registered and up",
                () -> ems.call("GET", "/api/v1/appliances", admin, null).json().path("items"),
                i -> i.size() == 1 && i.get(0).path("status").asText().equals("up"));
        return items.get(0).path("id").asText();
    }

    private static JsonNode health(String port) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/health")).build(), HttpResponse.BodyHandlers.ofString());
        return Json.mapper().readTree(r.body());
    }
}
