package org.secmon.console.terminal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyLongProperty;
import javafx.beans.property.ReadOnlyLongWrapper;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;

import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelShell;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.keyprovider.FileKeyPairProvider;

import org.secmon.console.core.Dispatch;
import org.secmon.console.core.ViewModel;

/**
 * An SSH terminal to an appliance's CLI (Mina SSHD client, public-key login with the operator's key; host keys
 * checked against the fingerprint the appliance reported to the EMS: {@link HostKeyCheck}). What the appliance
 * sends is fed to a {@link TerminalScreen}; keys go back as bytes.
 */
public final class TerminalViewModel extends ViewModel {
    private final StringProperty host = new SimpleStringProperty("127.0.0.1");
    private final IntegerProperty port = new SimpleIntegerProperty(2222);
    private final StringProperty user = new SimpleStringProperty("");
    private final StringProperty keyFile = new SimpleStringProperty(defaultKey());
    private final ReadOnlyBooleanWrapper connected = new ReadOnlyBooleanWrapper(false);
    private final ReadOnlyLongWrapper changes = new ReadOnlyLongWrapper(0);
    private final TerminalScreen screen = new TerminalScreen(100, 30);
    private final Path knownHosts;
    private SshClient client;
    private ClientSession session;
    private ChannelShell channel;
    private OutputStream toRemote;

    private final java.util.function.Function<String, List<String>> emsHostKeys;
    private volatile HostKeyCheck check;

    /** @param knownHosts where accepted host keys are remembered (OpenSSH known_hosts format) */
    public TerminalViewModel(Dispatch dispatch, Path knownHosts) {
        this(dispatch, knownHosts, h -> List.of());
    }

    /**
     * @param emsHostKeys the host key fingerprints the EMS has for appliances at an address ({@link HostKeyCheck});
     *                    called off the UI thread
     */
    public TerminalViewModel(Dispatch dispatch, Path knownHosts,
            java.util.function.Function<String, List<String>> emsHostKeys) {
        super(dispatch);
        this.knownHosts = knownHosts;
        this.emsHostKeys = emsHostKeys;
    }

    public StringProperty hostProperty() {
        return host;
    }

    public IntegerProperty portProperty() {
        return port;
    }

    public StringProperty userProperty() {
        return user;
    }

    /** The private key (OpenSSH format) whose public half is registered for the user in the EMS. */
    public StringProperty keyFileProperty() {
        return keyFile;
    }

    public ReadOnlyBooleanProperty connectedProperty() {
        return connected.getReadOnlyProperty();
    }

    /** Moves whenever the screen changed: the view redraws. */
    public ReadOnlyLongProperty changesProperty() {
        return changes.getReadOnlyProperty();
    }

    public TerminalScreen screen() {
        return screen;
    }

    public static Path defaultKnownHosts() {
        return org.secmon.console.core.ConfigFiles.file("known_appliances");
    }

    private static String defaultKey() {
        for (String k : List.of("id_ed25519", "id_ecdsa", "id_rsa")) {
            Path p = Path.of(System.getProperty("user.home"), ".ssh", k);
            if (Files.isReadable(p)) {
                return p.toString();
            }
        }
        return Path.of(System.getProperty("user.home"), ".ssh", "id_ed25519").toString();
    }

    // ---- commands ----------------------------------------------------------------------------------------------

    public void connect() {
        if (connected.get()) {
            return;
        }
        String h = host.get() == null ? "" : host.get().strip();
        String u = user.get() == null ? "" : user.get().strip();
        Path key = Path.of(keyFile.get() == null ? "" : keyFile.get().strip());
        if (h.isEmpty() || u.isEmpty()) {
            setError("enter the appliance's address and your user name");
            return;
        }
        if (!Files.isReadable(key)) {
            setError("private key " + key + " is not readable: choose the key whose public half is registered for "
                    + u + " in the EMS (Users, ssh_keys)");
            return;
        }
        int p = port.get();
        async("Connecting to " + u + "@" + h + ":" + p, () -> open(h, p, u, key, screen.cols(), screen.rows()),
                out -> {
                    toRemote = out;
                    connected.set(true);
                    HostKeyCheck c = check;
                    screen.feed("\r\n[connected to " + h + ":" + p + " as " + u + "; host key " + c.presented()
                            + (c.firstUse() ? " unknown to the EMS, trusted on first use" : "") + "]\r\n");
                    changes.set(screen.changes());
                }, e -> {
                    close();
                    HostKeyCheck c = check;
                    String refused = c == null ? null : c.refusal(h);
                    setError("SSH to " + h + ":" + p + ": " + (refused != null ? refused : describe(e)));
                });
    }

    private OutputStream open(String h, int p, String u, Path key, int cols, int rows) throws Exception {
        client = SshClient.setUpDefaultClient();
        Files.createDirectories(knownHosts.toAbsolutePath().getParent());
        if (!Files.exists(knownHosts)) {
            Files.createFile(knownHosts);
        }
        // the key the appliance reported to the EMS; only for an address the EMS knows nothing of, trust on first use
        check = new HostKeyCheck(emsHostKeys.apply(h), knownHosts);
        client.setServerKeyVerifier(check);
        client.start();
        session = client.connect(u, h, p).verify(Duration.ofSeconds(10)).getSession();
        List<KeyPair> keys = new ArrayList<>();
        new FileKeyPairProvider(key).loadKeys(session).forEach(keys::add);
        if (keys.isEmpty()) {
            throw new IOException("no key in " + key);
        }
        for (KeyPair k : keys) {
            session.addPublicKeyIdentity(k);
        }
        session.auth().verify(Duration.ofSeconds(15));
        channel = session.createShellChannel();
        channel.setPtyType("xterm");
        channel.setPtyColumns(cols);
        channel.setPtyLines(rows);
        OutputStream sink = new OutputStream() {
            private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
            private final ByteBuffer pending = ByteBuffer.allocate(8192);

            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public synchronized void write(byte[] b, int off, int len) {
                while (len > 0) {
                    int n = Math.min(len, pending.remaining());
                    pending.put(b, off, n);
                    off += n;
                    len -= n;
                    pending.flip();
                    CharBuffer chars = CharBuffer.allocate(pending.remaining() + 1);
                    utf8.decode(pending, chars, false); // a split UTF-8 sequence waits for its end
                    pending.compact();
                    String text = chars.flip().toString();
                    if (!text.isEmpty()) {
                        dispatch.ui(() -> {
                            screen.feed(text);
                            changes.set(screen.changes());
                        });
                    }
                }
            }
        };
        channel.setOut(sink);
        channel.setErr(sink);
        channel.open().verify(Duration.ofSeconds(10));
        ChannelShell ch = channel;
        Thread.ofVirtual().name("ssh-wait").start(() -> {
            ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), 0L);
            dispatch.ui(() -> {
                if (channel == ch) {
                    screen.feed("\r\n[connection closed]\r\n");
                    changes.set(screen.changes());
                    close();
                }
            });
        });
        return channel.getInvertedIn();
    }

    /** Sends typed text (already translated: Enter is CR, Backspace DEL, Tab, Ctrl-C 0x03...). */
    public void send(String keys) {
        OutputStream out = toRemote;
        if (out == null || keys.isEmpty()) {
            return;
        }
        byte[] b = keys.getBytes(StandardCharsets.UTF_8);
        dispatch.work(() -> {
            try {
                synchronized (out) {
                    out.write(b);
                    out.flush();
                }
            } catch (IOException e) {
                dispatch.ui(() -> setError("SSH: " + e.getMessage()));
            }
        });
    }

    /** The view's size in cells changed. */
    public void resize(int cols, int rows) {
        screen.resize(cols, rows);
        changes.set(screen.changes());
        ChannelShell ch = channel;
        if (ch != null && connected.get()) {
            dispatch.work(() -> {
                try {
                    ch.sendWindowChange(cols, rows);
                } catch (IOException e) {
                    // the next output shows the old size; not worth an error
                }
            });
        }
    }

    public void disconnect() {
        close();
    }

    private void close() {
        connected.set(false);
        toRemote = null;
        ChannelShell ch = channel;
        ClientSession s = session;
        SshClient c = client;
        channel = null;
        session = null;
        client = null;
        Runnable r = () -> {
            try {
                if (ch != null) {
                    ch.close(true);
                }
                if (s != null) {
                    s.close(true);
                }
                if (c != null) {
                    c.stop();
                }
            } catch (RuntimeException e) {
                // closing: nothing left to tell
            }
        };
        dispatch.work(r);
    }
}
