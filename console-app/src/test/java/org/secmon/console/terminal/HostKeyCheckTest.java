package org.secmon.console.terminal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.List;

import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.auth.pubkey.AcceptAllPublickeyAuthenticator;
import org.apache.sshd.server.shell.UnknownCommandFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.secmon.console.core.Dispatch;

/**
 * The console's SSH terminal against a real SSH server on loopback: it connects only to the host key the EMS has
 * for the address; a different key is refused with both fingerprints named; an address the EMS knows nothing of is
 * trusted on first use, and a later different key there is refused.
 */
class HostKeyCheckTest {
    @TempDir
    Path dir;

    private static KeyPair ec() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    /**
     * An SSH server on {@code port} (0: any) with host key {@code host} that lets any public key in and opens
     * shells that end at once.
     */
    private static SshServer server(KeyPair host, int port) throws Exception {
        SshServer s = SshServer.setUpDefaultServer();
        s.setHost("127.0.0.1");
        s.setPort(port);
        s.setKeyPairProvider(KeyPairProvider.wrap(host));
        s.setPublickeyAuthenticator(AcceptAllPublickeyAuthenticator.INSTANCE);
        s.setShellFactory(channel -> UnknownCommandFactory.INSTANCE.createCommand(channel, "shell"));
        s.start();
        return s;
    }

    private TerminalViewModel terminal(int port, List<String> ems) throws Exception {
        Path key = dir.resolve("id_ecdsa");
        if (!Files.exists(key)) {
            try (var out = Files.newOutputStream(key)) {
                org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter.INSTANCE
                        .writePrivateKey(ec(), "console-test", null, out);
            }
        }
        TerminalViewModel vm = new TerminalViewModel(Dispatch.direct(), dir.resolve("known_appliances"), h -> ems);
        vm.hostProperty().set("127.0.0.1");
        vm.portProperty().set(port);
        vm.userProperty().set("admin");
        vm.keyFileProperty().set(key.toString());
        return vm;
    }

    @Test
    void onlyTheKeyTheEmsHasIsAccepted() throws Exception {
        KeyPair real = ec();
        KeyPair other = ec();
        SshServer s = server(real, 0);
        try {
            int port = s.getPort();
            TerminalViewModel ok = terminal(port, List.of(HostKeyCheck.fingerprint(real.getPublic())));
            ok.connect();
            assertTrue(ok.errorProperty().get().isEmpty(), ok.errorProperty().get());
            assertTrue(ok.screen().text().contains("host key " + HostKeyCheck.fingerprint(real.getPublic())),
                    ok.screen().text());
            assertFalse(ok.screen().text().contains("trusted on first use"), ok.screen().text());
            ok.disconnect();

            TerminalViewModel mitm = terminal(port, List.of(HostKeyCheck.fingerprint(other.getPublic())));
            mitm.connect();
            String e = mitm.errorProperty().get();
            assertTrue(e.contains("not the one it reported to the EMS") && e.contains(HostKeyCheck.fingerprint(
                    real.getPublic())) && e.contains(HostKeyCheck.fingerprint(other.getPublic())), e);
            assertFalse(mitm.connectedProperty().get());
        } finally {
            s.stop(true);
        }
    }

    @Test
    void anAddressTheEmsDoesNotKnowIsTrustedOnFirstUseOnly() throws Exception {
        SshServer first = server(ec(), 0);
        int port = first.getPort();
        try {
            TerminalViewModel vm = terminal(port, List.of());
            vm.connect();
            assertTrue(vm.errorProperty().get().isEmpty(), vm.errorProperty().get());
            assertTrue(vm.screen().text().contains("unknown to the EMS, trusted on first use"), vm.screen().text());
            vm.disconnect();
        } finally {
            first.stop(true);
        }
        SshServer second = server(ec(), port); // another machine answers at the same address and port
        try {
            TerminalViewModel vm = terminal(port, List.of());
            vm.connect();
            assertTrue(vm.errorProperty().get().contains("not the one remembered"), vm.errorProperty().get());
            assertFalse(vm.connectedProperty().get());
        } finally {
            second.stop(true);
        }
    }
}
