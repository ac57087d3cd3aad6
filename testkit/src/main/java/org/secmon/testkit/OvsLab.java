package org.secmon.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A hypervisor as a cloud's mirror sees it, made of real parts: Open vSwitch with the userspace datapath
 * ({@code datapath_type=netdev}, no kernel module), run in a network namespace of its own with its own database;
 * two VMs (namespaces A 10.1.0.1 and B 10.1.0.2) on its integration bridge; a mirror of that bridge sent through a
 * tunnel port (ERSPAN v1/v2, GRE, GENEVE: {@link #mirror}) over an underlay bridge whose uplink is the veth
 * {@link #monitor} in this namespace, without an address — where SecMon reads (tcpdump, DPDK af_packet). The tunnel
 * peer's MAC is set statically (no ARP crosses to the monitor). A Linux VXLAN device in a namespace of its own
 * ({@link #linuxVxlan}) sends through the same underlay. {@link #close} stops the processes it started and deletes
 * its namespaces and links. Needs root and the openvswitch-switch package.
 */
public final class OvsLab implements AutoCloseable {
    /** The monitor's tunnel endpoint: the tunnels' remote address and MAC. */
    public static final String MONITOR_IP = "10.99.0.2";
    /** The underlay address OVS's tunnel ports send from. */
    public static final String OVS_UNDERLAY_IP = "10.99.0.1";
    /** The underlay address of the Linux VXLAN device's namespace. */
    public static final String VXLAN_UNDERLAY_IP = "10.99.0.3";
    public static final String MONITOR_MAC = "02:00:00:99:00:02";

    public final String tag = Integer.toString(ThreadLocalRandom.current().nextInt(10_000, 99_999));
    private final String nsOvs = "so-o" + tag;
    private final String nsA = "so-a" + tag;
    private final String nsB = "so-b" + tag;
    private final String nsVx = "so-x" + tag;
    private final String bridge = "so" + tag + "i";
    private final String underlay = "so" + tag + "p";
    private final String tunnel = "so" + tag + "t";
    private final String monitor = "so" + tag + "m";
    private final Path dir;
    private final String db;
    private final List<Process> processes = new ArrayList<>();
    private boolean vxlan;

    public OvsLab(Path dir) throws Exception {
        this.dir = Files.createDirectories(dir);
        this.db = "unix:" + dir.resolve("db.sock");
        Path ovsdbTool = Tools.require("ovsdb-tool");
        Tools.require("ovs-vswitchd");
        Tools.require("ip");
        try {
            for (String n : List.of(nsOvs, nsA, nsB)) {
                run("ip", "netns", "add", n);
                run("ip", "-n", n, "link", "set", "lo", "up");
            }
            run(ovsdbTool.toString(), "create", dir.resolve("conf.db").toString(),
                    "/usr/share/openvswitch/vswitch.ovsschema");
            start("ovsdb", "ip", "netns", "exec", nsOvs, "ovsdb-server", dir.resolve("conf.db").toString(),
                    "--remote=p" + db, "--unixctl=" + dir.resolve("ovsdb.ctl"),
                    "--log-file=" + dir.resolve("ovsdb.log"));
            Await.until(Duration.ofSeconds(20), "ovsdb-server listening on " + db, () -> {
                run("ovs-vsctl", "--db=" + db, "--no-wait", "init");
                return true;
            }, ok -> ok);
            start("vswitchd", "ip", "netns", "exec", nsOvs, "ovs-vswitchd", db, "--disable-system",
                    "--unixctl=" + dir.resolve("vswitchd.ctl"), "--log-file=" + dir.resolve("vswitchd.log"));
            // the VMs on the integration bridge; no IPv6, so that only the test's traffic is mirrored
            vsctl("add-br", bridge, "--", "set", "bridge", bridge, "datapath_type=netdev");
            for (String[] vm : new String[][] {{nsA, "10.1.0.1", "a"}, {nsB, "10.1.0.2", "b"}}) {
                String inVm = "so" + tag + vm[2];
                String onBridge = "so" + tag + vm[2] + "p";
                run("ip", "link", "add", inVm, "netns", vm[0], "type", "veth", "peer", "name", onBridge, "netns",
                        nsOvs);
                run("ip", "netns", "exec", vm[0], "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1");
                run("ip", "-n", vm[0], "addr", "add", vm[1] + "/24", "dev", inVm);
                run("ip", "-n", vm[0], "link", "set", inVm, "up");
                run("ip", "-n", nsOvs, "link", "set", onBridge, "up");
                vsctl("add-port", bridge, onBridge);
            }
            // the underlay: the tunnels leave through the bridge's uplink, the monitor veth
            vsctl("add-br", underlay, "--", "set", "bridge", underlay, "datapath_type=netdev");
            String uplink = "so" + tag + "u";
            run("ip", "link", "add", monitor, "type", "veth", "peer", "name", uplink, "netns", nsOvs);
            run("sysctl", "-qw", "net.ipv6.conf." + monitor + ".disable_ipv6=1");
            run("ip", "link", "set", monitor, "up");
            run("ip", "-n", nsOvs, "link", "set", uplink, "up");
            vsctl("add-port", underlay, uplink);
            run("ip", "netns", "exec", nsOvs, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1");
            run("ip", "-n", nsOvs, "addr", "add", OVS_UNDERLAY_IP + "/24", "dev", underlay);
            run("ip", "-n", nsOvs, "link", "set", underlay, "up");
            appctl("ovs/route/add", MONITOR_IP + "/32", underlay);
            appctl("tnl/neigh/set", underlay, MONITOR_IP, MONITOR_MAC);
        } catch (Exception | AssertionError e) {
            close();
            throw e;
        }
    }

    /** The veth (in this namespace, no address) that receives the tunnels. */
    public String monitor() {
        return monitor;
    }

    /**
     * Mirror every packet of the integration bridge through a new tunnel port of {@code type} (erspan, gre,
     * geneve...) to the monitor, with {@code options} ({@code key=11}, {@code erspan_ver=2}...), replacing the last.
     */
    public void mirror(String type, String... options) throws Exception {
        vsctl("--", "--if-exists", "del-port", bridge, tunnel, "--", "clear", "bridge", bridge, "mirrors");
        List<String> cmd = new ArrayList<>(List.of("add-port", bridge, tunnel, "--", "set", "interface", tunnel,
                "type=" + type, "options:remote_ip=" + MONITOR_IP));
        for (String o : options) {
            cmd.add("options:" + o);
        }
        vsctl(cmd.toArray(String[]::new));
        vsctl("--", "--id=@p", "get", "port", tunnel, "--", "--id=@m", "create", "mirror", "name=m" + tag,
                "select-all=true", "output-port=@p", "--", "set", "bridge", bridge, "mirrors=@m");
        // a port change flushes the tunnel neighbour cache: the monitor's MAC again. And the datapath's cached flows
        // are dropped: OVS 3.1's userspace datapath kept using a megaflow translated without the new mirror
        appctl("tnl/neigh/set", underlay, MONITOR_IP, MONITOR_MAC);
        appctl("dpctl/del-flows");
    }

    /**
     * VM A to VM B: three UDP datagrams to {@code port}, a TCP connection attempt to {@code port + 1} (given up after
     * a second: the veth's checksum offload leaves the SYN's checksum to hardware that is not there, so B may not
     * answer; the mirror has it either way).
     */
    public void traffic(int port) throws Exception {
        run("ip", "netns", "exec", nsA, "bash", "-c", "for i in 1 2 3; do echo datagram$i > /dev/udp/10.1.0.2/"
                + port + "; done; timeout 1 bash -c 'echo x > /dev/tcp/10.1.0.2/" + (port + 1) + "' 2>/dev/null;"
                + " true");
    }

    /**
     * A namespace with a Linux VXLAN device (VNI {@code vni}, UDP 4789, 10.2.0.1/24) over a veth into the underlay
     * bridge, sending to the monitor; 10.2.0.2's MAC is set statically, so datagrams to it go out at once.
     */
    public void linuxVxlan(int vni) throws Exception {
        run("ip", "netns", "add", nsVx);
        vxlan = true;
        String up = "so" + tag + "x";
        String onBridge = "so" + tag + "xp";
        run("ip", "link", "add", up, "netns", nsVx, "type", "veth", "peer", "name", onBridge, "netns", nsOvs);
        run("ip", "netns", "exec", nsVx, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1");
        run("ip", "-n", nsVx, "link", "set", "lo", "up");
        run("ip", "-n", nsVx, "addr", "add", VXLAN_UNDERLAY_IP + "/24", "dev", up);
        run("ip", "-n", nsVx, "link", "set", up, "up");
        run("ip", "-n", nsOvs, "link", "set", onBridge, "up");
        vsctl("add-port", underlay, onBridge);
        run("ip", "-n", nsVx, "neigh", "add", MONITOR_IP, "lladdr", MONITOR_MAC, "dev", up, "nud", "permanent");
        run("ip", "-n", nsVx, "link", "add", "vx" + vni, "type", "vxlan", "id", Integer.toString(vni), "remote",
                MONITOR_IP, "dstport", "4789", "dev", up);
        run("ip", "-n", nsVx, "addr", "add", "10.2.0.1/24", "dev", "vx" + vni);
        run("ip", "-n", nsVx, "link", "set", "vx" + vni, "up");
        run("ip", "-n", nsVx, "neigh", "add", "10.2.0.2", "lladdr", "02:00:00:02:00:02", "dev", "vx" + vni, "nud",
                "permanent");
    }

    /** Through the Linux VXLAN device: three UDP datagrams to 10.2.0.2:{@code port}. */
    public void vxlanTraffic(int port) throws Exception {
        run("ip", "netns", "exec", nsVx, "bash", "-c", "for i in 1 2 3; do echo vx$i > /dev/udp/10.2.0.2/" + port
                + "; done");
    }

    private void vsctl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ovs-vsctl", "--db=" + db, "--timeout=30"));
        cmd.addAll(List.of(args));
        run(cmd.toArray(String[]::new));
    }

    private void appctl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", nsOvs, "ovs-appctl", "-t",
                dir.resolve("vswitchd.ctl").toString()));
        cmd.addAll(List.of(args));
        run(cmd.toArray(String[]::new));
    }

    private void start(String name, String... cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        // its sockets, pid files and bridge management sockets here, not in /var/run/openvswitch
        for (String v : List.of("OVS_RUNDIR", "OVS_LOGDIR", "OVS_DBDIR")) {
            pb.environment().put(v, dir.toString());
        }
        processes.add(pb.redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".out").toFile()).start());
    }

    private static void run(String... cmd) throws Exception {
        Tools.Result r = Tools.exec(List.of(cmd), 60);
        if (r.exitCode() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + ": exit " + r.exitCode() + ": " + r.err()
                    + r.out());
        }
    }

    /** The switch's log, for failure messages. */
    public String log() throws Exception {
        Path log = dir.resolve("vswitchd.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    @Override
    public void close() throws Exception {
        for (Process p : processes.reversed()) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
        }
        new ProcessBuilder("ip", "link", "del", monitor).start().waitFor(10, TimeUnit.SECONDS);
        List<String> namespaces = new ArrayList<>(List.of(nsOvs, nsA, nsB));
        if (vxlan) {
            namespaces.add(nsVx);
        }
        for (String n : namespaces) {
            new ProcessBuilder("ip", "netns", "del", n).start().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
