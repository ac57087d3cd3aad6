package org.secmon.ems.server;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.secmon.ems.api.Json;
import org.secmon.ems.api.model.ResourceKind;
import org.secmon.ems.server.store.Repository;
import org.secmon.ems.server.store.Repository.Doc;

/**
 * Pushes change notifications to the appliances a change affects. Each appliance has its own queue and delivery
 * thread: changes are coalesced (one entry per table/id, newest operation wins), POSTed as one JSON document to the
 * appliance's notification URL with its notification token, and retried with exponential back-off (0.25 s to
 * 30 s). Enqueueing never blocks the API request. After a long outage or too many pending entries the queue
 * collapses into a single full-resync notification.
 *
 * <p>Body: {@code {"revision": R, "full_resync": false, "changes": [{"table": "rules", "id": ..., "operation":
 * "change"|"delete"}]}}.
 */
public final class Notifier implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Notifier.class.getName());
    /** Pending distinct changes above which an appliance gets a full resync instead. */
    static final int MAX_PENDING = 1000;
    /** Unreachable for longer than this: full resync once it is back. */
    static final Duration RESYNC_AFTER = Duration.ofMinutes(5);

    private record Change(String table, String id, String operation) {
    }

    private final class Queue {
        final String applianceId;
        final Set<String> keys = new LinkedHashSet<>();
        final Map<String, Change> pending = new java.util.HashMap<>();
        boolean fullResync;
        long revision;
        long failingSinceNanos;
        Thread worker;

        Queue(String applianceId) {
            this.applianceId = applianceId;
        }
    }

    private final Repository repo;
    private final HttpClient http;
    private final Map<String, Queue> queues = new ConcurrentHashMap<>();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong latencyNanos = new AtomicLong();
    private volatile boolean closed;
    private volatile org.secmon.ems.server.net.CallbackPolicy callbacks;

    /** Where notification URLs may point (checked again at every connection: no DNS rebinding). */
    public void callbacks(org.secmon.ems.server.net.CallbackPolicy c) {
        this.callbacks = c;
    }

    public Notifier(Repository repo) {
        this.repo = repo;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    }

    /** Called after every committed change. */
    public void changed(ResourceKind kind, String id, String scopeId, String operation, long revision) {
        if (closed || kind == ResourceKind.APPLIANCES) {
            return;
        }
        for (Doc a : repo.list("appliances")) {
            // global changes (users: SSH keys) reach every appliance; scoped ones the scope's appliances
            boolean affected = scopeId == null ? !kind.scoped() || operation.equals("delete")
                    : scopeId.equals(a.json().path("scope").asText());
            if (affected && a.json().hasNonNull("notification_url")) {
                enqueue(a.id(), new Change(kind.collection(), id, operation), revision);
            }
        }
    }

    /** Asks every appliance to fetch everything (a change outside the entities: scrape tokens). */
    public void fullResyncAll(long revision) {
        if (closed) {
            return;
        }
        for (Doc a : repo.list("appliances")) {
            if (a.json().hasNonNull("notification_url")) {
                fullResync(a.id(), revision);
            }
        }
    }

    /** Asks an appliance to fetch everything (registration, long outage). */
    public void fullResync(String applianceId, long revision) {
        Queue q = queues.computeIfAbsent(applianceId, Queue::new);
        synchronized (q) {
            q.fullResync = true;
            q.revision = Math.max(q.revision, revision);
            start(q);
            q.notifyAll();
        }
    }

    private void enqueue(String applianceId, Change c, long revision) {
        Queue q = queues.computeIfAbsent(applianceId, Queue::new);
        synchronized (q) {
            String key = c.table + "/" + c.id;
            q.pending.put(key, c);
            q.keys.add(key);
            q.revision = Math.max(q.revision, revision);
            if (q.pending.size() > MAX_PENDING) {
                q.fullResync = true;
            }
            start(q);
            q.notifyAll();
        }
    }

    private void start(Queue q) {
        if (q.worker == null || !q.worker.isAlive()) {
            q.worker = Thread.ofVirtual().name("notify-" + q.applianceId).start(() -> deliver(q));
        }
    }

    private void deliver(Queue q) {
        long backoff = 250;
        while (!closed) {
            ObjectNode body;
            synchronized (q) {
                while (!closed && q.pending.isEmpty() && !q.fullResync) {
                    try {
                        q.wait(60_000);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                if (q.failingSinceNanos != 0 && System.nanoTime() - q.failingSinceNanos > RESYNC_AFTER.toNanos()) {
                    q.fullResync = true;
                }
                body = JsonNodeFactory.instance.objectNode();
                body.put("revision", q.revision);
                body.put("full_resync", q.fullResync);
                ArrayNode changes = body.putArray("changes");
                if (!q.fullResync) {
                    for (String k : q.keys) {
                        Change c = q.pending.get(k);
                        changes.addObject().put("table", c.table).put("id", c.id).put("operation", c.operation);
                    }
                }
            }
            Doc a = repo.get("appliances", q.applianceId);
            if (a == null) {
                queues.remove(q.applianceId);
                return; // deregistered
            }
            long t0 = System.nanoTime();
            boolean ok = post(a, body);
            synchronized (q) {
                if (ok) {
                    latencyNanos.set(System.nanoTime() - t0);
                    delivered.incrementAndGet();
                    // drop what was sent unless it changed again meanwhile
                    for (var n : body.path("changes")) {
                        String k = n.path("table").asText() + "/" + n.path("id").asText();
                        Change c = q.pending.get(k);
                        if (c != null && c.operation.equals(n.path("operation").asText())
                                && q.revision == body.path("revision").asLong()) {
                            q.pending.remove(k);
                            q.keys.remove(k);
                        }
                    }
                    if (body.path("full_resync").asBoolean() && q.revision == body.path("revision").asLong()) {
                        q.pending.clear();
                        q.keys.clear();
                        q.fullResync = false;
                    } else if (body.path("full_resync").asBoolean()) {
                        q.fullResync = false;
                    }
                    q.failingSinceNanos = 0;
                    backoff = 250;
                    continue;
                }
                failures.incrementAndGet();
                if (q.failingSinceNanos == 0) {
                    q.failingSinceNanos = System.nanoTime();
                }
            }
            LockSupport.parkNanos(backoff * 1_000_000L);
            backoff = Math.min(backoff * 2, 30_000);
        }
    }

    private boolean post(Doc appliance, ObjectNode body) {
        String url = appliance.json().path("notification_url").asText();
        try {
            URI target;
            try {
                target = callbacks.target(url, appliance.json().path("addresses"));
            } catch (IllegalArgumentException e) {
                LOG.log(System.Logger.Level.WARNING, "not notifying appliance " + appliance.id() + ": its "
                        + "notification_url " + e.getMessage());
                return false;
            }
            byte[] bytes = Json.mapper().writeValueAsBytes(body);
            HttpRequest.Builder b = HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(5))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
            String secret = appliance.json().path("_notification_token").asText(null);
            if (secret != null) {
                // an HMAC of the body under the appliance's secret: the secret itself never travels
                b.header(org.secmon.ems.api.notify.NotificationSignature.HEADER,
                        org.secmon.ems.api.notify.NotificationSignature.sign(secret,
                                System.currentTimeMillis() / 1000, bytes));
            }
            HttpResponse<Void> r = http.send(b.build(), HttpResponse.BodyHandlers.discarding());
            if (r.statusCode() / 100 == 2) {
                return true;
            }
            LOG.log(System.Logger.Level.DEBUG, "notification to " + url + " answered " + r.statusCode());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, "notification to " + url + " failed: " + e);
            return false;
        }
    }

    /** Distinct changes waiting, over all appliances. */
    public long queueDepth() {
        long n = 0;
        for (Queue q : queues.values()) {
            synchronized (q) {
                n += q.pending.size() + (q.fullResync ? 1 : 0);
            }
        }
        return n;
    }

    public long delivered() {
        return delivered.get();
    }

    public long failures() {
        return failures.get();
    }

    @Override
    public void close() {
        closed = true;
        for (Queue q : queues.values()) {
            synchronized (q) {
                q.notifyAll();
            }
            if (q.worker != null) {
                q.worker.interrupt();
            }
        }
    }
}
