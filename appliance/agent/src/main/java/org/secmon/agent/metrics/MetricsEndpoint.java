package org.secmon.agent.metrics;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Set;
import java.util.function.Supplier;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The appliance's {@code /metrics} for Prometheus: only with {@code Authorization: Bearer TOKEN} where TOKEN is a
 * scrape token of the EMS (the agent holds the tokens' SHA-256, never the tokens) or the token in the agent's
 * {@code --metrics-token-file}. No token configured: every scrape is refused (401), nothing is served open.
 */
public final class MetricsEndpoint implements AutoCloseable {
    private final HTTPServer server;

    /**
     * @param allowed the SHA-256 (lower-case hex) of every token that may scrape, read at each request
     */
    public MetricsEndpoint(String address, int port, PrometheusRegistry registry, Supplier<Set<String>> allowed)
            throws IOException {
        server = HTTPServer.builder().inetAddress(InetAddress.getByName(address)).port(port).registry(registry)
                .authenticator(new BearerAuthenticator(allowed)).buildAndStart();
    }

    public int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        server.close();
    }

    /** SHA-256 of a token, as the EMS stores it. */
    public static String sha256(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Accepts a bearer token whose SHA-256 is allowed; the comparison is of hashes, so it leaks nothing by time. */
    static final class BearerAuthenticator extends Authenticator {
        private final Supplier<Set<String>> allowed;

        BearerAuthenticator(Supplier<Set<String>> allowed) {
            this.allowed = allowed;
        }

        @Override
        public Result authenticate(HttpExchange exchange) {
            String h = exchange.getRequestHeaders().getFirst("Authorization");
            if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
                exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"secmon\"");
                return new Failure(401);
            }
            String hash = sha256(h.substring(7).strip());
            if (!allowed.get().contains(hash)) {
                exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"secmon\", error=\"invalid_token\"");
                return new Failure(401);
            }
            return new Success(new HttpPrincipal("scraper", "secmon"));
        }
    }
}
