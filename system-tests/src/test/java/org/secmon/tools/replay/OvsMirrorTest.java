package org.secmon.tools.replay;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.dataplane.dpdk.Dpdk;
import org.secmon.testkit.Await;
import org.secmon.testkit.Nfcapd;
import org.secmon.testkit.OvsLab;
import org.secmon.testkit.Tools;
import org.secmon.testkit.UdpCapture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Real encapsulators: Open vSwitch's userspace datapath mirrors a bridge with two VMs through ERSPAN v1 (type II),
 * ERSPAN v2 (type III, direction egress), GRE and GENEVE tunnel ports, and a Linux VXLAN device sends through the
 * same underlay, to a veth that SecMon reads twice at once: tcpdump's capture replayed (the pcap source), and DPDK's
 * af_packet driver on the veth live ({@code replay --source dpdk --device net_af_packet...}). nfdump must show
 * exactly the inner TCP/UDP flows tshark decodes from the capture, each with its tunnel's id as observation point.
 */
class OvsMirrorTest {
    @TempDir
    Path dir;

    /** Inner flow's UDP destination port (each phase its own) -> the tunnel id it must carry. */
    private static final Map<Integer, Long> POINT_BY_PORT = Map.of(7001, 11L, 7011, 12L, 7021, 13L, 7031, 14L,
            7041, 15L);

    @Test
    void ovsAndLinuxTunnelsGiveTheInnerFlowsWithTheirObservationPoints() throws Exception {
        Path tcpdump = Tools.require("tcpdump");
        Tools.require("nfdump");
        Tools.require("tshark");
        boolean dpdk = Dpdk.isAvailable();
        if (!dpdk && "1".equals(System.getenv("SECMON_REQUIRE_TOOLS"))) {
            fail("DPDK is not available for the af_packet half: " + Dpdk.availability().reason());
        }
        Path pcap = dir.resolve("mirror.pcap");
        try (OvsLab lab = new OvsLab(dir.resolve("ovs"));
             UdpCapture liveCopy = new UdpCapture();
             Nfcapd live = new Nfcapd(Files.createTempDirectory(dir, "live"), liveCopy.port)) {
            // DPDK's af_packet driver on the monitor veth, live, while tcpdump captures the same veth
            CompletableFuture<ReplayCommand.Summary> dpdkRun = null;
            if (dpdk) {
                CompletableFuture<ReplayCommand.Summary> run = CompletableFuture.supplyAsync(() -> ReplayCommand.replay("--source", "dpdk", "--device",
                        "net_af_packet_ovs0,iface=" + lab.monitor() + ",qpairs=1", "--idle-end", "4000",
                        "--decap", "auto", "--ipfix", "127.0.0.1:" + live.port, "--plugins",
                        TunnelIngestTest.PLUGINS.toString(), "--no-count"));
                dpdkRun = run;
                // the port is up when the driver put the veth in promiscuous mode
                Await.until(Duration.ofSeconds(30), "DPDK af_packet on " + lab.monitor(),
                        () -> {
                            if (finished(run)) {
                                throw new Await.Abort("the DPDK replay ended first: " + run.join().out()
                                        + run.join().err());
                            }
                            return Tools.exec(List.of("ip", "link", "show", lab.monitor()), 10).out()
                                    .contains("PROMISC");
                        }, ok -> ok);
            }
            Path log = dir.resolve("tcpdump.log");
            Process capture = new ProcessBuilder(tcpdump.toString(), "-i", lab.monitor(), "-Q", "in",
                    "--immediate-mode", "-U", "-n", "-w", pcap.toString()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            try {
                Await.started(capture, log, "listening on", Duration.ofSeconds(20));
                lab.mirror("erspan", "erspan_ver=1", "key=11", "erspan_idx=1");
                phase(lab, 7001, pcap);
                lab.mirror("erspan", "erspan_ver=2", "key=12", "erspan_dir=1", "erspan_hwid=4");
                phase(lab, 7011, pcap);
                lab.mirror("gre", "key=13");
                phase(lab, 7021, pcap);
                lab.mirror("geneve", "key=14");
                phase(lab, 7031, pcap);
                lab.linuxVxlan(15);
                for (int i = 0; i < 3; i++) {
                    lab.vxlanTraffic(7041);
                }
                // everything sent reached the capture: the last phase's datagrams are in it
                Await.until(Duration.ofSeconds(20), "the capture holds the VXLAN datagrams",
                        () -> TunnelIngestTest.tsharkFlows(pcap, 2).keySet().stream()
                                .anyMatch(k -> k.endsWith("|7041")), ok -> ok);
            } finally {
                capture.destroy();
                capture.waitFor(20, TimeUnit.SECONDS);
            }

            Map<String, long[]> want = TunnelIngestTest.transport(TunnelIngestTest.tsharkFlows(pcap, 2));
            for (int port : POINT_BY_PORT.keySet()) {
                assertTrue(want.keySet().stream().anyMatch(k -> k.endsWith("|" + port)),
                        "tshark decodes the inner flow to port " + port + " from the capture: " + want.keySet()
                                + "\n" + lab.log());
            }
            // the capture, replayed
            Map<String, long[]> fromPcap = flowsOf(replay(pcap), want);
            assertEquals(want.keySet(), fromPcap.keySet(), "the pcap source: nfdump's flows are tshark's");
            for (String k : want.keySet()) {
                assertEquals(want.get(k)[0], fromPcap.get(k)[0], "packets of " + k);
                assertEquals(want.get(k)[1], fromPcap.get(k)[1], "bytes of " + k);
            }
            if (dpdkRun != null) {
                ReplayCommand.Summary s = dpdkRun.get(60, TimeUnit.SECONDS);
                assertEquals(0, s.exitCode(), s.out() + s.err());
                long sent = s.plugin("netflow").collectorCounter("datagrams");
                assertEquals(sent, liveCopy.await((int) sent, 10_000));
                live.drain(liveCopy);
                Map<String, long[]> fromDpdk = flowsOf(TunnelIngestTest.nfdumpRecords(live.stop()), want);
                // the same packets on the wire: DPDK saw what tcpdump saw
                assertEquals(want.keySet(), fromDpdk.keySet(), "DPDK af_packet: nfdump's flows are tshark's");
                for (String k : want.keySet()) {
                    assertEquals(want.get(k)[0], fromDpdk.get(k)[0], "DPDK: packets of " + k);
                }
            }
        }
    }

    private static boolean finished(CompletableFuture<?> f) {
        return f.isDone();
    }

    /** VM A to B through the current mirror, again until the capture has the phase's inner datagrams. */
    private static void phase(OvsLab lab, int port, Path pcap) throws Exception {
        Await.until(Duration.ofSeconds(30), "the capture holds the inner datagrams to port " + port, () -> {
            lab.traffic(port);
            return TunnelIngestTest.tsharkFlows(pcap, 2).keySet().stream().anyMatch(k -> k.endsWith("|" + port));
        }, lab::log);
    }

    private List<JsonNode> replay(Path pcap) throws Exception {
        TunnelIngestTest.Run run = TunnelIngestTest.replayInto(dir, pcap, "ipfix", "--decap", "auto");
        ReplayCommand.Summary s = run.summary();
        assertEquals(0, s.malformed(), s.out());
        assertEquals(5, s.observationPoints().size(), "five tunnels: " + s.out());
        // each inner flow's record names its tunnel's outer source (tshark): OVS's underlay address for its four
        // tunnel ports, the Linux VXLAN namespace's for VNI 15
        Map<Integer, String> sources = run.tsharkTunnelSources("cflow.dstport");
        for (int port : POINT_BY_PORT.keySet()) {
            String want = port == 7041 ? OvsLab.VXLAN_UNDERLAY_IP : OvsLab.OVS_UNDERLAY_IP;
            assertEquals(want, sources.get(port), "tunnel source of the flow to port " + port + ": " + sources);
        }
        return run.records();
    }

    /** nfdump's TCP/UDP flows; each inner flow's observation point and direction checked on the way. */
    private static Map<String, long[]> flowsOf(List<JsonNode> records, Map<String, long[]> want) throws Exception {
        Map<String, long[]> got = new TreeMap<>();
        for (JsonNode n : records) {
            String key = TunnelIngestTest.key(n);
            int proto = n.get("proto").asInt();
            if (proto != 6 && proto != 17) {
                continue;
            }
            long[] v = got.computeIfAbsent(key, k -> new long[2]);
            v[0] += n.get("in_packets").asLong();
            v[1] += n.get("in_bytes").asLong();
            // the phase's port: the UDP destination port, or the TCP one less one
            int port = proto == 17 ? n.get("dst_port").asInt() : n.get("dst_port").asInt() - 1;
            if (POINT_BY_PORT.containsKey(port)) {
                assertEquals(POINT_BY_PORT.get(port), n.get("observationPointID").asLong(), "observation point of "
                        + key);
                assertEquals(port == 7011 ? 1 : 0, n.get("direction").asInt(), "direction of " + key
                        + " (ERSPAN v2 with erspan_dir=1: egress)");
            }
        }
        return TunnelIngestTest.transport(got);
    }

}
