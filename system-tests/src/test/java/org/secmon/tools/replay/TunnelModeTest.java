package org.secmon.tools.replay;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.dataplane.dpdk.Dpdk;
import org.secmon.testkit.Await;
import org.secmon.testkit.Tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The appliance's tunnel mode (secmon-init {@code SECMON_MIRROR_MODE=tunnel}): the kernel keeps the mirror NIC and
 * its address, so a hypervisor can resolve it — ARP, IPv6 neighbour discovery — and ping it, while the data plane
 * reads the same NIC through DPDK's af_packet driver and terminates the tunnels sent there. Two namespaces joined by
 * a veth: the "appliance" (10.98.0.2, fd98::2) runs {@code secmon replay --source dpdk --device net_af_packet...}
 * in it; the "hypervisor" (10.98.0.1) pings both addresses and sends through two Linux VXLAN devices whose remote
 * is the appliance (nothing resolves its MAC but the appliance's kernel).
 */
class TunnelModeTest {
    @TempDir
    Path dir;

    @Test
    void theKernelAnswersArpNdAndPingWhileDpdkReadsTheTunnels() throws Exception {
        Path ping = Tools.require("ping");
        Tools.require("ip");
        if (!Dpdk.isAvailable()) {
            if ("1".equals(System.getenv("SECMON_REQUIRE_TOOLS"))) {
                fail("DPDK is not available: " + Dpdk.availability().reason());
            }
            org.junit.jupiter.api.Assumptions.abort("DPDK is not available: " + Dpdk.availability().reason());
        }
        String tag = Integer.toString(ThreadLocalRandom.current().nextInt(10_000, 99_999));
        String app = "st-app" + tag;
        String hv = "st-hv" + tag;
        String nic = "st" + tag + "m";
        String up = "st" + tag + "u";
        List<Process> started = new ArrayList<>();
        try {
            run("ip", "netns", "add", app);
            run("ip", "netns", "add", hv);
            run("ip", "link", "add", nic, "netns", app, "type", "veth", "peer", "name", up, "netns", hv);
            run("ip", "-n", app, "addr", "add", "10.98.0.2/24", "dev", nic);
            run("ip", "-n", app, "addr", "add", "fd98::2/64", "dev", nic, "nodad");
            run("ip", "-n", hv, "addr", "add", "10.98.0.1/24", "dev", up);
            run("ip", "-n", hv, "addr", "add", "fd98::1/64", "dev", up, "nodad");
            for (String[] x : new String[][] {{app, nic}, {hv, up}}) {
                run("ip", "-n", x[0], "link", "set", x[1], "up");
                run("ip", "-n", x[0], "link", "set", "lo", "up");
            }
            // the appliance's data plane on its NIC, through DPDK af_packet, in the appliance's namespace
            Path summary = dir.resolve("summary.json");
            Path log = dir.resolve("replay.log");
            List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", app,
                    ProcessHandle.current().info().command().orElseThrow(), "--enable-native-access=ALL-UNNAMED",
                    "-cp", System.getProperty("java.class.path"), "org.secmon.tools.replay.ReplayCommand",
                    "--source", "dpdk", "--device", "net_af_packet_tm0,iface=" + nic + ",qpairs=1", "--idle-end",
                    "3000", "--decap", "auto", "--plugins", TunnelIngestTest.PLUGINS.toString(),
                    "--summary-json", summary.toString()));
            Process replay = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            started.add(replay);
            Await.until(Duration.ofSeconds(60), "DPDK af_packet on " + nic + " (promiscuous)", () -> {
                if (!replay.isAlive()) {
                    throw new Await.Abort("the replay ended first: " + Files.readString(log));
                }
                return Tools.exec(List.of("ip", "-n", app, "link", "show", nic), 10).out().contains("PROMISC");
            });

            // ARP and ping, neighbour discovery and ping6: answered by the appliance's kernel
            Tools.Result p4 = Tools.exec(List.of("ip", "netns", "exec", hv, ping.toString(), "-c", "3", "-i", "0.2",
                    "-W", "2", "10.98.0.2"), 30);
            assertEquals(0, p4.exitCode(), "ping 10.98.0.2: " + p4.out() + p4.err());
            Tools.Result p6 = Tools.exec(List.of("ip", "netns", "exec", hv, ping.toString(), "-6", "-c", "3", "-i",
                    "0.2", "-W", "2", "fd98::2"), 30);
            assertEquals(0, p6.exitCode(), "ping -6 fd98::2: " + p6.out() + p6.err());
            String neighbours = Tools.exec(List.of("ip", "-n", hv, "neigh", "show", "dev", up), 10).out();
            assertTrue(neighbours.contains("10.98.0.2 lladdr") && neighbours.contains("fd98::2 lladdr"),
                    "ARP and ND resolved the appliance: " + neighbours);

            // tunnels to the appliance's address from Linux VXLAN devices: VNI 42 on the IANA port, VNI 44 on Linux's
            // own default (8472); this kernel has no GRE module (Open vSwitch's GRE and ERSPAN: OvsMirrorTest)
            run("ip", "-n", hv, "link", "add", "vx42", "type", "vxlan", "id", "42", "remote", "10.98.0.2", "dstport",
                    "4789", "dev", up);
            run("ip", "-n", hv, "link", "add", "vx44", "type", "vxlan", "id", "44", "remote", "10.98.0.2", "dstport",
                    "8472", "dev", up);
            int k = 0;
            for (String dev : List.of("vx42", "vx44")) {
                k++;
                // no IPv6 on the tunnel device: only the test's datagrams go through it
                run("ip", "netns", "exec", hv, "sysctl", "-qw", "net.ipv6.conf." + dev + ".disable_ipv6=1");
                run("ip", "-n", hv, "addr", "add", "10.7." + k + ".1/24", "dev", dev);
                run("ip", "-n", hv, "link", "set", dev, "up");
                run("ip", "-n", hv, "neigh", "add", "10.7." + k + ".2", "lladdr", "02:00:00:07:00:0" + k, "dev", dev,
                        "nud", "permanent");
                for (int i = 0; i < 5; i++) {
                    run("ip", "netns", "exec", hv, "bash", "-c", "echo tunnelled > /dev/udp/10.7." + k + ".2/9000");
                }
            }
            if (!replay.waitFor(60, TimeUnit.SECONDS)) {
                fail("the replay did not end 3 s after the last frame: " + Files.readString(log));
            }
            assertEquals(0, replay.exitValue(), Files.readString(log));
            JsonNode s = new ObjectMapper().readTree(summary.toFile());
            java.util.Map<String, Long> points = new java.util.TreeMap<>();
            s.get("observation_points").forEach(n -> points.put(n.get("point").asText(), n.get("packets").asLong()));
            assertEquals(5L, points.get("vxlan 10.98.0.1 vni 42"), "the VXLAN datagrams, inner: " + points
                    + "\n" + Files.readString(log));
            assertEquals(5L, points.get("vxlan 10.98.0.1 vni 44"), "the VXLAN datagrams on 8472, inner: " + points);
        } finally {
            for (Process p : started) {
                p.destroy();
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
            for (String n : List.of(app, hv)) {
                new ProcessBuilder("ip", "netns", "del", n).start().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static void run(String... cmd) throws Exception {
        Tools.Result r = Tools.exec(List.of(cmd), 60);
        assertEquals(0, r.exitCode(), String.join(" ", cmd) + ": " + r.err() + r.out());
    }
}
