package org.secmon.agent;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.ems.testkit.EmsFixture;
import org.secmon.testkit.Await;
import org.secmon.testkit.Nfcapd;
import org.secmon.testkit.Tools;
import org.secmon.testkit.UdpCapture;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * sFlow and raw forward configured through the EMS reach an agent like NetFlow does: an sFlow association with the
 * scope's sFlow configuration (1:1 sampling, 64-byte headers) and a raw-forward association with a VXLAN collector
 * whose policy forwards only DNS, cut to 60 bytes. What arrives is decoded by tshark.
 */
class AllPluginsFromEmsTest {
    @Test
    void sflowAndRawForwardAssociationsRunOnTheAgent(@TempDir Path dir) throws Exception {
        Path tshark = Tools.require("tshark");
        Path session = dir.resolve("ctl.json");
        try (EmsFixture ems = EmsFixture.embedded(dir); UdpCapture sflow = new UdpCapture();
             UdpCapture vxlan = new UdpCapture()) {
            AgentFixtures.ctl(session, "login", "--ems", ems.base, "-u", "admin");
            Path config = dir.resolve("c.yaml");
            Files.writeString(config, """
                    projects: [{name: lab}]
                    scopes: [{name: p, project: lab}]
                    classification_objects:
                      - {scope: p, name: all}
                      - {scope: p, name: dns, protocol: udp, dst_port: "53"}
                    rules:
                      - {scope: p, name: all, classification_object: all, priority: 10, action: forward}
                      - {scope: p, name: dns, classification_object: dns, priority: 10, action: forward, truncate_to_size: 60}
                    policies:
                      - {scope: p, name: everything, rules: [all]}
                      - {scope: p, name: only-dns, rules: [dns]}
                    collectors:
                      - {scope: p, name: sflow-c, address: 127.0.0.1, port: %d, type: sflow}
                      - {scope: p, name: ids, address: 127.0.0.1, port: %d, type: rawforward, encapsulation: vxlan}
                    sflow_configs: [{scope: p, sampling_rate: 1, header_size: 64, polling_interval: 1, agent_address: 192.0.2.7}]
                    sflow_associations: [{scope: p, name: sf, policy: everything, collector: sflow-c}]
                    rawforward_associations: [{scope: p, name: rf, policy: only-dns, collector: ids, direction: ingress}]
                    """.formatted(sflow.port, vxlan.port));
            AgentFixtures.ctl(session, "apply", "-f", config.toString());
            String[] args = RunningAgent.args(dir, ems.base, "p", 2000, Path.of("target/plugins"), "--ssh-port", "-1");
            try (RunningAgent agent = new RunningAgent(dir.resolve("agent.log"), args)) {
                Await.until(Duration.ofSeconds(30), "20 sFlow datagrams and 3 VXLAN packets (agent log: "
                        + dir.resolve("agent.log") + ")", () -> sflow.count() >= 20 && vxlan.count() >= 3);
            }
            assertTrue(sflow.count() >= 20 && vxlan.count() >= 3, "sFlow datagrams " + sflow.count()
                    + ", VXLAN packets " + vxlan.count() + "\n" + Files.readString(dir.resolve("agent.log")));

            sflow.writePcap(dir.resolve("sflow.pcap"));
            List<String> sf = Nfcapd.run(List.of(tshark.toString(), "-r", dir.resolve("sflow.pcap").toString(),
                    "-o", "sflow.enable_dissection:FALSE", "-d", "udp.port==" + sflow.port + ",sflow", "-T", "fields",
                    "-E", "occurrence=f", "-e", "sflow_245.agent", "-e", "sflow.flow_sample.sampling_rate",
                    "-e", "sflow_245.header.sampled_header_length", "-e", "_ws.malformed"));
            assertTrue(sf.stream().anyMatch(l -> l.startsWith("192.0.2.7\t1\t64")),
                    "agent address, 1:1, 64-byte headers from the EMS's sFlow configuration: " + sf.subList(0, 3));
            assertTrue(sf.stream().noneMatch(l -> l.split("\t", -1)[3].length() > 0), "malformed sFlow: " + sf);

            vxlan.writePcap(dir.resolve("vxlan.pcap"));
            List<String> vx = Nfcapd.run(List.of(tshark.toString(), "-r", dir.resolve("vxlan.pcap").toString(),
                    "-d", "udp.port==" + vxlan.port + ",vxlan", "-T", "fields", "-e", "frame.protocols",
                    "-e", "udp.dstport", "-e", "frame.len"));
            for (String l : vx) {
                String[] f = l.split("\t", -1);
                assertTrue(f[0].contains("vxlan:eth:ethertype:ip:udp"), "inner IPv4/UDP through VXLAN: " + l);
                assertTrue(f[1].endsWith(",53"), "only DNS queries are forwarded (ingress): " + l);
                // outer Ethernet 14 + IP 20 + UDP 8 + VXLAN 8 + the inner frame cut at 60 bytes
                assertTrue(Integer.parseInt(f[2]) <= 50 + 60, "cut at truncate_to_size: " + l);
            }
        }
    }
}
