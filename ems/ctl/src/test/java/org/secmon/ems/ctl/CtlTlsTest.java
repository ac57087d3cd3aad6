package org.secmon.ems.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import io.helidon.webserver.WebServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.ems.server.Ems;
import org.secmon.ems.testkit.EmsFixture;
import org.secmon.ems.server.Main;
import org.secmon.ems.server.store.EmbeddedStore;
import org.secmon.ems.server.tls.SelfSignedTls;

/**
 * {@code secmon ems --tls-self-signed} with secmonctl: an untrusted certificate is refused with its fingerprint and
 * how to trust it; a wrong pin is refused; the right one logs in and is remembered; the certificate survives a
 * restart (same fingerprint), so the pin stays valid.
 */
class CtlTlsTest {
    /**
     * A pinned EMS reached at an address its certificate does not name (a VM behind NAT, a floating IP, the EMS
     * listening on 0.0.0.0): the pin is the identity, as an SSH host key is; the name does not matter. The JDK's
     * hostname check refused this before, so an appliance could pin only an EMS it reached by a name in the
     * certificate.
     */
    @Test
    void aPinnedCertificateNeedsNoMatchingHostName(@TempDir Path dir) throws Exception {
        SelfSignedTls tls = SelfSignedTls.loadOrCreate(dir.resolve("tls"), "127.0.0.1");
        Ems ems = new Ems(new EmbeddedStore(dir.resolve("ems.mv"), false), Duration.ofHours(1),
                Ems.HealthOptions.DEFAULT);
        ems.auth().bootstrap(EmsFixture.ADMIN_PASSWORD, null);
        WebServer server = Main.start(ems, "0.0.0.0", 0, tls);
        try (org.secmon.ems.api.client.EmsClient c = org.secmon.ems.api.client.EmsClient.create(
                java.net.URI.create("https://127.0.0.2:" + server.port()),
                org.secmon.ems.api.client.PinnedTrust.context(tls.fingerprint()), Duration.ofSeconds(5),
                Duration.ofSeconds(10))) {
            c.login("admin", EmsFixture.ADMIN_PASSWORD);
            assertEquals("admin", c.whoami().path("user").path("name").asText());
        } finally {
            server.stop();
            ems.close();
        }
    }

    @Test
    void selfSignedCertificateIsTrustedByFingerprintOnly(@TempDir Path dir) throws Exception {
        SelfSignedTls tls = SelfSignedTls.loadOrCreate(dir.resolve("tls"), "127.0.0.1");
        assertTrue(tls.created());
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve("tls/ems.p12"))));
        Ems ems = new Ems(new EmbeddedStore(dir.resolve("ems.mv"), false), Duration.ofHours(1),
                Ems.HealthOptions.DEFAULT);
        ems.auth().bootstrap(EmsFixture.ADMIN_PASSWORD, null);
        WebServer server = Main.start(ems, "127.0.0.1", 0, tls);
        try {
            String url = "https://127.0.0.1:" + server.port();
            Path session = dir.resolve("ctl.json");
            Map<String, String> env = Map.of("SECMON_PASSWORD", EmsFixture.ADMIN_PASSWORD);

            CtlTest.Run untrusted = CtlTest.ctl(session, env, "login", "--ems", url, "-u", "admin");
            assertEquals(3, untrusted.rc(), untrusted.toString());
            assertTrue(untrusted.err().contains(tls.fingerprint()), untrusted.toString());
            assertTrue(untrusted.err().contains("--trust"), untrusted.toString());
            assertFalse(Files.exists(session));

            String wrong = tls.fingerprint().replace(tls.fingerprint().substring(0, 2),
                    tls.fingerprint().startsWith("00") ? "11" : "00");
            CtlTest.Run pinnedWrong = CtlTest.ctl(session, env, "login", "--ems", url, "-u", "admin", "--trust", wrong);
            assertEquals(3, pinnedWrong.rc(), pinnedWrong.toString());

            CtlTest.Run bad = CtlTest.ctl(session, env, "login", "--ems", url, "-u", "admin", "--trust", "abc");
            assertEquals(2, bad.rc(), bad.toString());
            assertTrue(bad.err().contains("SHA-256 fingerprint"), bad.toString());

            // any spelling of the right fingerprint: lower case, no colons
            String plain = tls.fingerprint().replace(":", "").toLowerCase(java.util.Locale.ROOT);
            CtlTest.Run ok = CtlTest.ctl(session, env, "login", "--ems", url, "-u", "admin", "--trust", plain);
            assertEquals(0, ok.rc(), ok.toString());
            assertTrue(Files.readString(session).contains(tls.fingerprint()), "pin remembered");
            CtlTest.Run who = CtlTest.ctl(session, Map.of(), "whoami");
            assertEquals(0, who.rc(), who.toString());
            assertTrue(who.out().contains("admin"), who.toString());
        } finally {
            server.stop();
            ems.close();
        }
        SelfSignedTls again = SelfSignedTls.loadOrCreate(dir.resolve("tls"), "127.0.0.1");
        assertFalse(again.created());
        assertEquals(tls.fingerprint(), again.fingerprint(), "the certificate survives a restart");
    }

    /** {@code --tls-cert/--tls-key}: an operator's certificate chain made with openssl is served whole. */
    @Test
    void ownCertificateChainFromPemFiles(@TempDir Path dir) throws Exception {
        java.util.function.Consumer<String> sh = cmd -> {
            try {
                Process p = new ProcessBuilder("bash", "-c", cmd).directory(dir.toFile()).redirectErrorStream(true)
                        .start();
                String out = new String(p.getInputStream().readAllBytes());
                if (p.waitFor() != 0) {
                    throw new AssertionError(cmd + ": " + out);
                }
            } catch (java.io.IOException | InterruptedException e) {
                throw new AssertionError(e);
            }
        };
        sh.accept("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem "
                + "-days 2 -subj /CN=test-ca");
        sh.accept("openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout srv.key -out srv.csr "
                + "-subj /CN=localhost");
        sh.accept("printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > ext && openssl x509 -req -in srv.csr "
                + "-CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 2 -extfile ext && cat srv.pem ca.pem "
                + "> chain.pem");
        SelfSignedTls tls = SelfSignedTls.fromPem(dir.resolve("chain.pem"), dir.resolve("srv.key"));
        assertEquals(2, tls.chain().size());
        Ems ems = new Ems(new EmbeddedStore(dir.resolve("ems.mv"), false), Duration.ofHours(1),
                Ems.HealthOptions.DEFAULT);
        ems.auth().bootstrap(EmsFixture.ADMIN_PASSWORD, null);
        WebServer server = Main.start(ems, "127.0.0.1", 0, tls);
        try {
            String url = "https://127.0.0.1:" + server.port();
            assertEquals(tls.fingerprint(), org.secmon.ems.api.client.PinnedTrust.serverFingerprint(
                    java.net.URI.create(url)));
            Process p = new ProcessBuilder("bash", "-c", "echo | openssl s_client -connect 127.0.0.1:" + server.port()
                    + " -showcerts -CAfile ca.pem").directory(dir.toFile()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor();
            assertEquals(2, out.split("BEGIN CERTIFICATE", -1).length - 1, "the whole chain is served: " + out);
            assertTrue(out.contains("Verify return code: 0 (ok)"), "openssl verifies it against the CA: " + out);
            CtlTest.Run ok = CtlTest.ctl(dir.resolve("ctl.json"), Map.of("SECMON_PASSWORD", EmsFixture.ADMIN_PASSWORD),
                    "login", "--ems", url, "-u", "admin", "--trust", tls.fingerprint());
            assertEquals(0, ok.rc(), ok.toString());
        } finally {
            server.stop();
            ems.close();
        }
        Files.writeString(dir.resolve("empty.pem"), "");
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> SelfSignedTls.fromPem(dir.resolve("empty.pem"), dir.resolve("srv.key")));
        assertTrue(e.getMessage().contains("no PEM certificate"), e.getMessage());
    }
}
