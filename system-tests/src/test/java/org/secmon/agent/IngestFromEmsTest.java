package org.secmon.agent;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.ems.testkit.EmsFixture;
import org.secmon.testkit.Await;
import org.secmon.testkit.CaptureWriter;
import org.secmon.testkit.FrameBuilder;
import org.secmon.testkit.Nfcapd;
import org.secmon.testkit.Tools;
import org.secmon.testkit.TunnelFrames;
import org.secmon.testkit.UdpCapture;

/**
 * The scope's mirror ingest from the EMS reaches a running agent: with an {@code ingest_configs} entry that names
 * VXLAN, an agent looping a capture of VXLAN-mirrored traffic exports the inner flows with the VNI as observation
 * point (tshark decodes the IPFIX); when the entry is deleted the agent goes back to its own setting (none) and
 * exports the tunnel's outer flow.
 */
class IngestFromEmsTest {
    @Test
    void theScopesDecapIsAppliedAndItsRemovalRevertsToTheAppliancesOwn(@TempDir Path dir) throws Exception {
        Path tshark = Tools.require("tshark");
        Path session = dir.resolve("ctl.json");
        Path pcap = dir.resolve("vxlan.pcap");
        try (CaptureWriter w = new CaptureWriter(pcap)) {
            for (int i = 0; i < 20; i++) {
                FrameBuilder inner = FrameBuilder.udp("192.168.77.1", "192.168.77.2", 7000 + i % 4, 7777);
                w.write(TunnelFrames.vxlan("10.77.0.1", "10.77.0.9", 4789, 77, inner.build()), 1_000_000L * i);
            }
        }
        try (EmsFixture ems = EmsFixture.embedded(dir); UdpCapture ipfix = new UdpCapture()) {
            AgentFixtures.ctl(session, "login", "--ems", ems.base, "-u", "admin");
            Path config = dir.resolve("c.yaml");
            Files.writeString(config, """
                    projects: [{name: lab}]
                    scopes: [{name: m, project: lab}]
                    classification_objects: [{scope: m, name: all}]
                    rules: [{scope: m, name: all, classification_object: all, priority: 10, action: forward}]
                    policies: [{scope: m, name: everything, rules: [all]}]
                    collectors: [{scope: m, name: flows, address: 127.0.0.1, port: %d, type: ipfix}]
                    netflow_monitors:
                      - {scope: m, name: tunnels, match_fields: [src_addr, dst_addr, protocol, src_port, dst_port, input_interface,
          observation_point]}
                    netflow_configs: [{scope: m, active_timeout: 1, inactive_timeout: 1}]
                    netflow_associations: [{scope: m, name: nf, policy: everything, collector: flows, monitor: tunnels}]
                    ingest_configs: [{scope: m, decap: [vxlan], interfaces: [{tunnel_id: 77, if_index: 7}]}]
                    """.formatted(ipfix.port));
            AgentFixtures.ctl(session, "apply", "-f", config.toString());
            String[] args = RunningAgent.args(pcap, dir, ems.base, "m", 200, Path.of("target/plugins"),
                    "--ssh-port", "-1");
            Path log = dir.resolve("agent.log");
            try (RunningAgent agent = new RunningAgent(log, args)) {
                Await.until(Duration.ofSeconds(40), "an IPFIX record of the inner flow with observation point 77, received"
                        + " on interface 7", () -> records(tshark, ipfix, dir).stream()
                                .anyMatch(l -> l.equals("192.168.77.1|77|7")),
                        () -> records(tshark, ipfix, dir) + "\n" + Files.readString(log));
                AgentFixtures.ctl(session, "delete", "ingest_config", "default", "-s", "m");
                int before = ipfix.count();
                Await.until(Duration.ofSeconds(40), "the outer flow once the scope's ingest is gone",
                        () -> records(tshark, ipfix, dir).stream().anyMatch(l -> l.startsWith("10.77.0.1|")),
                        () -> "datagrams since: " + (ipfix.count() - before) + "\n" + Files.readString(log));
            }
        }
    }

    /**
     * An agent started with its own mirror ingest says so on its output, but not as "secmon agent: ...": that prefix
     * is the agent's fatal error, which the appliance's init takes as "the agent cannot start" (tunnel mode, which
     * always decapsulates, was reported FAILED on every boot that took 20 s to register — the image test found it).
     */
    @Test
    void anAgentWithItsOwnIngestSaysSoWithoutTheFatalErrorsPrefix(@TempDir Path dir) throws Exception {
        try (EmsFixture ems = EmsFixture.embedded(dir)) {
            Path session = dir.resolve("ctl.json");
            AgentFixtures.ctl(session, "login", "--ems", ems.base, "-u", "admin");
            Path config = dir.resolve("c.yaml");
            Files.writeString(config, "projects: [{name: lab}]\nscopes: [{name: m, project: lab}]\n");
            AgentFixtures.ctl(session, "apply", "-f", config.toString());
            String[] args = RunningAgent.args(dir, ems.base, "m", 200, Path.of("target/plugins"), "--ssh-port", "-1",
                    "--decap", "auto", "--dedup", "20");
            Path log = dir.resolve("agent.log");
            try (RunningAgent agent = new RunningAgent(log, args)) {
                Await.until(Duration.ofSeconds(40), "the agent running (its line with its source and EMS)",
                        () -> Files.readString(log).contains("[agent] m-1: source "), () -> Files.readString(log));
                String out = Files.readString(log);
                org.junit.jupiter.api.Assertions.assertTrue(out.contains("[agent] ingest: decap "), out);
                org.junit.jupiter.api.Assertions.assertTrue(out.lines().noneMatch(l -> l.startsWith("secmon agent: ")),
                        "a line the appliance's init reads as the agent's fatal error:\n" + out);
            }
        }
    }

    /** Every IPFIX record so far: source address | observation point id | ingress interface. */
    private static List<String> records(Path tshark, UdpCapture ipfix, Path dir) throws Exception {
        Path p = dir.resolve("ipfix.pcap");
        ipfix.writePcap(p);
        List<String> out = new ArrayList<>();
        for (String line : Nfcapd.run(List.of(tshark.toString(), "-r", p.toString(), "-d", "udp.port==" + ipfix.port
                + ",cflow", "-T", "fields", "-E", "separator=|", "-e", "cflow.srcaddr", "-e",
                "cflow.observation_point_id", "-e", "cflow.inputint"))) {
            String[] f = line.split("\\|", -1);
            String[] src = f[0].split(",");
            String[] obs = f.length > 1 ? f[1].split(",") : new String[0];
            String[] in = f.length > 2 ? f[2].split(",") : new String[0];
            for (int i = 0; i < src.length && !src[i].isEmpty(); i++) {
                out.add(src[i] + "|" + (i < obs.length ? obs[i] : "") + "|" + (i < in.length ? in[i] : ""));
            }
        }
        return out;
    }
}
