package org.secmon.agent;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.secmon.ems.testkit.EmsFixture;
import org.secmon.testkit.SampleCapture;
import picocli.CommandLine;

/** {@code secmon agent ARGS} on its own thread for a test, its output in {@code log}; closing stops it. */
public final class RunningAgent implements AutoCloseable {
    private final AgentCommand command;
    private final Thread thread;

    public RunningAgent(Path log, String... args) throws Exception {
        command = new AgentCommand(new PrintStream(Files.newOutputStream(log), true, StandardCharsets.UTF_8));
        thread = Thread.ofPlatform().name("agent-" + log.getFileName()).start(() ->
                new CommandLine(command).execute(args));
    }

    /**
     * The arguments every EMS-connected test agent shares: the sample capture (written to DIR/sample.pcap) looped
     * at {@code rate} packets/s, registration as {@code SCOPE-1} in {@code scope} with the admin's password (from
     * DIR/pw), state in DIR/agent, plugins from {@code plugins}, a free notification port; then {@code extra}.
     */
    public static String[] args(Path dir, String emsBase, String scope, int rate, Path plugins, String... extra)
            throws java.io.IOException {
        Path pcap = dir.resolve("sample.pcap");
        SampleCapture.write(pcap);
        return args(pcap, dir, emsBase, scope, rate, plugins, extra);
    }

    /** {@link #args(Path, String, String, int, Path, String...)} with the capture {@code pcap} as its source. */
    public static String[] args(Path pcap, Path dir, String emsBase, String scope, int rate, Path plugins,
                                String... extra) throws java.io.IOException {
        Path pw = dir.resolve("pw");
        Files.writeString(pw, EmsFixture.ADMIN_PASSWORD);
        List<String> a = new ArrayList<>(List.of("--ems", emsBase, "--scope", scope, "--name", scope + "-1",
                "--user", "admin", "--password-file", pw.toString(), "--source", "pcap:" + pcap, "--rate",
                Integer.toString(rate), "--state-dir", dir.resolve("agent").toString(), "--plugins",
                plugins.toString(), "--notify-port", "0"));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    /** Stops the agent (it flushes its plugins) and waits for it. */
    @Override
    public void close() throws InterruptedException {
        command.stop();
        thread.join(20_000);
    }
}
