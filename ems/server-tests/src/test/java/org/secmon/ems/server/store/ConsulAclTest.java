package org.secmon.ems.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.secmon.ems.api.Json;
import org.secmon.ems.testkit.EmsFixture;
import org.secmon.testkit.ConsulServer;

/**
 * The EMS on a Consul whose ACLs deny everything by default, with the token the Ansible consul role gives it: a
 * token with exactly the policy of {@code ansible/roles/consul/files/secmon-ems-policy.hcl}. The EMS works with it;
 * without a token it stops with a clear error; the token reaches no key outside the EMS's prefix; anonymous
 * requests read nothing.
 */
class ConsulAclTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void theEmsNeedsOnlyItsPrefixAndNothingIsOpen() throws Exception {
        String master = UUID.randomUUID().toString();
        String emsToken = UUID.randomUUID().toString();
        try (ConsulServer consul = ConsulServer.devWithAcl(master)) {
            Path policy = Path.of(System.getProperty("user.dir")).resolve("../../ansible/roles/consul/files/"
                    + "secmon-ems-policy.hcl").normalize();
            String rules = Files.readString(policy);
            assertEquals(200, put(consul, master, "/v1/acl/policy", Json.mapper().createObjectNode()
                    .put("Name", "secmon-ems").put("Rules", rules).toString()));
            var token = Json.mapper().createObjectNode().put("SecretID", emsToken).put("Description", "SecMon EMS");
            token.putArray("Policies").addObject().put("Name", "secmon-ems");
            assertEquals(200, put(consul, master, "/v1/acl/token", token.toString()));
            // another tenant of the same Consul
            assertEquals(200, put(consul, master, "/v1/kv/other/secret", "not for the EMS"));

            // the whole EMS on the restricted token: bootstrap, login, writes
            try (EmsFixture ems = new EmsFixture(new ConsulStore(consul.url(), "secmon/", emsToken))) {
                String admin = ems.admin();
                assertEquals(201, ems.call("POST", "/api/v1/projects", admin, "{\"name\":\"p1\"}").status());
                assertEquals(200, ems.call("GET", "/health/ready", null, null).status());
                // the policy lets the EMS hold the leader lock with a session (health checks run)
                org.secmon.testkit.Await.until(java.time.Duration.ofSeconds(20), "the EMS leads",
                        () -> ems.ems.isLeader(), l -> l);
            }
            assertEquals(403, get(consul, emsToken, "/v1/kv/other/secret"), "the EMS's token reads only its prefix");
            assertEquals(403, put(consul, emsToken, "/v1/kv/other/x", "y"), "and writes only there");
            assertEquals(200, get(consul, emsToken, "/v1/kv/secmon/meta/revision"), "the EMS's own key exists");
            assertEquals(403, get(consul, null, "/v1/kv/secmon/meta/revision"), "but nobody reads it without a token");
            assertEquals(404, get(consul, null, "/v1/kv/secmon/?recurse"), "a listing without a token shows nothing");

            StoreException e = assertThrows(StoreException.class,
                    () -> new ConsulStore(consul.url(), "secmon/", null).revision());
            assertTrue(e.getMessage().contains("refused access") && e.getMessage().contains("--consul-token-file"),
                    e.getMessage());
            StoreException w = assertThrows(StoreException.class,
                    () -> new ConsulStore(consul.url(), "elsewhere/", emsToken).revision());
            assertTrue(w.getMessage().contains("key_prefix \"elsewhere/\""), w.getMessage());
        }
    }

    private static int put(ConsulServer c, String token, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(c.url() + path))
                .PUT(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("X-Consul-Token", token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private static int get(ConsulServer c, String token, String path) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(c.url() + path));
        if (token != null) {
            b.header("X-Consul-Token", token);
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        // Consul answers a forbidden key 403; a listing it filters down to nothing 404
        return r.statusCode();
    }
}
