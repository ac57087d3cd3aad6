package org.secmon.agent;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.secmon.ems.api.Json;
import org.secmon.ems.testkit.EmsFixture;
import org.secmon.testkit.Await;
import org.secmon.testkit.IpsecLab;
import org.secmon.testkit.Nfcapd;
import org.secmon.testkit.Tools;
import org.secmon.tools.replay.ReplayCommand;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real IPsec between two network namespaces this test creates: a strongSwan charon in each (own /run and config;
 * ESP in userspace through kernel-libipsec, UDP-encapsulated on 4500, since this kernel has no ESP). Side A is the
 * appliance: the agent's enforcer configures its charon from a running EMS; side B is the analyzer: a charon with a
 * static responder configuration and nfcapd. NetFlow exported from side A reaches nfcapd through the tunnel, and a
 * capture on B's veth shows only IKE and ESP-in-UDP. Changing one tunnel's IKE policy in the EMS re-establishes that
 * tunnel and leaves the other up.
 */
class IpsecTunnelTest {
    static final String PSK1 = "tunnel-one-psk-0123456789abcdef";
    private static final String PSK2 = "tunnel-two-psk-0123456789abcdef";

    @TempDir
    Path dir;

    private IpsecLab lab;
    private String nsA;
    private String nsB;

    private static List<String> run(String... cmd) throws Exception {
        return IpsecLab.run(cmd);
    }

    private static String vici(Path home) {
        return IpsecLab.vici(home);
    }

    private static List<String> listSas(Path home) throws Exception {
        return IpsecLab.listSas(home);
    }

    private static String ikeSa(Path home, String name) throws Exception {
        return IpsecLab.ikeSa(home, name);
    }

    private Process start(Path log, String... cmd) throws Exception {
        return lab.start(log, cmd);
    }

    /**
     * gcm: two IKEv2 PSK tunnels with AES-GCM-128, then tunnel 2's IKE policy changes to AES-GCM-256. cbc: an IKEv2
     * PSK tunnel with AES-CBC-256/SHA-256 and an IKEv1 PSK tunnel with AES-CBC-128/SHA-1. cert: IKEv2 with
     * certificates from the EMS CA on both ends (the appliance asks for its own; the analyzer's is issued by an
     * admin through the API). dscp: a tunnel for DSCP 46 (EF): the enforcer's netfilter rules mark the exports of
     * that class (the exporter sets the DSCP), and they arrive with it through the tunnel; userspace ESP cannot
     * separate classes (it ignores marks), which the enforcer reports — two classes in two tunnels are checked with
     * kernel ESP in the appliance VM (image-builder/test-boot.sh).
     */
    @ParameterizedTest
    @ValueSource(strings = {"gcm", "cbc", "cert", "dscp"})
    void netflowCrossesTheTunnelAndAProposalChangeRestartsOnlyItsTunnel(String suite) throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "network namespaces and charon need root");
        Assumptions.assumeTrue(Files.isExecutable(IpsecLab.CHARON),
                "strongSwan charon is not installed (./secmon deps)");
        Tools.require("swanctl");
        try (IpsecLab theLab = new IpsecLab(dir)) {
            lab = theLab;
            nsA = lab.nsA;
            nsB = lab.nsB;
            String tag = lab.tag;
            Path a = lab.a;
            Path b = lab.b;
            try (EmsFixture ems = EmsFixture.embedded(dir.resolve("ems"))) {
                if (suite.equals("cert")) {
                    analyzerCertificate(ems, b);
                }
                Files.writeString(b.resolve("swanctl.conf"), suite.equals("cert") ? certResponder() : responder());
                run("swanctl", "--load-all", "--file", b.resolve("swanctl.conf").toString(), "--uri", vici(b));
                Path session = dir.resolve("ctl.json");
                AgentFixtures.ctl(session, "login", "--ems", ems.base, "-u", "admin");
                Path cfg = dir.resolve("c.yaml");
                Files.writeString(cfg, """
                        projects: [{name: lab}]
                        scopes: [{name: s, project: lab}]
                        ike_policies:
                          - {name: gcm128, ike_version: ikev2, encryption: aes128gcm16, integrity: sha256, dh_group: ecp256}
                          - {name: gcm256, ike_version: ikev2, encryption: aes256gcm16, integrity: sha256, dh_group: ecp256}
                          - {name: cbc256, ike_version: ikev2, encryption: aes256, integrity: sha256, dh_group: ecp256}
                          - {name: v1-cbc128, ike_version: ikev1, encryption: aes128, integrity: sha1, dh_group: modp2048}
                        ipsec_policies:
                          - {name: esp-gcm128, encryption: aes128gcm16, pfs_group: ecp256}
                          - {name: esp-cbc256, encryption: aes256, integrity: sha256, pfs_group: ecp256}
                          - {name: esp-cbc128-sha1, encryption: aes128, integrity: sha1, pfs_group: modp2048}
                        """);
                AgentFixtures.ctl(session, "apply", "-f", cfg.toString());
                // a connection the enforcer does not own, loaded before it starts (as the appliance image's boot
                // loads its tunnel to the analytics system): the enforcer's loads must keep it
                Path boot = Files.createDirectories(a.resolve("conf.d")).resolve("boot.conf");
                Files.writeString(boot, """
                        connections {
                          boot-analytics {
                            remote_addrs = 10.99.0.200
                            local {
                              auth = psk
                            }
                            remote {
                              auth = psk
                            }
                            children {
                              boot-analytics {
                                remote_ts = 10.10.9.0/24
                              }
                            }
                          }
                        }
                        """);
                run("swanctl", "--load-all", "--file", boot.toString(), "--uri", vici(a));
                // the enforcer's netfilter rules go into A's namespace (the agent itself runs in this one)
                Path nft = IpsecLab.nftIn(dir, nsA);
                String[] args = RunningAgent.args(dir, ems.base, "s", 100, Path.of("target/plugins"), "--ssh-port", "-1",
                    "--report-interval", "PT1S", "--ipsec-vici", vici(a), "--ipsec-nft",
                    nft.toString());
                try (RunningAgent agent = new RunningAgent(dir.resolve("agent.log"), args)) {
                    String appliance = awaitAppliance(session);
                    if (suite.equals("cert")) {
                        Path tf = dir.resolve("t1.yaml");
                        Files.writeString(tf, """
                                ipsec_tunnels:
                                  - {name: t1, appliance: %s, ike_policy: gcm128, ipsec_policy: esp-gcm128,
                                     local_address: 10.99.0.1, remote_address: 10.99.0.2, auth: certificate,
                                     remote_id: analyzer.test, local_subnets: [10.10.1.1/32],
                                     remote_subnets: [10.10.2.1/32]}
                                """.formatted(appliance));
                        AgentFixtures.ctl(session, "apply", "-f", tf.toString());
                        awaitEstablished(a, "secmon-t1", "AES_GCM_16-128");
                        String sas = String.join("\n", listSas(a));
                        assertTrue(sas.contains("'s-1.s.secmon'") && sas.contains("'analyzer.test'"), sas);
                        assertTrue(Files.exists(dir.resolve("agent/ipsec/x509/secmon-appliance.pem")));
                        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                                Files.getPosixFilePermissions(dir.resolve("agent/ipsec/ecdsa/secmon-appliance.key"))));
                        exportThroughTheTunnel(tag, 0);

                        // revocation: an administrator revokes the appliance's certificate; the analyzer loads the
                        // EMS CA's CRL and refuses the appliance from then on (the enforcer keeps the CRL too)
                        assertTrue(Files.exists(dir.resolve("agent/ipsec/x509crl/secmon-ca.crl")),
                                "the enforcer keeps the CA's CRL");
                        String admin = ems.admin();
                        EmsFixture.Resp rv = ems.call("POST", "/api/v1/certificates/revoke", admin,
                                Json.mapper().createObjectNode().put("name", "s-1.s.secmon"));
                        assertEquals(200, rv.status(), rv.toString());
                        Files.writeString(Files.createDirectories(b.resolve("x509crl")).resolve("ems.crl"),
                                ems.call("GET", "/api/v1/certificates/crl", admin, null).json().path("crl").asText());
                        run("swanctl", "--load-creds", "--file", b.resolve("swanctl.conf").toString(), "--uri",
                                vici(b));
                        run("swanctl", "--terminate", "--ike", "secmon-t1", "--uri", vici(a));
                        Thread.sleep(4000); // the enforcer re-initiates at its reports (every second)
                        String again = ikeSa(a, "secmon-t1");
                        assertTrue(again == null || !again.contains("ESTABLISHED"), "revoked, yet up: " + again);
                        assertTrue(Files.readString(b.resolve("charon.log")).contains("revoked"),
                                "the analyzer refused the revoked certificate:\n" + tail(b.resolve("charon.log")));
                        return;
                    }
                    if (suite.equals("dscp")) {
                        dscpClass(session, appliance, tag);
                        return;
                    }
                    boolean gcm = suite.equals("gcm");
                    String[][] policies = gcm ? new String[][] {{"gcm128", "esp-gcm128"}, {"gcm128", "esp-gcm128"}}
                            : new String[][] {{"cbc256", "esp-cbc256"}, {"v1-cbc128", "esp-cbc128-sha1"}};
                    for (int i = 1; i <= 2; i++) {
                        Path tf = dir.resolve("t" + i + ".yaml");
                        Files.writeString(tf, """
                                ipsec_tunnels:
                                  - {name: t%1$d, appliance: %2$s, ike_policy: %4$s, ipsec_policy: %5$s,
                                     local_address: 10.99.0.%6$s, remote_address: 10.99.0.%7$s, local_id: a%1$d,
                                     remote_id: b%1$d, local_subnets: [10.10.1.%1$d/32],
                                     remote_subnets: [10.10.2.%1$d/32], psk: %3$s, dpd_delay: 10}
                                """.formatted(i, appliance, i == 1 ? PSK1 : PSK2, policies[i - 1][0],
                                policies[i - 1][1], i == 1 ? "1" : "11", i == 1 ? "2" : "12"));
                        AgentFixtures.ctl(session, "apply", "-f", tf.toString());
                    }
                    String before1 = awaitEstablished(a, "secmon-t1", gcm ? "AES_GCM_16-128" : "AES_CBC-256/HMAC_SHA2_256_128");
                    String before2 = awaitEstablished(a, "secmon-t2", gcm ? "AES_GCM_16-128" : "AES_CBC-128/HMAC_SHA1_96");
                    if (!gcm) {
                        assertTrue(listSas(a).stream().anyMatch(l -> l.startsWith("secmon-t2: #") && l.contains("IKEv1")),
                                listSas(a).toString());
                    }
                    assertTrue(Files.readString(dir.resolve("agent/ipsec/swanctl.conf")).contains("secret = \"0s"));
                    assertTrue(run("swanctl", "--list-conns", "--uri", vici(a)).stream()
                            .anyMatch(l -> l.startsWith("boot-analytics:")),
                            "the connection the enforcer does not own stayed loaded");
                    assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                            Files.getPosixFilePermissions(dir.resolve("agent/ipsec/swanctl.conf"))));

                    exportThroughTheTunnel(tag, 0);
                    if (!gcm) {
                        // tunnel 2 carries its subnets' traffic too
                        IpsecLab.ns(nsA, "bash", "-c", "for i in 1 2 3; do echo x > /dev/udp/10.10.2.2/9; done");
                        Thread.sleep(500);
                        String sas = String.join("\n", listSas(a));
                        String t2 = sas.substring(sas.indexOf("secmon-t2: #"));
                        assertTrue(Pattern.compile("out \\w+,\\s+[1-9]\\d* bytes").matcher(t2).find(), sas);
                        return;
                    }

                    // a rekey of tunnel 1's child SA (forced here; charon does it at 90 % of the lifetime) is
                    // reported, and leaves its IKE SA as it was
                    run("swanctl", "--rekey", "--child", "secmon-t1", "--uri", vici(a));
                    JsonNode t1 = Await.until(Duration.ofSeconds(20), "tunnel 1's rekey reported",
                            () -> Json.mapper().readTree(AgentFixtures.ctl(session, "counters", "s-1", "-s", "s",
                                    "-o", "json")).path("counters").path("ipsec").path("tunnels").path("secmon-t1"),
                            t -> t.path("rekeys").asLong() == 1);
                    assertEquals(0, t1.path("ike_rekeys").asLong(), String.valueOf(t1));
                    assertTrue(t1.path("child_rekey_in_s").asLong() > 0 && t1.path("ike_rekey_in_s").asLong() > 0,
                            String.valueOf(t1));

                    // an operator's swanctl --load-conns (or a charon restart) drops the enforcer's connections: it
                    // loads them again at its next report and the tunnel is up; the other connection is untouched
                    run("swanctl", "--load-conns", "--file", boot.toString(), "--uri", vici(a));
                    assertTrue(run("swanctl", "--list-conns", "--uri", vici(a)).stream()
                            .noneMatch(l -> l.startsWith("secmon-t1:")), "swanctl unloaded the enforcer's tunnel");
                    List<String> conns = Await.until(Duration.ofSeconds(20), "the enforcer loaded tunnel 1 again",
                            () -> run("swanctl", "--list-conns", "--uri", vici(a)),
                            c -> c.stream().anyMatch(l -> l.startsWith("secmon-t1:")));
                    assertTrue(conns.stream().anyMatch(l -> l.startsWith("boot-analytics:")), conns.toString());
                    awaitEstablished(a, "secmon-t1", "AES_GCM_16-128");

                    // a proposal change of tunnel 2 restarts tunnel 2 only
                    AgentFixtures.ctl(session, "update", "ipsec_tunnel", "t2", "--set", "ike_policy=gcm256");
                    Await.until(Duration.ofSeconds(30), "tunnel 2 re-established with AES_GCM_16-256", () -> {
                        String after2 = ikeSa(a, "secmon-t2");
                        return after2 != null && after2.contains("ESTABLISHED") && !after2.equals(before2)
                                && listSas(a).toString().contains("AES_GCM_16-256");
                    });
                    assertEquals(before1, ikeSa(a, "secmon-t1"), "tunnel 1 untouched: " + listSas(a));

                    // the agent reports the SA state to the EMS
                    JsonNode counters = Json.mapper().readTree(AgentFixtures.ctl(session, "counters", "s-1",
                            "-s", "s", "-o", "json"));
                    assertEquals("established", counters.path("counters").path("ipsec").path("tunnels")
                            .path("secmon-t1").path("ike").asText(), counters.toString());

                    // deleting tunnel 1 in the EMS takes its SA down and leaves tunnel 2 up
                    String t2 = ikeSa(a, "secmon-t2");
                    AgentFixtures.ctl(session, "delete", "ipsec_tunnel", "t1");
                    Await.until(Duration.ofSeconds(20), "tunnel 1 terminated", () -> ikeSa(a, "secmon-t1"),
                            sa -> sa == null);
                    assertEquals(t2, ikeSa(a, "secmon-t2"), "tunnel 2 untouched: " + listSas(a));
                    assertTrue(!Files.readString(dir.resolve("agent/ipsec/swanctl.conf")).contains("secmon-t1"));
                }
            }
        }
    }

    /**
     * A tunnel for DSCP 46: its marking rules in A's netfilter, exports with DSCP 46 marked by them and arriving
     * through the tunnel with their DSCP; the enforcer reports the marked packets and that userspace ESP cannot
     * keep classes apart; the rules go when no tunnel has a DSCP.
     */
    private void dscpClass(Path session, String appliance, String tag) throws Exception {
        Path tf = dir.resolve("t1.yaml");
        Files.writeString(tf, """
                ipsec_tunnels:
                  - {name: t1, appliance: %s, ike_policy: gcm128, ipsec_policy: esp-gcm128, local_address: 10.99.0.1,
                     remote_address: 10.99.0.2, local_id: a1, remote_id: b1, local_subnets: [10.10.1.1/32],
                     remote_subnets: [10.10.2.1/32], psk: %s, dscp: 46}
                """.formatted(appliance, PSK1));
        AgentFixtures.ctl(session, "apply", "-f", tf.toString());
        awaitEstablished(dir.resolve("a"), "secmon-t1", "AES_GCM_16-128");
        String conf = Files.readString(dir.resolve("agent/ipsec/swanctl.conf"));
        assertTrue(conf.contains("mark_out = \"0x5ec2e\"") && conf.contains("set_mark_in = \"0x5ec2e\"")
                && conf.contains("priority = \"1024\""), conf);
        String rules = String.join("\n", run("ip", "netns", "exec", nsA, "nft", "list", "table", "inet",
                "secmon_dscp"));
        assertTrue(rules.contains("ip saddr 10.10.1.1 ip daddr 10.10.2.1 ip dscp ef") && rules.contains(
                "meta mark set 0x0005ec2e") && rules.contains("hook output"), rules);

        long datagrams = exportThroughTheTunnel(tag, 46);
        String after = String.join("\n", run("ip", "netns", "exec", nsA, "nft", "list", "chain", "inet",
                "secmon_dscp", "output"));
        assertTrue(after.contains("counter packets " + datagrams + " "), "every export marked once: " + datagrams
                + " datagrams\n" + after);
        // the agent reports the class, its marked packets, and why classes are not kept apart here
        JsonNode d = Await.until(Duration.ofSeconds(20), datagrams + " marked packets reported",
                () -> Json.mapper().readTree(AgentFixtures.ctl(session, "counters", "s-1", "-s", "s", "-o", "json"))
                        .path("counters").path("ipsec").path("dscp"),
                x -> x.path("tunnels").path("secmon-t1").path("packets").asLong() == datagrams);
        assertEquals(46, d.path("tunnels").path("secmon-t1").path("dscp").asInt(), d.toString());
        assertTrue(d.path("warning").asText().contains("kernel-libipsec"), d.toString());

        // no DSCP tunnel left: the table goes, nothing else in A's ruleset is touched
        run("ip", "netns", "exec", nsA, "nft", "add", "table", "inet", "operators_own");
        AgentFixtures.ctl(session, "delete", "ipsec_tunnel", "t1");
        String tables = Await.until(Duration.ofSeconds(20), "the secmon_dscp table gone",
                () -> String.join("\n", run("ip", "netns", "exec", nsA, "nft", "list", "tables")),
                t -> !t.contains("secmon_dscp"));
        assertTrue(tables.contains("operators_own"), tables);
    }

    /**
     * NetFlow from A's 10.10.1.1 to nfcapd on B's 10.10.2.1, captured on B's veth: only IKE and ESP-in-UDP. With a
     * {@code dscp}, the exports carry it, checked on B's TUN device (after decryption). Answers the datagrams sent.
     */
    private long exportThroughTheTunnel(String tag, int dscp) throws Exception {
        Path flows = Files.createDirectories(dir.resolve("flows"));
        Process nfcapd = start(dir.resolve("nfcapd.log"), "ip", "netns", "exec", nsB, Tools.require("nfcapd")
                .toString(), "-w", flows.toString(), "-p", "2055", "-b", "10.10.2.1", "-t", "3600");
        Path capture = dir.resolve("veth.pcap");
        Process dump = start(dir.resolve("tcpdump.log"), "ip", "netns", "exec", nsB, Tools.require("tcpdump")
                .toString(), "-i", "smb" + tag, "--immediate-mode", "-U", "-w", capture.toString());
        // userspace ESP hands what it decrypted to the TUN device charon made (ipsec0)
        Path inner = dir.resolve("tun.pcap");
        Process tun = dscp == 0 ? null : start(dir.resolve("tcpdump-tun.log"), "ip", "netns", "exec", nsB,
                Tools.require("tcpdump").toString(), "-i", "ipsec0", "--immediate-mode", "-U", "-w", inner.toString(),
                "udp port 2055");
        Await.until(Duration.ofSeconds(20), "nfcapd and tcpdump started",
                () -> Files.readString(dir.resolve("tcpdump.log")).contains("listening on")
                        && Files.readString(dir.resolve("nfcapd.log")).contains("Startup")
                        && (tun == null || Files.readString(dir.resolve("tcpdump-tun.log")).contains("listening on")));
        String java = ProcessHandle.current().info().command().orElse("java");
        Process replay = new ProcessBuilder("ip", "netns", "exec", nsA, java, "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "org.secmon.tools.replay.ReplayCommand", "--pcap",
                dir.resolve("sample.pcap").toString(), "--netflow", "10.10.2.1:2055", "--plugins", "target/plugins",
                "--no-count", "--rate", "5000", "--dscp", Integer.toString(dscp), "--summary-json",
                dir.resolve("replay.json").toString()).redirectErrorStream(true).start();
        String out = new String(replay.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(replay.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, replay.exitValue(), out);
        long exported = Json.mapper().readTree(dir.resolve("replay.json").toFile()).at("/plugins/0/counters")
                .path("records_exported").asLong(-1);
        assertTrue(exported > 10, out);
        Thread.sleep(1000); // charon's userspace ESP and the capture catch up
        nfcapd.destroy(); // nfcapd writes its file on SIGTERM
        nfcapd.waitFor(20, TimeUnit.SECONDS);
        dump.destroy();
        dump.waitFor(20, TimeUnit.SECONDS);
        long datagrams = -1;
        if (tun != null) {
            tun.destroy();
            tun.waitFor(20, TimeUnit.SECONDS);
            List<String> dsfield = run("tshark", "-r", inner.toString(), "-T", "fields", "-e", "ip.dsfield.dscp",
                    "-e", "ip.src", "-e", "ip.dst");
            assertTrue(!dsfield.isEmpty() && dsfield.stream().allMatch(l -> l.equals(dscp + "\t10.10.1.1\t10.10.2.1")),
                    "every export with DSCP " + dscp + " through the tunnel: " + dsfield);
            datagrams = dsfield.size();
        }
        Path file = Nfcapd.collect(flows, Files.readString(dir.resolve("nfcapd.log")));
        assertEquals(exported, AgentFixtures.records(file).size(), "every record through the tunnel");
        List<String> frames = run("tshark", "-r", capture.toString(), "-T", "fields", "-e", "udp.srcport",
                "-e", "udp.dstport", "-e", "_ws.col.Protocol");
        long esp = frames.stream().filter(f -> f.endsWith("\tESP")).count();
        assertTrue(esp >= 1, "the exports crossed as ESP-in-UDP: " + frames);
        for (String f : frames) {
            String[] x = f.split("\t", -1);
            boolean ike = x[0].equals("500") || x[0].equals("4500") || x[1].equals("500") || x[1].equals("4500");
            boolean arp = x.length > 2 && (x[2].equals("ARP") || x[2].startsWith("ICMPv6"));
            assertTrue(ike || arp, "cleartext on the wire: " + f);
            assertNotEquals("CFLOW", x.length > 2 ? x[2] : "", f);
        }
        return datagrams;
    }

    private String awaitAppliance(Path session) throws Exception {
        JsonNode l = Await.until(Duration.ofSeconds(30), "the agent registered and applied",
                () -> Json.mapper().readTree(AgentFixtures.ctl(session, "get", "appliances", "-o", "json", "--ids")),
                a -> a.size() == 1 && a.get(0).has("applied_version"));
        return l.get(0).path("id").asText();
    }

    private String awaitEstablished(Path home, String name, String esp) throws Exception {
        try {
            return Await.until(Duration.ofSeconds(40), name + " established with " + esp, () -> {
                String sa = ikeSa(home, name);
                return sa != null && sa.contains("ESTABLISHED") && String.join("\n", listSas(home)).contains(esp)
                        ? sa : null;
            }, sa -> sa != null);
        } catch (AssertionError e) {
            // the logs that tell why, read only when it failed
            throw new AssertionError(e.getMessage() + ": " + listSas(home) + "\n"
                    + Files.readString(dir.resolve("agent.log")) + "\ncharon A:\n" + tail(dir.resolve("a/charon.log"))
                    + "\ncharon B:\n" + tail(dir.resolve("b/charon.log")) + "\nswanctl A:\n"
                    + (Files.exists(dir.resolve("agent/ipsec/last-load.log"))
                    ? Files.readString(dir.resolve("agent/ipsec/last-load.log")) : "(none)"), e);
        }
    }

    private static String tail(Path f) throws Exception {
        if (!Files.exists(f)) {
            return "(none)";
        }
        List<String> l = Files.readAllLines(f).stream().filter(x -> x.matches(".*(key|cert|CERT|auth|AUTH|fail|error"
                + "|no |not ).*") && !x.contains("queueing") && !x.contains("activating")).toList();
        return String.join("\n", l.subList(Math.max(0, l.size() - 30), l.size()));
    }

    /** Side B's key (made here) and certificate from the EMS CA, issued to an admin through the API. */
    private static void analyzerCertificate(EmsFixture ems, Path b) throws Exception {
        java.security.KeyPair kp = IpsecLab.ecKey();
        com.fasterxml.jackson.databind.node.ObjectNode body = Json.mapper().createObjectNode()
                .put("name", "analyzer.test").put("csr", IpsecLab.csr(kp, "analyzer"));
        EmsFixture.Resp r = ems.call("POST", "/api/v1/certificates", ems.admin(), body);
        assertEquals(201, r.status(), r.toString());
        Files.writeString(Files.createDirectories(b.resolve("x509")).resolve("analyzer.pem"),
                r.json().path("certificate").asText());
        Files.writeString(Files.createDirectories(b.resolve("x509ca")).resolve("ca.pem"), r.json().path("ca").asText());
        Files.writeString(Files.createDirectories(b.resolve("ecdsa")).resolve("analyzer.key"),
                IpsecLab.pem(kp.getPrivate()));
        // a certificate request for someone else's key is refused: the signature must verify
        EmsFixture.Resp bad = ems.call("POST", "/api/v1/certificates", ems.admin(),
                Json.mapper().createObjectNode().put("name", "x.test").put("csr", "not a csr"));
        assertEquals(422, bad.status(), bad.toString());
    }

    /** Side B for the certificate case: its EMS-issued certificate, the appliance's name as the peer. */
    private static String certResponder() {
        return """
                connections {
                  t1 {
                    version = 2
                    local_addrs = 10.99.0.2
                    remote_addrs = 10.99.0.1
                    proposals = aes128gcm16-prfsha256-ecp256
                    local {
                      auth = pubkey
                      certs = analyzer.pem
                      id = analyzer.test
                    }
                    remote {
                      auth = pubkey
                      id = s-1.s.secmon
                    }
                    children {
                      t1 {
                        local_ts = 10.10.2.1/32
                        remote_ts = 10.10.1.1/32
                        esp_proposals = aes128gcm16-ecp256
                      }
                    }
                  }
                }
                """;
    }

    /** Side B: a static responder for both tunnels, accepting either IKE proposal. */
    static String responder() {
        StringBuilder c = new StringBuilder("connections {\n");
        StringBuilder s = new StringBuilder("secrets {\n");
        for (int i = 1; i <= 2; i++) {
            c.append("""
                      t%1$d {
                        version = 2
                        local_addrs = 10.99.0.%3$s
                        remote_addrs = 10.99.0.%4$s
                        version = 0
                        proposals = aes128gcm16-prfsha256-ecp256,aes256gcm16-prfsha256-ecp256,aes256-sha256-ecp256,aes128-sha1-modp2048
                        local {
                          auth = psk
                          id = b%1$d
                        }
                        remote {
                          auth = psk
                          id = a%1$d
                        }
                        children {
                          t%1$d {
                            local_ts = 10.10.2.%1$d/32
                            remote_ts = 10.10.1.%1$d/32
                            esp_proposals = aes128gcm16-ecp256,aes256-sha256-ecp256,aes128-sha1-modp2048
                          }
                        }
                      }
                    """.formatted(i, "", i == 1 ? "2" : "12", i == 1 ? "1" : "11"));
            s.append("""
                      ike-%1$d {
                        id-1 = a%1$d
                        id-2 = b%1$d
                        secret = "%2$s"
                      }
                    """.formatted(i, i == 1 ? PSK1 : PSK2));
        }
        return c + "}\n" + s + "}\n";
    }
}
