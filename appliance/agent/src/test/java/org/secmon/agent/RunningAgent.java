package org.secmon.agent;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import picocli.CommandLine;

/** {@code secmon agent ARGS} on its own thread for a test, its output in {@code log}; closing stops it. */
final class RunningAgent implements AutoCloseable {
    private final AgentCommand command;
    private final Thread thread;

    RunningAgent(Path log, String... args) throws Exception {
        command = new AgentCommand(new PrintStream(Files.newOutputStream(log), true, StandardCharsets.UTF_8));
        thread = Thread.ofPlatform().name("agent-" + log.getFileName()).start(() ->
                new CommandLine(command).execute(args));
    }

    /** Stops the agent (it flushes its plugins) and waits for it. */
    @Override
    public void close() throws InterruptedException {
        command.stop();
        thread.join(20_000);
    }
}
