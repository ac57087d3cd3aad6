package org.secmon.console.login;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

import io.helidon.webserver.WebServer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import org.secmon.console.core.Dispatch;
import org.secmon.console.core.Session;
import org.secmon.ems.testkit.EmsFixture;
import org.secmon.ems.server.Main;
import org.secmon.ems.server.tls.SelfSignedTls;

/** Login against a real EMS, over HTTP and over HTTPS with its self-signed certificate (trust prompt, pinning). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LoginViewModelTest {
    @TempDir
    static Path dir;
    private EmsFixture ems;
    private WebServer https;
    private SelfSignedTls tls;

    @BeforeAll
    void start() throws Exception {
        ems = EmsFixture.embedded(dir);
        tls = SelfSignedTls.loadOrCreate(dir.resolve("tls"), "127.0.0.1");
        https = Main.start(ems.ems, "127.0.0.1", 0, tls);
    }

    @AfterAll
    void stop() {
        if (https != null) {
            https.stop();
        }
        ems.close();
    }

    private LoginViewModel vm(AtomicReference<Session> out, Path known) {
        return new LoginViewModel(Dispatch.direct(), new KnownEms(known), out::set);
    }

    @Test
    void logsInAndKnowsThePermissions() {
        AtomicReference<Session> s = new AtomicReference<>();
        LoginViewModel vm = vm(s, null);
        vm.urlProperty().set(ems.base);
        vm.userProperty().set("admin");
        vm.passwordProperty().set(EmsFixture.ADMIN_PASSWORD);
        vm.login();
        assertNotNull(s.get(), vm.errorProperty().get());
        assertEquals("admin", s.get().user());
        assertTrue(s.get().can("rules", "change") && s.get().can("users", "add"), "admin may change everything");
        assertEquals("", vm.passwordProperty().get(), "the password is not kept after login");
        assertEquals("", vm.errorProperty().get());
        s.get().close();
    }

    @Test
    void wrongPasswordAndBadInputAreClearErrors() {
        AtomicReference<Session> s = new AtomicReference<>();
        LoginViewModel vm = vm(s, null);
        vm.urlProperty().set("ftp://x");
        vm.passwordProperty().set("x");
        vm.login();
        assertTrue(vm.errorProperty().get().startsWith("EMS URL: must be http"), vm.errorProperty().get());
        vm.urlProperty().set(ems.base);
        vm.passwordProperty().set("");
        vm.login();
        assertTrue(vm.errorProperty().get().startsWith("password:"), vm.errorProperty().get());
        vm.passwordProperty().set("wrong-password");
        vm.login();
        assertNull(s.get());
        assertTrue(vm.errorProperty().get().contains("401"), vm.errorProperty().get());
        assertEquals(false, vm.busyProperty().get());
        int free;
        try (java.net.ServerSocket ss = new java.net.ServerSocket(0)) {
            free = ss.getLocalPort();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        vm.urlProperty().set("http://127.0.0.1:" + free);
        vm.login();
        assertTrue(vm.errorProperty().get().startsWith("EMS unreachable"), vm.errorProperty().get());
    }

    @Test
    void selfSignedCertificateIsTrustedOnlyAfterTheOperatorAcceptsItsFingerprint() throws Exception {
        Path known = dir.resolve("known_ems");
        AtomicReference<Session> s = new AtomicReference<>();
        LoginViewModel vm = vm(s, known);
        String url = "https://127.0.0.1:" + https.port();
        vm.urlProperty().set(url);
        vm.passwordProperty().set(EmsFixture.ADMIN_PASSWORD);
        vm.login();
        assertNull(s.get(), "not logged in before the certificate is accepted");
        assertTrue(vm.trustPromptProperty().get().contains(tls.fingerprint()),
                "the prompt shows the fingerprint the EMS printed: " + vm.trustPromptProperty().get());
        vm.rejectTrust();
        assertNull(s.get());
        assertTrue(vm.errorProperty().get().contains("not accepted"), vm.errorProperty().get());

        vm.passwordProperty().set(EmsFixture.ADMIN_PASSWORD);
        vm.login();
        vm.acceptTrust();
        assertNotNull(s.get(), vm.errorProperty().get());
        s.get().close();
        assertTrue(Files.readString(known).contains("127.0.0.1:" + https.port() + " " + tls.fingerprint()));

        // a later login uses the pinned certificate without asking
        AtomicReference<Session> again = new AtomicReference<>();
        LoginViewModel vm2 = vm(again, known);
        vm2.urlProperty().set(url);
        vm2.passwordProperty().set(EmsFixture.ADMIN_PASSWORD);
        vm2.login();
        assertEquals("", vm2.trustPromptProperty().get());
        assertNotNull(again.get(), vm2.errorProperty().get());
        again.get().close();

        // a different certificate at the same address is refused, not prompted for
        Files.writeString(known, "127.0.0.1:" + https.port() + " " + "AB:".repeat(31) + "AB\n");
        AtomicReference<Session> mitm = new AtomicReference<>();
        LoginViewModel vm3 = vm(mitm, known);
        vm3.urlProperty().set(url);
        vm3.passwordProperty().set(EmsFixture.ADMIN_PASSWORD);
        vm3.login();
        assertNull(mitm.get());
        assertEquals("", vm3.trustPromptProperty().get());
        assertTrue(vm3.errorProperty().get().contains("no longer presents the certificate"),
                vm3.errorProperty().get());
    }
}
