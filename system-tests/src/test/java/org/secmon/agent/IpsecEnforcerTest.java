package org.secmon.agent;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.ems.api.Json;
import org.secmon.ems.server.Ems;
import org.secmon.ems.testkit.EmsFixture;
import org.secmon.ems.server.store.EmbeddedStore;
import org.secmon.testkit.Await;
import org.secmon.testkit.IpsecLab;
import org.secmon.testkit.Tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The IPsec enforcer on its own ({@code ./secmon enforcer}), on a node that is not an appliance: side A of an
 * {@link IpsecLab} with a real charon, an EMS with fast enforcer health checks. Walks through the original IPsec
 * EMS's enforcer events: REGISTER (a user's credentials, then its own token), its tunnel comes up and UPDATE
 * reports the SA state; DEREGISTER when stopped (token revoked, tunnels kept in the EMS, SA left up); REGISTER again
 * under the same name (same entity); missed health checks remove it together with its tunnels; the enforcer, back,
 * learns it was deleted, removes the tunnel from charon and exits 3; an admin's DELETE does the same to a running
 * one.
 */
class IpsecEnforcerTest {
    @TempDir
    Path dir;

    private EmsFixture ems;
    private Path session;
    private IpsecLab lab;

    /** The enforcer, registering (when it must) with a fresh enrollment token for gw-1 in {@link #tokenFile}. */
    private Process enforcer(String log) throws Exception {
        AgentFixtures.ctl(session, "enroll", "--ipsec-enforcer", "--name", "gw-1", "--out",
                tokenFile().toString());
        return enforcer(log, "--enrollment-token-file", tokenFile().toString());
    }

    private Path tokenFile() {
        return dir.resolve("enrollment-token");
    }

    /** The enforcer registering (when it must) with an administrator's password instead. */
    private Process enforcerWithPassword(String log) throws Exception {
        Path pw = dir.resolve("admin-password");
        Files.writeString(pw, EmsFixture.ADMIN_PASSWORD);
        return enforcer(log, "--user", "admin", "--password-file", pw.toString());
    }

    private Process enforcer(String log, String... register) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                "org.secmon.agent.ipsec.EnforcerCommand", "--ems", ems.base, "--name", "gw-1"));
        cmd.addAll(List.of(register));
        cmd.addAll(List.of("--vici", IpsecLab.vici(lab.a), "--nft",
                IpsecLab.nftIn(dir, lab.nsA).toString(), "--health-listen", "127.0.0.1:0", "--interval", "PT0.3S",
                "--state-dir", dir.resolve("enforcer").toString()));
        return lab.start(dir.resolve(log), cmd.toArray(new String[0]));
    }

    private JsonNode enforcers() throws Exception {
        return Json.mapper().readTree(AgentFixtures.ctl(session, "get", "ipsec_enforcers", "-o", "json"));
    }

    private JsonNode await(String what, java.util.concurrent.Callable<JsonNode> f, Predicate<JsonNode> ok)
            throws Exception {
        return Await.until(Duration.ofSeconds(30), what + " (enforcer log: " + dir.resolve("enforcer.log") + ")", f,
                ok);
    }

    private static String status(JsonNode list) {
        return list.size() == 1 ? list.get(0).path("status").asText() : "(" + list.size() + " enforcers)";
    }

    @Test
    void registersRunsItsTunnelsDeregistersAndIsRemovedAfterMissedChecks() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "network namespaces and charon need root");
        Assumptions.assumeTrue(Files.isExecutable(IpsecLab.CHARON),
                "strongSwan charon is not installed (./secmon deps)");
        Tools.require("swanctl");
        try (IpsecLab l = new IpsecLab(dir);
             EmsFixture e = new EmsFixture(new EmbeddedStore(dir.resolve("ems.mv"), false),
                     Ems.HealthOptions.DEFAULT, new Ems.HealthOptions(Duration.ofMillis(300), 2, 5), 0)) {
            lab = l;
            ems = e;
            Files.writeString(lab.b.resolve("swanctl.conf"), IpsecTunnelTest.responder());
            IpsecLab.run("swanctl", "--load-all", "--file", lab.b.resolve("swanctl.conf").toString(), "--uri",
                    IpsecLab.vici(lab.b));
            session = dir.resolve("ctl.json");
            AgentFixtures.ctl(session, "login", "--ems", ems.base, "-u", "admin");
            Path cfg = dir.resolve("p.yaml");
            Files.writeString(cfg, """
                    ike_policies:
                      - {name: gcm128, ike_version: ikev2, encryption: aes128gcm16, integrity: sha256, dh_group: ecp256}
                    ipsec_policies:
                      - {name: esp-gcm128, encryption: aes128gcm16, pfs_group: ecp256}
                    """);
            AgentFixtures.ctl(session, "apply", "-f", cfg.toString());

            // REGISTER, then UPDATE (reports): up, with its health URL
            Process e1 = enforcer("enforcer.log");
            JsonNode list = await("registered and up", this::enforcers, x -> status(x).equals("up"));
            String id = list.get(0).path("id").asText();
            assertTrue(list.get(0).path("health_url").asText().matches("http://127\\.0\\.0\\.1:\\d+/health"),
                    list.toString());
            // no user's password: the single-use token registered it and is gone; it holds only its own token
            // the EMS lists it as soon as it registered; the enforcer deletes the token right after, on its own
            // thread: waited for (it was asserted at once, and under load the check came first)
            Await.until(Duration.ofSeconds(30), "the enrollment token file is deleted after use",
                    () -> !Files.exists(tokenFile()), gone -> gone);
            assertFalse(Files.exists(tokenFile()), "the enrollment token file is deleted after use");
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(dir.resolve("enforcer/enforcer.json"))));

            // a tunnel names it: the enforcer brings it up and reports its SA
            Path tf = dir.resolve("t1.yaml");
            // the sites as endpoint groups: the tunnel's traffic selectors come from them
            Files.writeString(tf, """
                    ipsec_endpoint_groups:
                      - {name: gw-site, cidrs: [10.10.1.1/32]}
                      - {name: analytics-site, cidrs: [10.10.2.1/32]}
                    ipsec_tunnels:
                      - {name: t1, enforcer: gw-1, ike_policy: gcm128, ipsec_policy: esp-gcm128,
                         local_address: 10.99.0.1, remote_address: 10.99.0.2, local_id: a1, remote_id: b1,
                         local_endpoint_group: gw-site, remote_endpoint_group: analytics-site, psk: %s}
                    """.formatted(IpsecTunnelTest.PSK1));
            AgentFixtures.ctl(session, "apply", "-f", tf.toString());
            await("the tunnel up", () -> Json.mapper().createObjectNode().put("sa", String.valueOf(
                    IpsecLab.ikeSa(lab.a, "secmon-t1"))), x -> x.path("sa").asText().contains("ESTABLISHED"));
            String admin = ems.admin();
            JsonNode state = await("the SA state reported", () -> ems.call("GET", "/api/v1/ipsec_enforcers/" + id
                    + "/state", admin, null).json(), x -> x.path("state").path("tunnels").path("secmon-t1")
                    .path("child").asText().equals("installed"));
            assertEquals("established", state.path("state").path("tunnels").path("secmon-t1").path("ike").asText(),
                    state.toString());
            String conf = Files.readString(dir.resolve("enforcer/ipsec/swanctl.conf"));
            assertTrue(conf.contains("local_ts = \"10.10.1.1/32\"")
                    && conf.contains("remote_ts = \"10.10.2.1/32\""), conf);
            // a site in use cannot go
            assertEquals(409, ems.call("DELETE", "/api/v1/ipsec_endpoint_groups/" + Json.mapper().readTree(
                    AgentFixtures.ctl(session, "get", "ipsec_endpoint_group", "gw-site", "-o", "json"))
                    .path("id").asText(), ems.admin(), null).status());

            // its token: its own tunnels (with the key) and nothing else; users never get the key
            String token = Json.mapper().readTree(dir.resolve("enforcer/enforcer.json").toFile()).path("token")
                    .asText();
            EmsFixture.Resp own = ems.call("GET", "/api/v1/ipsec_enforcers/" + id + "/ipsec", token, null);
            assertEquals(IpsecTunnelTest.PSK1, own.json().path("tunnels").get(0).path("psk").asText(), own.toString());
            assertEquals(403, ems.call("GET", "/api/v1/ipsec_tunnels", token, null).status());
            // a certificate from the EMS CA for it (its key stays here); revoked when it is removed (below)
            EmsFixture.Resp cert = ems.call("POST", "/api/v1/ipsec_enforcers/" + id + "/certificate", token,
                    Json.mapper().createObjectNode().put("csr", IpsecLab.csr(IpsecLab.ecKey(), "gw-1")));
            assertEquals(200, cert.status(), cert.toString());
            assertEquals("gw-1.enforcer.secmon", cert.json().path("id").asText());
            assertEquals(403, ems.call("GET", "/api/v1/ipsec_enforcers/" + id + "/ipsec", admin, null).status());
            assertTrue(!ems.call("GET", "/api/v1/ipsec_tunnels", admin, null).text().contains(IpsecTunnelTest.PSK1));
            // a tunnel needs exactly one end (an appliance or an enforcer) and subnets or a site on each side
            EmsFixture.Resp noEnd = ems.call("POST", "/api/v1/ipsec_tunnels", admin, Json.mapper().readTree("""
                    {"name": "t9", "ike_policy": "gcm128", "ipsec_policy": "esp-gcm128", "local_address": "10.0.0.1",
                     "remote_address": "10.0.0.2", "local_subnets": ["10.1.0.0/24"], "remote_subnets": ["10.2.0.0/24"],
                     "psk": "0123456789abcdef0123"}"""));
            assertEquals(422, noEnd.status(), noEnd.toString());
            assertTrue(noEnd.text().contains("is required (or enforcer)"), noEnd.toString());
            EmsFixture.Resp twoSites = ems.call("POST", "/api/v1/ipsec_tunnels", admin, Json.mapper().readTree("""
                    {"name": "t9", "enforcer": "gw-1", "ike_policy": "gcm128", "ipsec_policy": "esp-gcm128",
                     "local_address": "10.0.0.1", "remote_address": "10.0.0.2", "local_subnets": ["10.1.0.0/24"],
                     "local_endpoint_group": "gw-site", "psk": "0123456789abcdef0123"}"""));
            assertEquals(422, twoSites.status(), twoSites.toString());
            assertTrue(twoSites.text().contains("and local_endpoint_group both set")
                    && twoSites.text().contains("are required (or remote_endpoint_group)"), twoSites.toString());
            // DELETE by hand is refused while a tunnel names it
            assertEquals(409, ems.call("DELETE", "/api/v1/ipsec_enforcers/" + id, admin, null).status());

            // DEREGISTER when stopped: token revoked, not checked, the tunnel stays defined and up
            e1.destroy();
            assertTrue(e1.waitFor(20, TimeUnit.SECONDS));
            assertEquals("deregistered", status(enforcers()), enforcers().toString());
            assertEquals(401, ems.call("GET", "/api/v1/ipsec_enforcers/" + id + "/ipsec", token, null).status());
            Thread.sleep(2000); // ~6 health-check periods: a deregistered enforcer is not checked, so not removed
            assertEquals("deregistered", status(enforcers()));
            assertEquals(1, Json.mapper().readTree(AgentFixtures.ctl(session, "get", "ipsec_tunnels", "-o",
                    "json")).size());
            assertNotNull(IpsecLab.ikeSa(lab.a, "secmon-t1"), "the SA stays up while the enforcer is away");

            // REGISTER again by name: the same entity, up again
            Process e2 = enforcer("enforcer.log");
            list = await("registered again", this::enforcers, x -> status(x).equals("up"));
            assertEquals(id, list.get(0).path("id").asText());

            // it dies without a word: down, then removed with its tunnel after 5 missed checks
            e2.destroyForcibly();
            e2.waitFor(10, TimeUnit.SECONDS);
            await("removed after missed health checks", this::enforcers, x -> x.isEmpty());
            assertEquals(0, Json.mapper().readTree(AgentFixtures.ctl(session, "get", "ipsec_tunnels", "-o",
                    "json")).size());
            JsonNode audit = ems.call("GET", "/api/v1/audit?limit=5", admin, null).json();
            assertTrue(audit.toString().contains("health-check"), audit.toString());
            // its certificate is revoked with it, and in the CA's CRL
            JsonNode issued = ems.call("GET", "/api/v1/certificates", admin, null).json().path("items").get(0);
            assertEquals("gw-1.enforcer.secmon", issued.path("name").asText(), issued.toString());
            assertTrue(issued.has("revoked_at"), issued.toString());
            assertEquals(401, ems.call("GET", "/api/v1/certificates/crl", token, null).status(),
                    "a removed enforcer's token counts for nothing");
            String crl = ems.call("GET", "/api/v1/certificates/crl", admin, null).json().path("crl").asText();
            try (org.bouncycastle.openssl.PEMParser pp = new org.bouncycastle.openssl.PEMParser(
                    new java.io.StringReader(crl))) {
                org.bouncycastle.cert.X509CRLHolder h = (org.bouncycastle.cert.X509CRLHolder) pp.readObject();
                assertNotNull(h.getRevokedCertificate(new java.math.BigInteger(issued.path("serial").asText(), 16)),
                        "the CRL lists the removed enforcer's certificate");
            }

            // back, it learns it was deleted: removes its tunnel from charon and exits 3
            Process e3 = enforcer("enforcer.log");
            assertTrue(e3.waitFor(30, TimeUnit.SECONDS), "the deleted enforcer exits");
            assertEquals(3, e3.exitValue(), Files.readString(dir.resolve("enforcer.log")));
            assertNull(IpsecLab.ikeSa(lab.a, "secmon-t1"), "its tunnel is gone: " + IpsecLab.listSas(lab.a));
            assertTrue(IpsecLab.run("swanctl", "--list-conns", "--uri", IpsecLab.vici(lab.a)).stream()
                    .noneMatch(x -> x.startsWith("secmon-t1:")));

            // an admin's DELETE does the same to a running enforcer (this one registered with a user's password,
            // which still works where an operator chooses it)
            Process e4 = enforcerWithPassword("enforcer.log");
            list = await("registered once more", this::enforcers, x -> status(x).equals("up"));
            AgentFixtures.ctl(session, "delete", "ipsec_enforcer", "gw-1");
            assertTrue(e4.waitFor(30, TimeUnit.SECONDS), "the deleted enforcer exits");
            assertEquals(3, e4.exitValue());
            assertTrue(Files.readString(dir.resolve("enforcer.log")).contains("the EMS no longer knows it"));
            assertTrue(!Files.readString(dir.resolve("enforcer.log")).contains(IpsecTunnelTest.PSK1),
                    "no key in the log");
            assertEquals(0, enforcers().size());
        }
    }
}
