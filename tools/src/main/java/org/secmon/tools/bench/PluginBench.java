package org.secmon.tools.bench;

import java.io.PrintStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.secmon.dataplane.filter.Rule;
import org.secmon.plugin.CounterNames;
import org.secmon.tools.replay.ReplayCommand;

/**
 * The sFlow and raw-forward lines of {@code secmon bench}: the capture through {@code secmon replay} (pure-Java
 * source from the page cache, one rx thread, the plugins loaded from the plugins directory as in production) with the
 * same 100-rule filter in every line, so that the plugin's own cost shows against the rx + filter baseline (the
 * built-in counting plugin). Raw forward goes to a bound UDP socket nobody reads: the kernel's send path is
 * measured, the receiver drops.
 */
final class PluginBench implements AutoCloseable {
    private final PrintStream out;
    private final DatagramSocket sink;
    private final Path rulesFile;
    private final Path dir;

    PluginBench(PrintStream out, Path dir, List<Rule> rules) throws Exception {
        this.out = out;
        this.dir = dir;
        this.sink = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        this.rulesFile = dir.resolve("bench-rules.yaml");
        Files.createDirectories(dir);
        Files.writeString(rulesFile, yamlRules(rules));
    }

    /** The rules as a {@code replay --config} rule list (indented for a plugin entry). */
    private static String yamlRules(List<Rule> rules) {
        StringBuilder b = new StringBuilder();
        for (Rule r : rules) {
            b.append("      - {priority: ").append(r.priority())
                    .append(", src_ip: \"").append(r.src()).append('"')
                    .append(", dst_ip: \"").append(r.dst()).append('"')
                    .append(", protocol: ").append(r.protocol() == Rule.ANY_PROTOCOL ? "any" : r.protocol())
                    .append(", src_port: \"").append(r.srcPorts()).append('"')
                    .append(", dst_port: \"").append(r.dstPorts()).append('"')
                    .append(", action: ").append(r.action().name().toLowerCase(Locale.ROOT)).append("}\n");
        }
        return b.toString();
    }

    private Path config(String plugin, String config) throws Exception {
        Path f = dir.resolve("bench-" + plugin + ".yaml");
        Files.writeString(f, "plugins:\n  " + plugin + ":\n    rules:\n" + Files.readString(rulesFile)
                + (config.isEmpty() ? "" : "    config:\n" + config));
        return f;
    }

    /** rx + parse + filter + the built-in counting plugin: the baseline. */
    BenchCommand.Result baseline(Path capture, long loops) throws Exception {
        return run("replay: rx + parse + 100-rule filter (count plugin)", capture, loops, config("count", ""),
                false);
    }

    BenchCommand.Result sflow(Path capture, long loops) throws Exception {
        return sflow(capture, loops, 1);
    }

    /** sFlow 1:1000 on {@code queues} rx queues of the file (software placement: each queue reads every frame). */
    BenchCommand.Result sflow(Path capture, long loops, int queues) throws Exception {
        return run("replay: + sFlow 1:1000 (same filter)" + (queues > 1 ? ", " + queues + " queues" : ""), capture,
                loops, config("sflow", """
                      collector: 127.0.0.1:%d
                      sampling_rate: 1000
                """.formatted(sink.getLocalPort())), true, "--queues", Integer.toString(queues));
    }

    BenchCommand.Result rawforward(Path capture, long loops, int batch) throws Exception {
        return run("replay: + raw forward UDP, " + (batch == 1 ? "1 send per packet" : "sendmmsg x" + batch),
                capture, loops, config("rawforward", """
                      collector: 127.0.0.1:%d
                      encapsulation: udp
                      batch_size: %d
                """.formatted(sink.getLocalPort(), batch)), true);
    }

    private BenchCommand.Result run(String name, Path capture, long loops, Path config, boolean noCount,
                                    String... more) {
        List<String> args = new ArrayList<>(List.of("--pcap", capture.toString(), "--loop", Long.toString(loops),
                "--config", config.toString()));
        args.addAll(List.of(more));
        if (noCount) {
            args.add("--no-count");
        }
        ReplayCommand.Summary r = ReplayCommand.replay(args.toArray(String[]::new));
        if (r.exitCode() != 0 && r.exitCode() != 4) {
            throw new IllegalStateException(name + ": replay failed (" + r.exitCode() + "): " + r.out() + r.err());
        }
        long packets = r.packets();
        double secs = r.elapsedSeconds();
        StringBuilder extra = new StringBuilder();
        for (ReplayCommand.PluginSummary p : r.plugins()) {
            for (String k : List.of(CounterNames.FLOW_SAMPLES_SENT, CounterNames.PACKETS_SENT,
                    CounterNames.PACKETS_LOST, CounterNames.SEND_CALLS)) {
                Long v = p.counters().get(k);
                if (v != null) {
                    extra.append(' ').append(k).append('=').append(v);
                }
            }
        }
        if (!extra.isEmpty()) {
            out.printf(Locale.ROOT, "  %s:%s%n", name, extra);
        }
        return new BenchCommand.Result(name, packets, secs);
    }

    @Override
    public void close() {
        sink.close();
    }
}
