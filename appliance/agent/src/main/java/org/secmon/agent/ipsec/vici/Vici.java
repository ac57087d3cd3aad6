package org.secmon.agent.ipsec.vici;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A VICI session with charon over its Unix socket: commands ({@link #request}) and commands that answer with a
 * stream of events ({@link #stream}, e.g. {@code list-sas}). Packets are a 32-bit big-endian length and a type:
 * {@code CMD_REQUEST(0)}, {@code CMD_RESPONSE(1)}, {@code CMD_UNKNOWN(2)}, {@code EVENT_REGISTER(3)},
 * {@code EVENT_UNREGISTER(4)}, {@code EVENT_CONFIRM(5)}, {@code EVENT_UNKNOWN(6)}, {@code EVENT(7)}; requests and
 * events carry a name, requests, responses and events a {@link ViciMessage}.
 *
 * <p>Every call has a deadline: a charon that stops answering closes the session instead of holding the caller.
 * Not thread-safe; one session per task, closed after it (as {@code swanctl} does).
 */
public final class Vici implements AutoCloseable {
    static final int CMD_REQUEST = 0;
    static final int CMD_RESPONSE = 1;
    static final int CMD_UNKNOWN = 2;
    static final int EVENT_REGISTER = 3;
    static final int EVENT_UNREGISTER = 4;
    static final int EVENT_CONFIRM = 5;
    static final int EVENT_UNKNOWN = 6;
    static final int EVENT = 7;
    /** Larger than any packet charon sends (its own limit is 512 KiB). */
    static final int MAX_PACKET = 1 << 20;

    private static final ScheduledExecutorService DEADLINES = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("vici-deadline").daemon(true).factory());

    private final String uri;
    private final SocketChannel ch;
    private final Duration timeout;
    private final AtomicBoolean timedOut = new AtomicBoolean();

    private Vici(String uri, SocketChannel ch, Duration timeout) {
        this.uri = uri;
        this.ch = ch;
        this.timeout = timeout;
    }

    /**
     * Connects to {@code uri} ({@code unix:///var/run/charon.vici} or a plain path); each call then has
     * {@code timeout} to be answered.
     */
    public static Vici connect(String uri, Duration timeout) throws ViciException {
        String path = uri.startsWith("unix://") ? uri.substring("unix://".length()) : uri;
        if (path.isEmpty() || uri.contains("://") && !uri.startsWith("unix://")) {
            throw new ViciException("not a VICI socket URI: '" + uri + "' (expected unix:///PATH)");
        }
        SocketChannel ch = null;
        try {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(path));
            return new Vici(uri, ch, timeout);
        } catch (IOException e) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // the connect failure is what counts
                }
            }
            throw new ViciException("cannot reach charon at " + uri + ": " + e.getMessage()
                    + " (is strongSwan's charon running with its vici plugin?)", e);
        }
    }

    /** Sends command {@code name} with {@code args}; its response. */
    public ViciMessage request(String name, ViciMessage args) throws ViciException {
        return call(name, () -> {
            send(CMD_REQUEST, name, args);
            return response(name, null, null);
        });
    }

    /**
     * Sends command {@code name}, collecting the {@code event}s charon streams before its response (e.g.
     * {@code list-sas} and {@code list-sa}); registers for the event first and unregisters after.
     */
    public List<ViciMessage> stream(String name, ViciMessage args, String event) throws ViciException {
        return call(name, () -> {
            send(EVENT_REGISTER, event, null);
            expect(event, EVENT_CONFIRM);
            List<ViciMessage> events = new ArrayList<>();
            send(CMD_REQUEST, name, args);
            response(name, event, events);
            send(EVENT_UNREGISTER, event, null);
            expect(event, EVENT_CONFIRM);
            return events;
        });
    }

    /** A command's response; events named {@code event} received before it go to {@code events}. */
    private ViciMessage response(String name, String event, List<ViciMessage> events) throws IOException {
        while (true) {
            ByteBuffer p = readPacket();
            int type = p.get() & 0xff;
            switch (type) {
                case CMD_RESPONSE -> {
                    return ViciMessage.decode(p);
                }
                case CMD_UNKNOWN -> throw new ViciException("charon does not know the command '" + name
                        + "' (an older strongSwan?)");
                case EVENT -> {
                    String en = ViciMessage.readName(p);
                    ViciMessage m = ViciMessage.decode(p);
                    if (events != null && en.equals(event)) {
                        events.add(m);
                    }
                }
                default -> throw new ViciException("unexpected packet type " + type + " in answer to '" + name + "'");
            }
        }
    }

    private void expect(String event, int want) throws IOException {
        while (true) {
            ByteBuffer p = readPacket();
            int type = p.get() & 0xff;
            if (type == want) {
                return;
            }
            if (type == EVENT_UNKNOWN) {
                throw new ViciException("charon does not know the event '" + event + "'");
            }
            if (type != EVENT) { // an event already registered may arrive in between
                throw new ViciException("unexpected packet type " + type + " registering for '" + event + "'");
            }
        }
    }

    private void send(int type, String name, ViciMessage body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(type);
        ViciMessage.name(out, name);
        if (body != null) {
            out.writeBytes(body.encode());
        }
        byte[] payload = out.toByteArray();
        if (payload.length > MAX_PACKET) {
            throw new ViciException("request '" + name + "' of " + payload.length + " bytes is larger than VICI takes");
        }
        ByteBuffer b = ByteBuffer.allocate(4 + payload.length).putInt(payload.length).put(payload).flip();
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private ByteBuffer readPacket() throws IOException {
        ByteBuffer len = readFully(4);
        int n = len.getInt();
        if (n < 1 || n > MAX_PACKET) {
            throw new ViciException("charon sent a packet of " + Integer.toUnsignedString(n)
                    + " bytes: not VICI, or a broken stream");
        }
        return readFully(n);
    }

    private ByteBuffer readFully(int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new ViciException("charon closed the VICI connection");
            }
        }
        return b.flip();
    }

    private interface Call<T> {
        T run() throws IOException;
    }

    /** Runs {@code c} with the deadline: past it the channel is closed, which ends any read or write in progress. */
    private <T> T call(String name, Call<T> c) throws ViciException {
        ScheduledFuture<?> d = DEADLINES.schedule(() -> {
            timedOut.set(true);
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing is the point
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        try {
            return c.run();
        } catch (ViciException e) {
            throw e;
        } catch (IOException | java.nio.BufferUnderflowException e) {
            if (timedOut.get()) {
                throw new ViciException("charon did not answer '" + name + "' within " + timeout.toSeconds()
                        + " s (" + uri + ")");
            }
            throw new ViciException("VICI '" + name + "' at " + uri + ": " + (e.getMessage() != null
                    ? e.getMessage() : e.getClass().getSimpleName()), e);
        } finally {
            d.cancel(false);
        }
    }

    /** Throws with charon's {@code errmsg} unless the response says {@code success = yes}. */
    public static ViciMessage check(String what, ViciMessage response) throws ViciException {
        if (!"yes".equals(response.text("success"))) {
            String why = response.text("errmsg");
            throw new ViciException(what + ": " + (why == null || why.isBlank() ? "charon refused it" : why));
        }
        return response;
    }

    @Override
    public void close() {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing to do with a socket that will not close
        }
    }
}
