package org.secmon.agent.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.PublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.config.keys.AuthorizedKeyEntry;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.common.session.SessionContext;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.keyprovider.SimpleGeneratorHostKeyProvider;
import org.apache.sshd.server.session.ServerSession;
import org.secmon.ems.api.Json;

/**
 * The appliance's SSH CLI (Apache Mina SSHD): public-key login only, with the keys users registered in the EMS
 * (kept on the appliance, so logins work while the EMS is away); each user's role decides operator or read-only.
 * An interactive shell with line editing, history-free tab completion and Ctrl-C, or one command per
 * {@code ssh appliance COMMAND}. Every session and command goes to {@code audit.log} in the state directory.
 */
public final class SshCli implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SshCli.class.getName());
    private static final AttributeRepository.AttributeKey<String> ACCESS = new AttributeRepository.AttributeKey<>();

    private final SshServer sshd;
    private final ApplianceShell.Context ctx;
    private final Supplier<JsonNode> users;
    private final Path audit;
    private JsonNode parsedFrom;
    private List<Entry> entries = List.of();

    private record Entry(String user, String access, PublicKey key) {
    }

    /**
     * @param users the EMS's list ({@code {"users": [{name, access, ssh_keys}]}}), re-read at every login
     */
    private final String hostKey;

    /** The host key's SHA-256 fingerprint as OpenSSH writes it ({@code SHA256:...}). */
    public String hostKeyFingerprint() {
        return hostKey;
    }

    public SshCli(String host, int port, Path stateDir, ApplianceShell.Context ctx, Supplier<JsonNode> users)
            throws IOException {
        this.ctx = ctx;
        this.users = users;
        this.audit = stateDir.resolve("audit.log");
        sshd = SshServer.setUpDefaultServer();
        sshd.setHost(host);
        sshd.setPort(port);
        SimpleGeneratorHostKeyProvider keys = new SimpleGeneratorHostKeyProvider(stateDir.resolve("ssh_host_ec_key"));
        keys.setAlgorithm(KeyUtils.EC_ALGORITHM);
        keys.setKeySize(256);
        sshd.setKeyPairProvider(keys);
        java.security.PublicKey pub = keys.loadKeys(null).iterator().next().getPublic();
        this.hostKey = org.apache.sshd.common.config.keys.KeyUtils.getFingerPrint(
                org.apache.sshd.common.digest.BuiltinDigests.sha256, pub);
        sshd.setPasswordAuthenticator(null);
        sshd.setKeyboardInteractiveAuthenticator(null);
        sshd.setPublickeyAuthenticator(this::authenticate);
        sshd.setShellFactory(channel -> new Cli(null));
        sshd.setCommandFactory((channel, command) -> new Cli(command));
        sshd.start();
        LOG.log(System.Logger.Level.INFO, "SSH CLI on " + host + ":" + port());
    }

    public int port() {
        return sshd.getPort();
    }

    private boolean authenticate(String user, PublicKey key, ServerSession session) {
        for (Entry e : entries()) {
            if (e.user().equals(user) && KeyUtils.compareKeys(e.key(), key)) {
                session.setAttribute(ACCESS, e.access());
                return true;
            }
        }
        audit(user, session.getClientAddress(), "login-refused", KeyUtils.getFingerPrint(key), null);
        return false;
    }

    private synchronized List<Entry> entries() {
        JsonNode u = users.get();
        if (u != parsedFrom) {
            List<Entry> out = new ArrayList<>();
            for (JsonNode user : u == null ? List.<JsonNode>of() : iterable(u.path("users"))) {
                for (JsonNode k : user.path("ssh_keys")) {
                    try {
                        PublicKey pk = AuthorizedKeyEntry.parseAuthorizedKeyEntry(k.asText())
                                .resolvePublicKey(null, PublicKeyEntryResolver.IGNORING);
                        if (pk != null) {
                            out.add(new Entry(user.path("name").asText(), user.path("access").asText("read-only"),
                                    pk));
                        }
                    } catch (Exception e) {
                        LOG.log(System.Logger.Level.WARNING, "user " + user.path("name").asText()
                                + ": unusable SSH key (" + e.getMessage() + ")");
                    }
                }
            }
            entries = List.copyOf(out);
            parsedFrom = u;
        }
        return entries;
    }

    private static Iterable<JsonNode> iterable(JsonNode arr) {
        List<JsonNode> l = new ArrayList<>();
        arr.forEach(l::add);
        return l;
    }

    private synchronized void audit(String user, SocketAddress from, String event, String command, Integer rc) {
        ObjectNode o = Json.mapper().createObjectNode();
        o.put("time", Instant.now().toString()).put("user", user).put("from", String.valueOf(from))
                .put("event", event);
        if (command != null) {
            o.put("command", command);
        }
        if (rc != null) {
            o.put("status", rc);
        }
        try {
            Files.writeString(audit, o + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot write " + audit + ": " + e.getMessage());
        }
    }

    @Override
    public void close() throws IOException {
        if (sshd.isStarted()) {
            sshd.stop(true);
        }
    }

    /** One channel: an interactive shell ({@code command} null) or one command. */
    private final class Cli implements Command, Runnable {
        private final String command;
        private InputStream in;
        private OutputStream outStream;
        private ExitCallback exit;
        private ServerSession session;
        private boolean pty;
        private Thread thread;
        private final AtomicBoolean interrupted = new AtomicBoolean();

        Cli(String command) {
            this.command = command;
        }

        @Override
        public void setInputStream(InputStream in) {
            this.in = in;
        }

        @Override
        public void setOutputStream(OutputStream out) {
            this.outStream = out;
        }

        @Override
        public void setErrorStream(OutputStream err) {
        }

        @Override
        public void setExitCallback(ExitCallback callback) {
            this.exit = callback;
        }

        private Environment env;

        @Override
        public void start(ChannelSession channel, Environment env) {
            session = channel.getServerSession();
            this.env = env;
            // a pty request sets TERM (and its modes, which some clients send none of)
            pty = !env.getPtyModes().isEmpty() || env.getEnv().containsKey(Environment.ENV_TERM);
            thread = Thread.ofPlatform().daemon().name("ssh-cli-" + session.getUsername()).start(this);
        }

        @Override
        public void destroy(ChannelSession channel) {
            interrupted.set(true);
            if (thread != null) {
                thread.interrupt();
            }
        }

        private String user() {
            return session.getUsername();
        }

        private boolean operator() {
            return "operator".equals(session.getAttribute(ACCESS));
        }

        @Override
        public void run() {
            Writer raw = new OutputStreamWriter(outStream, StandardCharsets.UTF_8);
            PrintWriter out = new PrintWriter(pty ? new CrLf(raw) : raw, true);
            ApplianceShell shell = new ApplianceShell(ctx, operator());
            int rc = 0;
            try {
                if (command != null) {
                    audit(user(), session.getClientAddress(), "command", command, null);
                    runOne(shell, command, out);
                    rc = lastStatus;
                } else if (pty) {
                    audit(user(), session.getClientAddress(), "session-open", null, null);
                    lineEditor(shell);
                    audit(user(), session.getClientAddress(), "session-close", null, null);
                } else {
                    audit(user(), session.getClientAddress(), "session-open", null, null);
                    out.printf("SecMon appliance %s — %s (%s). Type help; Tab completes.%n", ctx.version(), user(),
                            operator() ? "operator" : "read-only");
                    interactive(shell, out);
                    audit(user(), session.getClientAddress(), "session-close", null, null);
                }
            } catch (IOException e) {
                rc = 1;
            } finally {
                out.flush();
                exit.onExit(rc);
            }
        }

        private int lastStatus;

        /** Runs a line; false for exit. */
        private boolean runOne(ApplianceShell shell, String line, PrintWriter out) {
            interrupted.set(false);
            try {
                boolean more = shell.run(line, out, interrupted::get);
                lastStatus = 0;
                if (command == null && !line.isBlank()) {
                    audit(user(), session.getClientAddress(), "command", line.strip(), 0);
                }
                return more;
            } catch (ApplianceShell.ShellException e) {
                out.println(e.getMessage());
                lastStatus = 1;
                audit(user(), session.getClientAddress(), "command", line.strip(), 1);
                return true;
            } catch (RuntimeException e) {
                out.println("error: " + e);
                lastStatus = 1;
                audit(user(), session.getClientAddress(), "command", line.strip(), 1);
                return true;
            } finally {
                out.flush();
            }
        }

        /**
         * On a terminal: JLine's line editor over the channel — history (Up/Down, Ctrl-R), cursor keys, Emacs
         * editing keys, Tab completion, UTF-8, the client's window size; Ctrl-C drops the line or stops a running
         * command ({@code capture}), Ctrl-D on an empty line leaves.
         */
        private void lineEditor(ApplianceShell shell) throws IOException {
            java.util.Map<String, String> e = env.getEnv();
            org.jline.terminal.Terminal t = org.jline.terminal.TerminalBuilder.builder().system(false)
                    .name("ssh-" + user()).type(e.getOrDefault(Environment.ENV_TERM, "xterm"))
                    .encoding(StandardCharsets.UTF_8).streams(in, outStream)
                    .size(new org.jline.terminal.Size(number(e.get(Environment.ENV_COLUMNS), 80),
                            number(e.get(Environment.ENV_LINES), 24))).build();
            try (t) {
                env.addSignalListener((channel, signal) -> {
                    java.util.Map<String, String> now = env.getEnv();
                    t.setSize(new org.jline.terminal.Size(number(now.get(Environment.ENV_COLUMNS), 80),
                            number(now.get(Environment.ENV_LINES), 24)));
                    t.raise(org.jline.terminal.Terminal.Signal.WINCH);
                }, org.apache.sshd.server.Signal.WINCH);
                t.handle(org.jline.terminal.Terminal.Signal.INT, sig -> interrupted.set(true));
                org.jline.reader.LineReader reader = org.jline.reader.LineReaderBuilder.builder().terminal(t)
                        .appName("secmon")
                        .completer((r, parsed, candidates) -> {
                            for (String o : ApplianceShell.complete(parsed.line().substring(0, parsed.cursor()))) {
                                candidates.add(new org.jline.reader.Candidate(o));
                            }
                        })
                        .variable(org.jline.reader.LineReader.HISTORY_SIZE, 500)
                        .option(org.jline.reader.LineReader.Option.HISTORY_IGNORE_DUPS, true)
                        .build();
                // the cursor keys in both modes: JLine binds the terminal's application mode (ESC O A, what xterm
                // sends once JLine turns keypad mode on); clients that ignore keypad mode send ESC [ A
                org.jline.keymap.KeyMap<org.jline.reader.Binding> keys = reader.getKeyMaps()
                        .get(org.jline.reader.LineReader.MAIN);
                String[][] cursor = {{"A", org.jline.reader.LineReader.UP_LINE_OR_HISTORY},
                    {"B", org.jline.reader.LineReader.DOWN_LINE_OR_HISTORY},
                    {"C", org.jline.reader.LineReader.FORWARD_CHAR}, {"D", org.jline.reader.LineReader.BACKWARD_CHAR},
                    {"H", org.jline.reader.LineReader.BEGINNING_OF_LINE},
                    {"F", org.jline.reader.LineReader.END_OF_LINE}};
                for (String[] c : cursor) {
                    keys.bind(new org.jline.reader.Reference(c[1]), "\033[" + c[0]);
                    keys.bind(new org.jline.reader.Reference(c[1]), "\033O" + c[0]);
                }
                PrintWriter out = t.writer();
                out.printf("SecMon appliance %s — %s (%s). Type help; Tab completes, Up recalls.%n", ctx.version(),
                        user(), operator() ? "operator" : "read-only");
                String prompt = user() + "@secmon" + (operator() ? "# " : "> ");
                while (true) {
                    String line;
                    try {
                        line = reader.readLine(prompt);
                    } catch (org.jline.reader.UserInterruptException x) {
                        continue; // Ctrl-C: the line is dropped
                    } catch (org.jline.reader.EndOfFileException x) {
                        return; // Ctrl-D on an empty line, or the channel closed
                    }
                    if (!runOne(shell, line, out)) {
                        return;
                    }
                }
            }
        }

        /** A small line editor without a terminal (no echo): lines, backspace, Tab completion, Ctrl-C, Ctrl-D. */
        private void interactive(ApplianceShell shell, PrintWriter out) throws IOException {
            StringBuilder line = new StringBuilder();
            prompt(out);
            while (true) {
                int c = in.read();
                if (c < 0) {
                    return;
                }
                switch (c) {
                    case '\r', '\n' -> {
                        if (c == '\n' && pty) {
                            continue; // CR LF from a terminal: the CR ended the line
                        }
                        if (pty) {
                            out.print("\n");
                        }
                        String l = line.toString();
                        line.setLength(0);
                        if (!runOne(shell, l, out)) {
                            return;
                        }
                        prompt(out);
                    }
                    case 3 -> { // Ctrl-C: drop the line
                        interrupted.set(true);
                        line.setLength(0);
                        out.print("^C\n");
                        prompt(out);
                    }
                    case 4 -> { // Ctrl-D on an empty line: leave
                        if (line.isEmpty()) {
                            out.print("\n");
                            return;
                        }
                    }
                    case 8, 127 -> {
                        if (!line.isEmpty()) {
                            line.setLength(line.length() - 1);
                            if (pty) {
                                out.print("\b \b");
                            }
                        }
                    }
                    case '\t' -> {
                        List<String> options = ApplianceShell.complete(line.toString());
                        String typed = line.isEmpty() || Character.isWhitespace(line.charAt(line.length() - 1))
                                ? "" : ApplianceShell.words(line.toString()).getLast();
                        if (options.size() == 1) {
                            String rest = options.getFirst().substring(typed.length()) + " ";
                            line.append(rest);
                            if (pty) {
                                out.print(rest);
                            }
                        } else if (options.size() > 1) {
                            out.print("\n" + String.join("  ", options) + "\n");
                            prompt(out);
                            out.print(line);
                        }
                    }
                    default -> {
                        if (c >= 32) {
                            line.append((char) c);
                            if (pty) {
                                out.print((char) c);
                            }
                        }
                    }
                }
                out.flush();
            }
        }

        private static int number(String s, int otherwise) {
            try {
                int n = s == null ? otherwise : Integer.parseInt(s.strip());
                return n > 0 && n < 10_000 ? n : otherwise;
            } catch (NumberFormatException x) {
                return otherwise;
            }
        }

        private void prompt(PrintWriter out) {
            out.print(user() + "@secmon" + (operator() ? "# " : "> "));
            out.flush();
        }
    }

    /** On a terminal, lines end with CR LF. */
    private static final class CrLf extends Writer {
        private final Writer w;

        CrLf(Writer w) {
            this.w = w;
        }

        @Override
        public void write(char[] b, int off, int len) throws IOException {
            for (int i = off; i < off + len; i++) {
                if (b[i] == '\n') {
                    w.write('\r');
                }
                w.write(b[i]);
            }
        }

        @Override
        public void flush() throws IOException {
            w.flush();
        }

        @Override
        public void close() throws IOException {
            w.close();
        }
    }
}
