package org.secmon.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Two network namespaces joined by a veth (A 10.99.0.1 and .11, B 10.99.0.2 and .12), each with a strongSwan charon
 * of its own (own /run and configuration; ESP in userspace through kernel-libipsec, since this kernel has none),
 * and the processes started in them; {@link #close} stops those processes and deletes the namespaces. Needs root.
 */
public final class IpsecLab implements AutoCloseable {
    public static final Path CHARON = Path.of("/usr/lib/ipsec/charon");

    public final String tag = Integer.toString(ThreadLocalRandom.current().nextInt(10_000, 99_999));
    public final String nsA = "smt-a" + tag;
    public final String nsB = "smt-b" + tag;
    public final Path a;
    public final Path b;
    private final List<Process> processes = new ArrayList<>();

    /** The namespaces, addresses and both charons; A's home is {@code dir/a}, B's {@code dir/b}. */
    public IpsecLab(Path dir) throws Exception {
        this.a = dir.resolve("a");
        this.b = dir.resolve("b");
        try {
            run("ip", "netns", "add", nsA);
            run("ip", "netns", "add", nsB);
            run("ip", "link", "add", "sma" + tag, "netns", nsA, "type", "veth", "peer", "name", "smb" + tag,
                    "netns", nsB);
            ns(nsA, "ip", "addr", "add", "10.99.0.1/24", "dev", "sma" + tag);
            ns(nsB, "ip", "addr", "add", "10.99.0.2/24", "dev", "smb" + tag);
            // a second pair of peers: IKEv1 main mode picks the pre-shared key by address
            ns(nsA, "ip", "addr", "add", "10.99.0.11/24", "dev", "sma" + tag);
            ns(nsB, "ip", "addr", "add", "10.99.0.12/24", "dev", "smb" + tag);
            for (String[] x : new String[][] {{nsA, "sma" + tag}, {nsB, "smb" + tag}}) {
                ns(x[0], "ip", "link", "set", x[1], "up");
                ns(x[0], "ip", "link", "set", "lo", "up");
            }
            // the exporter's and the analyzer's addresses, reachable only through the tunnels
            ns(nsA, "ip", "addr", "add", "10.10.1.1/32", "dev", "lo");
            ns(nsA, "ip", "addr", "add", "10.10.1.2/32", "dev", "lo");
            ns(nsB, "ip", "addr", "add", "10.10.2.1/32", "dev", "lo");
            ns(nsB, "ip", "addr", "add", "10.10.2.2/32", "dev", "lo");
            charon(nsA, a);
            charon(nsB, b);
        } catch (Exception | AssertionError e) {
            close();
            throw e;
        }
    }

    public static List<String> run(String... cmd) throws Exception {
        return Nfcapd.run(List.of(cmd));
    }

    public static void ns(String ns, String... cmd) throws Exception {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        c.addAll(List.of(cmd));
        Nfcapd.run(c);
    }

    /** Starts a process that {@link #close} stops, its output to {@code log}. */
    public Process start(Path log, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(p);
        return p;
    }

    private void charon(String ns, Path home) throws Exception {
        Files.createDirectories(home.resolve("run"));
        Files.writeString(home.resolve("strongswan.conf"), """
                charon {
                  load = random nonce aes sha1 sha2 hmac kdf gcm pem pkcs1 x509 pubkey curve25519 gmp openssl \
                revocation constraints kernel-libipsec kernel-netlink socket-default updown vici
                  piddir = %1$s/run
                  install_routes = yes
                  plugins {
                    vici { socket = unix://%1$s/run/charon.vici }
                  }
                  filelog { log { path = %1$s/charon.log
                    default = 1
                    ike = 2 } }
                }
                """.formatted(home));
        start(home.resolve("charon.out"), "ip", "netns", "exec", ns, "unshare", "-m", "sh", "-c",
                "mount --bind " + home.resolve("run") + " /run && STRONGSWAN_CONF=" + home.resolve("strongswan.conf")
                        + " exec " + CHARON);
        Await.until(Duration.ofSeconds(20), "charon in " + ns + " started (its VICI socket)",
                () -> Files.exists(home.resolve("run/charon.vici")), () -> Files.readString(home.resolve("charon.out")));
    }

    public static String vici(Path home) {
        return "unix://" + home.resolve("run/charon.vici");
    }

    public static List<String> listSas(Path home) throws Exception {
        return run("swanctl", "--list-sas", "--uri", vici(home));
    }

    /** The IKE SA line of a connection ({@code NAME: #N, STATE, ...}), or null. */
    public static String ikeSa(Path home, String name) throws Exception {
        for (String l : listSas(home)) {
            if (l.startsWith(name + ": #")) {
                return l.substring(0, l.indexOf(',', l.indexOf(',') + 1));
            }
        }
        return null;
    }

    /** A script that runs nft in namespace {@code ns} (an enforcer outside it manages its rules). */
    public static Path nftIn(Path dir, String ns) throws Exception {
        Path nft = dir.resolve("nft-in-" + ns);
        Files.writeString(nft, "#!/bin/sh\nexec ip netns exec " + ns + " nft \"$@\"\n");
        nft.toFile().setExecutable(true);
        return nft;
    }

    /** An EC P-256 key pair (BouncyCastle's keys carry the curve in their SEC 1 form too; the JDK's, converted, do not). */
    public static java.security.KeyPair ecKey() throws Exception {
        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("EC",
                new org.bouncycastle.jce.provider.BouncyCastleProvider());
        g.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    /** A PEM certification request for {@code kp} with subject CN={@code cn} (the key stays with the caller). */
    public static String csr(java.security.KeyPair kp, String cn) throws Exception {
        return pem(new org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder(
                new org.bouncycastle.asn1.x500.X500Name("CN=" + cn), kp.getPublic())
                .build(new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withECDSA")
                        .build(kp.getPrivate())));
    }

    public static String pem(Object o) throws Exception {
        java.io.StringWriter w = new java.io.StringWriter();
        try (org.bouncycastle.openssl.jcajce.JcaPEMWriter p = new org.bouncycastle.openssl.jcajce.JcaPEMWriter(w)) {
            p.writeObject(o);
        }
        return w.toString();
    }

    @Override
    public void close() throws Exception {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
            if (p.isAlive()) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
        }
        for (String n : new String[] {nsA, nsB}) {
            new ProcessBuilder("ip", "netns", "del", n).start().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
