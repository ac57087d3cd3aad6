package org.secmon.console.terminal;

import java.net.SocketAddress;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.List;

import org.apache.sshd.client.keyverifier.KnownHostsServerKeyVerifier;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.digest.BuiltinDigests;

/**
 * Whether the console trusts an appliance's SSH host key. Appliances report their key's fingerprint to the EMS
 * (over their authenticated channel); when the EMS has fingerprints for the address connected to, the key must be
 * one of them, whatever {@code known_hosts} says — a key the EMS does not know is refused, never asked about. Only
 * for an address the EMS knows no appliance at (NAT, an appliance that has not reported yet) the console falls back
 * to trust on first use: the key is remembered, a changed one refused ({@link #firstUse} says when that happened).
 */
public final class HostKeyCheck implements ServerKeyVerifier {
    private final List<String> expected;
    private final ServerKeyVerifier knownHosts;
    private volatile String presented;
    private volatile boolean firstUse;

    /**
     * @param expected   fingerprints ({@code SHA256:...}) the EMS has for the address; empty when it knows none
     * @param knownHosts where keys trusted on first use are remembered (OpenSSH known_hosts format)
     */
    public HostKeyCheck(List<String> expected, Path knownHosts) {
        this.expected = List.copyOf(expected);
        this.knownHosts = new KnownHostsServerKeyVerifier((s, a, k) -> {
            firstUse = true;
            return true;
        }, knownHosts);
    }

    @Override
    public boolean verifyServerKey(ClientSession session, SocketAddress remote, PublicKey key) {
        String fp = fingerprint(key);
        presented = fp;
        if (!expected.isEmpty()) {
            return expected.contains(fp);
        }
        return knownHosts.verifyServerKey(session, remote, key);
    }

    public static String fingerprint(PublicKey key) {
        return KeyUtils.getFingerPrint(BuiltinDigests.sha256, key);
    }

    /** The fingerprint of the key the server presented (null before). */
    public String presented() {
        return presented;
    }

    /** Whether the key was unknown to the EMS and accepted as the first seen for that address. */
    public boolean firstUse() {
        return firstUse;
    }

    /** What to tell the operator when the key was refused; null if it was not. */
    public String refusal(String host) {
        if (presented == null) {
            return null;
        }
        if (!expected.isEmpty()) {
            return expected.contains(presented) ? null : "the appliance at " + host + " presented host key " + presented
                    + ", not the one it reported to the EMS (" + String.join(" or ", expected) + "): refused (a"
                    + " machine in between, or the appliance was reinstalled: its next report tells the EMS its new"
                    + " key)";
        }
        return "the host key of " + host + " (" + presented + ") is not the one remembered for it: refused (remove"
                + " its line from the console's known_appliances file if the appliance was reinstalled)";
    }
}
