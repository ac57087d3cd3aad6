package org.secmon.agent;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.secmon.ems.ctl.Ctl;
import org.secmon.ems.testkit.EmsFixture;
import org.secmon.testkit.Nfcapd;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What the system tests share beside {@link RunningAgent} and {@code EmsFixture}: secmonctl in this JVM against a
 * session file, and nfdump's view of a collector file as records.
 */
public final class AgentFixtures {
    private AgentFixtures() {
    }

    /** One flow record as nfdump prints it: first seen (epoch ms), protocol, destination port (-1: ICMP), packets. */
    public record Rec(long firstMillis, int proto, int dport, long packets) {
    }

    static final DateTimeFormatter NFDUMP_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    /** secmonctl ARGS with the session file {@code session} as the admin; fails unless it exits 0. */
    public static String ctl(Path session, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Map<String, String> env = new HashMap<>();
        env.put("SECMON_CTL_CONFIG", session.toString());
        env.put("SECMON_PASSWORD", EmsFixture.ADMIN_PASSWORD);
        int rc = Ctl.run(env, new PrintWriter(out), new PrintWriter(err), args);
        assertEquals(0, rc, "secmonctl " + String.join(" ", args) + "\n" + out + err);
        return out.toString();
    }

    /**
     * Applies, through secmonctl, the scope the agent tests run: DNS (udp/53) and everything else forwarded to a
     * NetFlow collector on loopback {@code collectorPort}, with the given NetFlow timeouts (seconds).
     */
    public static void applyDnsScope(Path session, Path file, String scope, int collectorPort, int activeTimeout,
                                     int inactiveTimeout) throws IOException {
        Files.writeString(file, """
                projects: [{name: lab}]
                scopes: [{name: %1$s, project: lab}]
                classification_objects:
                  - {scope: %1$s, name: dns, protocol: udp, dst_port: "53"}
                  - {scope: %1$s, name: all}
                rules:
                  - {scope: %1$s, name: dns, classification_object: dns, priority: 5, action: forward}
                  - {scope: %1$s, name: rest, classification_object: all, priority: 100, action: forward}
                policies: [{scope: %1$s, name: p, rules: [dns, rest]}]
                collectors: [{scope: %1$s, name: nfcapd, address: 127.0.0.1, port: %2$d, type: netflow}]
                netflow_configs: [{scope: %1$s, active_timeout: %3$d, inactive_timeout: %4$d}]
                netflow_associations: [{scope: %1$s, name: nf, policy: p, collector: nfcapd}]
                """.formatted(scope, collectorPort, activeTimeout, inactiveTimeout));
        ctl(session, "apply", "-f", file.toString());
    }

    /** The flow records of an nfcapd file, read with nfdump. */
    public static List<Rec> records(Path file) throws Exception {
        List<Rec> out = new ArrayList<>();
        for (String line : Nfcapd.run(List.of("nfdump", "-q", "-N", "-r", file.toString(), "-o",
                "fmt:%ts|%pr|%dp|%pkt"))) {
            String[] f = line.split("\\|");
            if (f.length < 4 || line.startsWith("No matching")) {
                continue;
            }
            long ts = LocalDateTime.parse(f[0].strip(), NFDUMP_TIME).atZone(ZoneId.systemDefault()).toInstant()
                    .toEpochMilli();
            int proto = Nfcapd.protocol(f[1].strip());
            String dp = f[2].strip();
            out.add(new Rec(ts, proto, dp.contains(".") ? -1 : Integer.parseInt(dp), Long.parseLong(f[3].strip())));
        }
        return out;
    }
}
