package org.secmon.agent.ems;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import org.secmon.ems.api.notify.NotificationSignature;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.secmon.ems.api.Json;

/**
 * The agent's notification server (the EMS calls it): {@code POST /notify} signed with the notification secret
 * issued at registration ({@link NotificationSignature}: an HMAC of the body, the secret never travels), and
 * {@code GET /health} for the EMS's health checks. A notification is only queued here (202 at once); the agent's
 * control thread asks the EMS for every change it names, deletes included, before applying anything.
 */
public final class NotificationServer implements AutoCloseable {
    static {
        // com.sun.net.httpserver's own limits (read once, when its first server is made): a request must arrive
        // within 10 s and its answer leave within 10 s, so half-sent requests cannot hold the threads
        if (System.getProperty("sun.net.httpserver.maxReqTime") == null) {
            System.setProperty("sun.net.httpserver.maxReqTime", "10");
        }
        if (System.getProperty("sun.net.httpserver.maxRspTime") == null) {
            System.setProperty("sun.net.httpserver.maxRspTime", "10");
        }
    }

    private static final int MAX_BODY = 4 << 20;

    private final HttpServer server;
    private final ExecutorService executor;
    private final Supplier<String> token;
    private final Consumer<JsonNode> sink;
    private final Supplier<JsonNode> health;
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();

    /**
     * @param token  the notification secret (null while not registered: every notification is refused)
     * @param sink   takes each accepted notification body
     * @param health the body of {@code GET /health}
     */
    public NotificationServer(InetSocketAddress bind, Supplier<String> token, Consumer<JsonNode> sink,
            Supplier<JsonNode> health) throws IOException {
        this.token = token;
        this.sink = sink;
        this.health = health;
        this.server = HttpServer.create(bind, 64);
        // a virtual thread per request: a half-sent request holds only its own (until maxReqTime closes it)
        this.executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("secmon-notify-", 0).factory());
        server.setExecutor(executor);
        server.createContext("/notify", this::notify);
        server.createContext("/health", this::health);
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public long received() {
        return received.get();
    }

    public long rejected() {
        return rejected.get();
    }

    private void notify(HttpExchange x) throws IOException {
        try (x) {
            if (!x.getRequestMethod().equals("POST")) {
                answer(x, 405, "{\"error\":\"method_not_allowed\",\"message\":\"POST a notification\"}");
                return;
            }
            byte[] bytes;
            try (InputStream in = x.getRequestBody()) {
                bytes = in.readNBytes(MAX_BODY + 1);
            }
            if (bytes.length > MAX_BODY) {
                rejected.incrementAndGet();
                answer(x, 413, "{\"error\":\"too_large\",\"message\":\"notification above 4 MiB\"}");
                return;
            }
            String why = NotificationSignature.verify(token.get(), x.getRequestHeaders().getFirst(
                    NotificationSignature.HEADER), bytes, System.currentTimeMillis() / 1000);
            if (why != null) {
                rejected.incrementAndGet();
                answer(x, 401, "{\"error\":\"unauthorized\",\"message\":\"" + why.replace("\"", "'") + "\"}");
                return;
            }
            JsonNode body;
            try {
                body = Json.mapper().readTree(bytes);
            } catch (IOException e) {
                rejected.incrementAndGet();
                answer(x, 400, "{\"error\":\"bad_request\",\"message\":\"not JSON\"}");
                return;
            }
            if (body == null || !body.isObject()) {
                rejected.incrementAndGet();
                answer(x, 400, "{\"error\":\"bad_request\",\"message\":\"a notification is a JSON object\"}");
                return;
            }
            received.incrementAndGet();
            sink.accept(body);
            answer(x, 202, "{}");
        }
    }

    /**
     * {@code GET /health}: up, for anyone (the EMS's health checks); the details (name, scope, EMS errors, versions)
     * only for a caller on this machine (an operator logged in to the appliance), not for the network.
     */
    private void health(HttpExchange x) throws IOException {
        try (x) {
            boolean local = x.getRemoteAddress() != null && x.getRemoteAddress().getAddress() != null
                    && x.getRemoteAddress().getAddress().isLoopbackAddress();
            answer(x, 200, local ? Json.mapper().writeValueAsString(health.get()) : "{\"status\":\"up\"}");
        }
    }

    private static void answer(HttpExchange x, int status, String json) throws IOException {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "application/json");
        x.sendResponseHeaders(status, b.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
