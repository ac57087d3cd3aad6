package org.secmon.ems.server;

import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.ems.api.model.ResourceKind;
import org.secmon.ems.testkit.EmsFixture.Resp;
import org.secmon.ems.testkit.EmsFixture;
import org.secmon.testkit.Await;
import org.secmon.testkit.ConsulServer;
import org.secmon.ems.server.store.ConsulStore;
import org.secmon.testkit.Ports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Faults: Consul dies while operators write (clear 503s, nothing partial, every acknowledged write there after
 * Consul comes back), and the EMS process is SIGKILLed mid-writes and restarted (no acknowledged write lost) on
 * both stores.
 */
class FaultTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void consulStoppedDuringWritesGives503AndNothingPartial(@TempDir Path dir) throws Exception {
        try (ConsulServer consul = ConsulServer.persistent(dir.resolve("consul"))) {
            List<String> acknowledged = new ArrayList<>();
            try (EmsFixture ems = new EmsFixture(new ConsulStore(consul.url(), "secmon/", null))) {
                String admin = ems.admin();
                Samples.post(ems, admin, "projects", Samples.body(ResourceKind.PROJECTS, null, null, "p"));
                Samples.post(ems, admin, "scopes", Samples.body(ResourceKind.SCOPES, null, "p", "s"));
                int unavailable = 0;
                for (int i = 0; i < 60; i++) {
                    if (i == 30) {
                        consul.kill();
                    }
                    ObjectNode b = Samples.body(ResourceKind.CLASSIFICATION_OBJECTS, "s", null, "co-" + i);
                    Resp r = ems.call("POST", "/api/v1/classification_objects", admin, b);
                    if (r.status() == 201) {
                        acknowledged.add(r.json().path("id").asText());
                    } else {
                        assertEquals(503, r.status(), r.toString());
                        assertEquals("unavailable", r.json().path("error").asText());
                        assertTrue(r.json().path("message").asText().contains("Consul"), r.toString());
                        unavailable++;
                    }
                }
                assertEquals(30, acknowledged.size());
                assertEquals(30, unavailable);
                assertEquals(503, ems.call("GET", "/health/ready", null, null).status());

                consul.start(); // same data directory and ports
                assertEquals(200, ems.call("GET", "/health/ready", null, null).status());
                JsonNode all = ems.call("GET", "/api/v1/classification_objects?limit=1000", admin, null).json();
                Set<String> ids = new HashSet<>();
                all.path("items").forEach(n -> ids.add(n.path("id").asText()));
                assertTrue(ids.containsAll(acknowledged), "every acknowledged write survived");
                assertEquals(30, ids.size(), "and nothing that was refused");
                // each change landed with its audit record (one transaction)
                Set<String> audited = new HashSet<>();
                ems.call("GET", "/api/v1/audit?collection=classification_objects&limit=1000", admin, null).json()
                        .path("items").forEach(n -> audited.add(n.path("resource_id").asText()));
                assertEquals(ids, audited);
                // and it works again
                Samples.post(ems, admin, "classification_objects",
                        Samples.body(ResourceKind.CLASSIFICATION_OBJECTS, "s", null, "after"));
            }
        }
    }

    @Test
    void sigkilledEmbeddedEmsLosesNoAcknowledgedWrite(@TempDir Path dir) throws Exception {
        killAndRestart(List.of("--data-dir", dir.toString()));
    }

    @Test
    void sigkilledConsulEmsLosesNoAcknowledgedWrite() throws Exception {
        try (ConsulServer consul = ConsulServer.dev()) {
            killAndRestart(List.of("--store", "consul", "--consul-url", consul.url()));
        }
    }

    /** Writes from several clients, SIGKILL the EMS mid-stream, restart it, and find every 201. */
    private static void killAndRestart(List<String> storeArgs) throws Exception {
        int port = Ports.freeTcp();
        String base = "http://127.0.0.1:" + port;
        Process ems = startEms(port, storeArgs);
        List<String> acknowledged = java.util.Collections.synchronizedList(new ArrayList<>());
        try {
            String admin = login(base);
            call(base, "POST", "/api/v1/projects", admin, "{\"name\":\"p\"}");
            call(base, "POST", "/api/v1/scopes", admin, "{\"name\":\"s\",\"project\":\"p\"}");
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < 3; w++) {
                int writer = w;
                writers.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; !stop.get(); i++) {
                        try {
                            Resp r = call(base, "POST", "/api/v1/collectors", admin, "{\"scope\":\"s\",\"name\":\"c-"
                                    + writer + "-" + i + "\",\"address\":\"127.0.0.1\",\"port\":2055,\"type\":\"netflow\"}");
                            if (r.status() == 201) {
                                acknowledged.add(r.json().path("id").asText());
                            }
                        } catch (Exception e) {
                            return; // the EMS is gone
                        }
                    }
                }));
            }
            Await.until(Duration.ofSeconds(30), "100 writes acknowledged before the kill",
                    () -> acknowledged.size() >= 100);
            ems.destroyForcibly(); // SIGKILL
            ems.waitFor(20, TimeUnit.SECONDS);
            stop.set(true);
            for (Thread t : writers) {
                t.join(10_000);
            }
            assertTrue(acknowledged.size() >= 100, "writes before the kill: " + acknowledged.size());

            ems = startEms(port, storeArgs);
            String again = login(base);
            JsonNode all = call(base, "GET", "/api/v1/collectors?limit=1000", again, null).json();
            Set<String> ids = new HashSet<>();
            all.path("items").forEach(n -> ids.add(n.path("id").asText()));
            List<String> lost = acknowledged.stream().filter(id -> !ids.contains(id)).toList();
            assertTrue(lost.isEmpty(), lost.size() + " of " + acknowledged.size() + " acknowledged writes lost");
        } finally {
            ems.destroyForcibly();
            ems.waitFor(20, TimeUnit.SECONDS);
        }
    }

    private static Process startEms(int port, List<String> storeArgs) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(java, "-cp", cp, "org.secmon.ems.server.Main", "--port", "" + port));
        cmd.addAll(storeArgs);
        Path log = Files.createTempFile("ems", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SECMON_ADMIN_PASSWORD", EmsFixture.ADMIN_PASSWORD);
        Process p = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IOException("EMS exited: " + Files.readString(log));
            }
            try {
                if (call("http://127.0.0.1:" + port, "GET", "/health/ready", null, null).status() == 200) {
                    return p;
                }
            } catch (IOException e) {
                // not up yet
            }
            Thread.sleep(100);
        }
        p.destroyForcibly();
        throw new IOException("EMS did not start: " + Files.readString(log));
    }

    private static String login(String base) throws Exception {
        return call(base, "POST", "/api/v1/tokens", null, "{\"name\":\"admin\",\"password\":\""
                + EmsFixture.ADMIN_PASSWORD + "\"}").json().path("token").asText();
    }

    private static Resp call(String base, String method, String path, String token, String body) throws Exception {
        return EmsFixture.call(base, HTTP, method, path, token, body);
    }

}
