package org.secmon.ems.server.store;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Consul KV over its HTTP API (the JDK's HTTP client, as every outbound call of SecMon) for production and for several EMS instances sharing one Consul cluster.
 * Layout under the prefix (default {@code secmon/}): {@code kv/<key>} per entry and {@code meta/revision}, whose
 * ModifyIndex is the store revision. A commit is one {@code /v1/txn} request whose first operation is a
 * check-and-set of {@code meta/revision} on the ModifyIndex the writer read: Consul applies all of it or none, and
 * a concurrent writer's commit makes it fail as a whole. Every key of one transaction gets the same ModifyIndex,
 * which is the new revision and the version of what it wrote.
 */
public final class ConsulStore implements Store {
    /** Consul 1.8 accepts at most 64 operations per transaction. */
    public static final int MAX_TXN_OPS = 64;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String url;
    /** Scheme, host and port of each Consul agent given (parsed once); requests go to {@link #current} first. */
    private final URI[] bases;
    private volatile int current;
    private final String prefix;
    private final String revisionKey;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    /**
     * @param url    e.g. {@code http://127.0.0.1:8500}
     * @param prefix key prefix ending in '/'
     * @param token  ACL token or null (sent as {@code X-Consul-Token}, never in the URL)
     */
    public ConsulStore(String url, String prefix, String token) throws StoreException {
        String[] urls = url.split(",");
        bases = new URI[urls.length];
        for (int i = 0; i < urls.length; i++) {
            URI u;
            try {
                u = URI.create(urls[i].strip());
            } catch (IllegalArgumentException e) {
                throw new StoreException("bad Consul URL '" + urls[i] + "': " + e.getMessage());
            }
            if (u.getHost() == null || !("http".equals(u.getScheme()) || "https".equals(u.getScheme()))) {
                throw new StoreException("bad Consul URL '" + urls[i] + "': expected http://HOST:PORT");
            }
            bases[i] = u;
        }
        this.url = url;
        this.prefix = prefix.endsWith("/") ? prefix : prefix + "/";
        this.revisionKey = this.prefix + "meta/revision";
        this.token = token;
        revision(); // fail fast with a clear message when Consul is not there
    }

    @Override
    public Snapshot load() throws StoreException {
        // consistent: the leader confirms it still leads before answering (no stale read after an election)
        HttpResponse<String> r = send("GET", "/v1/kv/" + prefix, "recurse=true&consistent", null);
        Map<String, Item> items = new HashMap<>();
        long revision = 0;
        String kvPrefix = prefix + "kv/";
        if (r.statusCode() != 404) { // 404: nothing under the prefix yet
            ok(r, "read " + prefix);
            for (JsonNode v : parse(r.body())) {
                String key = v.path("Key").asText();
                if (key.equals(revisionKey)) {
                    revision = v.path("ModifyIndex").asLong();
                } else if (key.startsWith(kvPrefix)) {
                    byte[] value = v.path("Value").isTextual() ? Base64.getDecoder().decode(v.path("Value").asText())
                            : new byte[0];
                    items.put(key.substring(kvPrefix.length()), new Item(value, v.path("ModifyIndex").asLong()));
                }
            }
        }
        return new Snapshot(revision, items);
    }

    @Override
    public long revision() throws StoreException {
        // consistent: a write acknowledged by another EMS instance is seen here at once
        HttpResponse<String> r = send("GET", "/v1/kv/" + revisionKey, "consistent", null);
        if (r.statusCode() == 404) {
            return 0;
        }
        ok(r, "read " + revisionKey);
        return parse(r.body()).path(0).path("ModifyIndex").asLong(0);
    }

    @Override
    public int maxBatch() {
        return MAX_TXN_OPS - 1; // one operation is the revision's check-and-set
    }

    @Override
    public long commit(long expectedRevision, Map<String, byte[]> changes) throws StoreException {
        if (changes.size() + 1 > MAX_TXN_OPS) {
            throw new StoreException("a change of " + changes.size() + " keys exceeds Consul's transaction limit of "
                    + (MAX_TXN_OPS - 1) + "; split it");
        }
        ArrayNode ops = JSON.createArrayNode();
        ObjectNode cas = ops.addObject().putObject("KV");
        cas.put("Verb", "cas").put("Key", revisionKey).put("Index", expectedRevision)
                .put("Value", b64(Long.toString(expectedRevision + 1).getBytes(StandardCharsets.US_ASCII)));
        for (Map.Entry<String, byte[]> c : changes.entrySet()) {
            ObjectNode op = ops.addObject().putObject("KV");
            op.put("Key", prefix + "kv/" + c.getKey());
            if (c.getValue() == null) {
                op.put("Verb", "delete");
            } else {
                // Flags carry the commit: Consul leaves the ModifyIndex of a key alone when value and flags are
                // unchanged, and then an unchanged put would keep its old revision in every other EMS's view
                op.put("Verb", "set").put("Value", b64(c.getValue())).put("Flags", expectedRevision + 1);
            }
        }
        HttpResponse<String> resp = send("PUT", "/v1/txn", null, ops.toString());
        String content = resp.body() == null ? "" : resp.body();
        if (resp.statusCode() == 409) {
            JsonNode errors = parse(content).path("Errors");
            if (errors.isArray() && errors.size() > 0 && errors.get(0).path("OpIndex").asInt(-1) == 0) {
                throw new RevisionConflictException(expectedRevision, -1);
            }
            throw new StoreException("Consul refused the transaction: " + errors);
        }
        if (resp.statusCode() == 403) {
            throw new StoreException("Consul at " + url + " refused the write to " + prefix + " (ACL: " + content.strip()
                    + "): give the EMS a token whose policy may write key_prefix \"" + prefix + "\"");
        }
        noLeader(resp);
        if (resp.statusCode() != 200) {
            throw new StoreException("Consul transaction failed: HTTP " + resp.statusCode() + " " + content.strip());
        }
        JsonNode results = parse(content).path("Results");
        long index = results.path(0).path("KV").path("ModifyIndex").asLong(-1);
        if (index <= 0) {
            throw new StoreException("Consul transaction answered without a ModifyIndex: " + content);
        }
        return index;
    }

    private static JsonNode parse(String s) throws StoreException {
        try {
            return JSON.readTree(s.isEmpty() ? "{}" : s);
        } catch (Exception e) {
            throw new StoreException("unreadable answer from Consul: " + s);
        }
    }

    private static String b64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }

    /**
     * One request to Consul; the answer whatever its status, or unreachable. With several agents given, one that
     * cannot be reached or has no cluster leader (HTTP 500: an election, or it lost its servers) is passed over for
     * the next, and the next request starts with the one that answered. A commit sent twice cannot apply twice: its
     * check-and-set of the revision fails the second time.
     */
    private HttpResponse<String> send(String method, String path, String query, String body) throws StoreException {
        StoreException last = null;
        HttpResponse<String> lastAnswer = null;
        int start = current;
        for (int k = 0; k < bases.length; k++) {
            int i = (start + k) % bases.length;
            try {
                HttpResponse<String> r = sendTo(bases[i], method, path, query, body);
                if (r.statusCode() == 500 && bases.length > 1) {
                    lastAnswer = r; // "No cluster leader", "rpc error": perhaps another agent's servers lead
                    continue;
                }
                current = i;
                return r;
            } catch (StoreException e) {
                last = e;
            }
        }
        if (lastAnswer != null) {
            return lastAnswer;
        }
        throw last;
    }

    private HttpResponse<String> sendTo(URI base, String method, String path, String query, String body)
            throws StoreException {
        URI uri;
        try {
            uri = new URI(base.getScheme(), null, base.getHost(), base.getPort(), path, query, null);
        } catch (URISyntaxException e) {
            throw new StoreException("bad Consul path " + path + ": " + e.getMessage());
        }
        HttpRequest.Builder rb = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (token != null) {
            rb.header("X-Consul-Token", token);
        }
        try {
            return http.send(rb.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new StoreException("Consul at " + base + " is unreachable: " + (e.getMessage() == null
                    ? e.toString() : e.getMessage()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while talking to Consul at " + base, e);
        }
    }

    /**
     * The lock {@code PREFIX/meta/leader}, held through a Consul session (TTL {@code ttlSeconds}, renewed every third
     * of it; behaviour "release"; lock delay {@code ttlSeconds / 2}): a thread keeps the session alive and, while
     * another holds the lock, tries to take it every second.
     */
    @Override
    public Leadership leadership(String who) throws StoreException {
        return new ConsulLeadership(who, Integer.getInteger("secmon.ems.leader.ttl", 10));
    }

    private final class ConsulLeadership implements Leadership {
        private final String who;
        private final int ttl;
        private final String key = prefix + "meta/leader";
        private final Thread thread;
        private volatile boolean leader;
        private volatile boolean closed;
        private String session;

        ConsulLeadership(String who, int ttlSeconds) {
            this.who = who;
            this.ttl = Math.max(10, ttlSeconds); // Consul's smallest session TTL
            this.thread = Thread.ofPlatform().daemon().name("ems-leadership").start(this::run);
        }

        @Override
        public boolean isLeader() {
            return leader;
        }

        private void run() {
            long renewEvery = ttl * 1000L / 3;
            long nextRenew = 0;
            while (!closed) {
                try {
                    if (session == null) {
                        session = createSession();
                        nextRenew = System.currentTimeMillis() + renewEvery;
                    } else if (System.currentTimeMillis() >= nextRenew) {
                        if (!renew()) {
                            lost("its session expired");
                            session = createSession();
                        }
                        nextRenew = System.currentTimeMillis() + renewEvery;
                    }
                    boolean holds = acquire();
                    if (holds && !leader) {
                        java.lang.System.getLogger(ConsulStore.class.getName()).log(java.lang.System.Logger.Level.INFO,
                                who + " leads the EMS instances on " + describe() + " (health checks, housekeeping)");
                    } else if (!holds && leader) {
                        lost("another instance holds the lock");
                    }
                    leader = holds;
                } catch (StoreException e) {
                    if (leader) {
                        lost(e.getMessage()); // cannot tell whether it still holds the lock: assume not
                    }
                    leader = false;
                    session = null;
                }
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private void lost(String why) {
            leader = false;
            java.lang.System.getLogger(ConsulStore.class.getName()).log(java.lang.System.Logger.Level.WARNING,
                    who + " no longer leads the EMS instances: " + why);
        }

        private String createSession() throws StoreException {
            ObjectNode body = JSON.createObjectNode().put("Name", "secmon-ems " + who).put("TTL", ttl + "s")
                    .put("Behavior", "release").put("LockDelay", Math.max(1, ttl / 2) + "s");
            HttpResponse<String> r = send("PUT", "/v1/session/create", null, body.toString());
            ok(r, "create a session");
            String id = parse(r.body()).path("ID").asText("");
            if (id.isEmpty()) {
                throw new StoreException("Consul created a session without an ID: " + r.body());
            }
            return id;
        }

        private boolean renew() throws StoreException {
            HttpResponse<String> r = send("PUT", "/v1/session/renew/" + session, null, null);
            if (r.statusCode() == 404) {
                return false;
            }
            ok(r, "renew session");
            return true;
        }

        /** Takes the lock, or answers whether this session already holds it ({@code acquire} is idempotent). */
        private boolean acquire() throws StoreException {
            HttpResponse<String> r = send("PUT", "/v1/kv/" + key, "acquire=" + session, who);
            ok(r, "acquire " + key);
            return "true".equals(r.body().strip());
        }

        @Override
        public void close() {
            closed = true;
            thread.interrupt();
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            leader = false;
            String s = session;
            if (s != null) {
                try { // hand the lock over now rather than after the TTL
                    send("PUT", "/v1/kv/" + key, "release=" + s, who);
                    send("PUT", "/v1/session/destroy/" + s, null, null);
                } catch (StoreException e) {
                    // the session expires by itself
                }
            }
        }
    }

    /** Consul without a leader (an election, or most servers down): said so, nothing was written. */
    private void noLeader(HttpResponse<String> r) throws StoreException {
        if (r.statusCode() == 500 && r.body() != null && r.body().contains("No cluster leader")) {
            throw new StoreException("Consul (" + url + ") has no leader: an election is under way or a majority of"
                    + " its servers is down; nothing was written, retry shortly");
        }
    }

    /** A read that Consul refused: the ACL explained, or the status and what Consul said. */
    private void ok(HttpResponse<String> r, String what) throws StoreException {
        if (r.statusCode() == 403) {
            throw new StoreException("Consul at " + url + " refused access to " + prefix + " (ACL: "
                    + r.body().strip() + "): give the EMS a token whose policy may write key_prefix \"" + prefix
                    + "\" (--consul-token-file)");
        }
        noLeader(r);
        if (r.statusCode() != 200) {
            throw new StoreException("Consul at " + url + " answered " + r.statusCode() + " to " + what + ": "
                    + r.body().strip());
        }
    }

    @Override
    public boolean shared() {
        return true;
    }

    @Override
    public String describe() {
        return "consul " + url + " prefix " + prefix;
    }

    @Override
    public void close() {
        http.close();
    }
}
