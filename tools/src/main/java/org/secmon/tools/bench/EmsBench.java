package org.secmon.tools.bench;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.helidon.webserver.WebServer;
import org.secmon.ems.api.Json;
import org.secmon.ems.server.Ems;
import org.secmon.ems.server.Main;
import org.secmon.ems.server.store.ConsulStore;
import org.secmon.ems.server.store.EmbeddedStore;
import org.secmon.ems.server.store.Store;

/**
 * {@code secmon bench ems [--consul URL] [--seconds N] [--clients N] [--appliances N]}: EMS throughput on loopback
 * (authenticated reads of one entity, writes = creates of classification objects, each a store commit with its
 * audit record) and notification fan-out latency (change committed to notification received) to N simulated
 * appliances. Client and server share the machine's cores.
 */
public final class EmsBench {
    private static final String PASSWORD = "bench-password-1";

    private EmsBench() {
    }

    public static void main(String[] args) throws Exception {
        String consul = null;
        int seconds = 5;
        int clients = 16;
        int appliances = 100;
        boolean sync = true;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--consul" -> consul = args[++i];
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--clients" -> clients = Integer.parseInt(args[++i]);
                case "--appliances" -> appliances = Integer.parseInt(args[++i]);
                case "--no-sync" -> sync = false;
                case "-h", "--help" -> {
                    System.out.println("usage: secmon bench ems [--consul URL] [--seconds N] [--clients N] "
                            + "[--appliances N] [--no-sync]");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Path dir = Files.createTempDirectory("secmon-ems-bench");
        Store store = consul == null ? new EmbeddedStore(dir.resolve("ems.mv"), sync)
                : new ConsulStore(consul, "secmon-bench-" + System.nanoTime() + "/", null);
        // its stand-in appliances listen on loopback, as an operator allows with --allow-callbacks 127.0.0.0/8
        try (Ems ems = new Ems(store, Duration.ofHours(1)).callbacks(
                new org.secmon.ems.server.net.CallbackPolicy(java.util.List.of("127.0.0.0/8")))) {
            ems.auth().bootstrap(PASSWORD, null);
            WebServer server = Main.start(ems, "127.0.0.1", 0);
            String base = "http://127.0.0.1:" + server.port();
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            String token = Json.mapper().readTree(send(http, base, "POST", "/api/v1/tokens", null,
                    "{\"name\":\"admin\",\"password\":\"" + PASSWORD + "\"}").body()).path("token").asText();
            send(http, base, "POST", "/api/v1/projects", token, "{\"name\":\"p\"}");
            send(http, base, "POST", "/api/v1/scopes", token, "{\"name\":\"s\",\"project\":\"p\"}");
            String co = Json.mapper().readTree(send(http, base, "POST", "/api/v1/classification_objects", token,
                    "{\"scope\":\"s\",\"name\":\"read-me\",\"protocol\":\"tcp\",\"dst_port\":\"80\"}").body())
                    .path("id").asText();
            System.out.printf("EMS bench: store %s, %d clients, %d s per phase%n", store.describe(), clients, seconds);
            run("reads ", http, base, token, clients, seconds, (n) -> new String[] {"GET",
                    "/api/v1/classification_objects/" + co, null});
            run("writes", http, base, token, clients, seconds, (n) -> new String[] {"POST",
                    "/api/v1/classification_objects", "{\"scope\":\"s\",\"name\":\"w-" + n
                    + "\",\"protocol\":\"udp\",\"dst_port\":\"53\"}"});
            fanOut(http, base, token, ems, appliances);
            server.stop();
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private interface Op {
        String[] request(long n);
    }

    private static void run(String name, HttpClient http, String base, String token, int clients, int seconds, Op op)
            throws Exception {
        AtomicLong seq = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long[][] lat = new long[clients][];
        int[] counts = new int[clients];
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        CountDownLatch done = new CountDownLatch(clients);
        for (int c = 0; c < clients; c++) {
            int client = c;
            lat[c] = new long[1 << 20];
            Thread.ofVirtual().start(() -> {
                try {
                    while (System.nanoTime() < end) {
                        String[] r = op.request(seq.incrementAndGet());
                        long t0 = System.nanoTime();
                        HttpResponse<String> resp = send(http, base, r[0], r[1], token, r[2]);
                        long t = System.nanoTime() - t0;
                        if (resp.statusCode() / 100 != 2) {
                            errors.incrementAndGet();
                        } else if (counts[client] < lat[client].length) {
                            lat[client][counts[client]++] = t;
                        }
                    }
                } catch (Exception e) {
                    errors.incrementAndGet();
                } finally {
                    done.countDown();
                }
            });
        }
        done.await();
        int total = Arrays.stream(counts).sum();
        long[] all = new long[total];
        int k = 0;
        for (int c = 0; c < clients; c++) {
            System.arraycopy(lat[c], 0, all, k, counts[c]);
            k += counts[c];
        }
        Arrays.sort(all);
        System.out.printf("  %s %,9.0f /s  p50 %6.2f ms  p99 %6.2f ms  errors %d%n", name, total / (double) seconds,
                pct(all, 50), pct(all, 99), errors.get());
    }

    private static void fanOut(HttpClient http, String base, String token, Ems ems, int n) throws Exception {
        List<HttpServer> servers = new ArrayList<>();
        long[] received = new long[n];
        CountDownLatch[] latch = {new CountDownLatch(n)};
        AtomicLong armed = new AtomicLong();
        try {
            for (int i = 0; i < n; i++) {
                int idx = i;
                HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
                s.createContext("/notify", ex -> {
                    JsonNode b = Json.mapper().readTree(ex.getRequestBody().readAllBytes());
                    if (armed.get() != 0 && !b.path("full_resync").asBoolean() && received[idx] == 0) {
                        received[idx] = System.nanoTime();
                        latch[0].countDown();
                    }
                    ex.sendResponseHeaders(204, -1);
                    ex.close();
                });
                s.start();
                servers.add(s);
                send(http, base, "POST", "/api/v1/appliances/register", token, "{\"scope\":\"s\",\"name\":\"a" + i
                        + "\",\"notification_url\":\"http://127.0.0.1:" + s.getAddress().getPort() + "/notify\"}");
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (ems.notifier().queueDepth() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            armed.set(1);
            long t0 = System.nanoTime();
            send(http, base, "POST", "/api/v1/classification_objects", token,
                    "{\"scope\":\"s\",\"name\":\"fan-out\",\"protocol\":\"tcp\"}");
            boolean all = latch[0].await(30, TimeUnit.SECONDS);
            long[] l = Arrays.stream(received).filter(x -> x != 0).map(x -> x - t0).sorted().toArray();
            System.out.printf("  fan-out to %d appliances: %d received, p50 %.1f ms  p99 %.1f ms  max %.1f ms%s%n", n,
                    l.length, pct(l, 50), pct(l, 99), l.length == 0 ? 0 : l[l.length - 1] / 1e6, all ? "" : " (timeout)");
        } finally {
            servers.forEach(s -> s.stop(0));
        }
    }

    private static double pct(long[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)] / 1e6;
    }

    private static HttpResponse<String> send(HttpClient http, String base, String method, String path, String token,
            String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
        if (token != null) {
            b.header("X-Auth-Token", token);
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
