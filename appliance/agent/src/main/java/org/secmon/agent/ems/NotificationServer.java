package org.secmon.agent.ems;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.secmon.ems.api.Json;

/**
 * The agent's notification server (the EMS calls it): {@code POST /notify} with the notification token issued at
 * registration in {@code X-SecMon-Notification-Token}, and {@code GET /health} for the EMS's health checks. A
 * notification is only queued here (202 at once); the agent's control thread fetches and applies.
 */
public final class NotificationServer implements AutoCloseable {
    public static final String TOKEN_HEADER = "X-SecMon-Notification-Token";
    private static final int MAX_BODY = 4 << 20;

    private final HttpServer server;
    private final ExecutorService executor;
    private final Supplier<String> token;
    private final Consumer<JsonNode> sink;
    private final Supplier<JsonNode> health;
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();

    /**
     * @param token  the expected notification token (null while not registered: every notification is refused)
     * @param sink   takes each accepted notification body
     * @param health the body of {@code GET /health}
     */
    public NotificationServer(InetSocketAddress bind, Supplier<String> token, Consumer<JsonNode> sink,
            Supplier<JsonNode> health) throws IOException {
        this.token = token;
        this.sink = sink;
        this.health = health;
        this.server = HttpServer.create(bind, 64);
        this.executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "secmon-notify");
            t.setDaemon(true);
            return t;
        });
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
            String expected = token.get();
            String given = x.getRequestHeaders().getFirst(TOKEN_HEADER);
            if (expected == null || given == null || !MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                    given.getBytes(StandardCharsets.UTF_8))) {
                rejected.incrementAndGet();
                answer(x, 401, "{\"error\":\"unauthorized\",\"message\":\"missing or wrong " + TOKEN_HEADER + "\"}");
                return;
            }
            JsonNode body;
            try (InputStream in = x.getRequestBody()) {
                byte[] bytes = in.readNBytes(MAX_BODY + 1);
                if (bytes.length > MAX_BODY) {
                    answer(x, 413, "{\"error\":\"too_large\",\"message\":\"notification above 4 MiB\"}");
                    return;
                }
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

    private void health(HttpExchange x) throws IOException {
        try (x) {
            answer(x, 200, Json.mapper().writeValueAsString(health.get()));
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
