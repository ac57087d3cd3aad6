package org.secmon.agent.ems;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.secmon.ems.api.Json;
import org.secmon.ems.api.notify.NotificationSignature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Security issue, finding 5: notifications went over plain HTTP with the appliance's secret in a header, so anyone
 * who saw one could send his own. Now only a body signed with the secret (which never travels) is taken.
 */
class NotificationServerTest {
    private static final String SECRET = "notification-secret-0123456789";
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private int post(int port, byte[] body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/notify"))
                .timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void onlySignedNotificationsAreTaken() throws Exception {
        List<JsonNode> taken = new CopyOnWriteArrayList<>();
        try (NotificationServer s = new NotificationServer(new InetSocketAddress("127.0.0.1", 0), () -> SECRET,
                taken::add, () -> Json.mapper().createObjectNode())) {
            byte[] body = "{\"changes\":[{\"table\":\"rules\",\"id\":\"r1\",\"operation\":\"delete\"}]}"
                    .getBytes(StandardCharsets.UTF_8);
            long now = System.currentTimeMillis() / 1000;
            // the old way: the secret itself in a header
            assertEquals(401, post(s.port(), body, "X-SecMon-Notification-Token", SECRET));
            // signed with another secret, a signature of another body, a stale one, a malformed one
            assertEquals(401, post(s.port(), body, NotificationSignature.HEADER,
                    NotificationSignature.sign("guessed-secret", now, body)));
            assertEquals(401, post(s.port(), body, NotificationSignature.HEADER,
                    NotificationSignature.sign(SECRET, now, "{}".getBytes(StandardCharsets.UTF_8))));
            assertEquals(401, post(s.port(), body, NotificationSignature.HEADER,
                    NotificationSignature.sign(SECRET, now - 3600, body)));
            assertEquals(401, post(s.port(), body, NotificationSignature.HEADER, "t=x,v1=zz"));
            assertEquals(0, taken.size());
            assertEquals(5, s.rejected());
            assertEquals(202, post(s.port(), body, NotificationSignature.HEADER,
                    NotificationSignature.sign(SECRET, now, body)));
            assertEquals(1, taken.size());
        }
    }

    /** Half-sent requests (more of them than threads) do not keep the EMS's notifications out. */
    @Test
    void halfSentRequestsDoNotStallIt() throws Exception {
        List<JsonNode> taken = new CopyOnWriteArrayList<>();
        List<Socket> stalls = new ArrayList<>();
        try (NotificationServer s = new NotificationServer(new InetSocketAddress("127.0.0.1", 0), () -> SECRET,
                taken::add, () -> Json.mapper().createObjectNode())) {
            for (int i = 0; i < 16; i++) { // the old server had 2 threads
                Socket k = new Socket("127.0.0.1", s.port());
                OutputStream o = k.getOutputStream();
                o.write("POST /notify HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"a\":".getBytes(
                        StandardCharsets.US_ASCII));
                o.flush();
                stalls.add(k);
            }
            byte[] body = "{\"full_resync\":true}".getBytes(StandardCharsets.UTF_8);
            assertEquals(202, post(s.port(), body, NotificationSignature.HEADER,
                    NotificationSignature.sign(SECRET, System.currentTimeMillis() / 1000, body)));
            assertTrue(taken.size() == 1);
        } finally {
            for (Socket k : stalls) {
                k.close();
            }
        }
    }
}
