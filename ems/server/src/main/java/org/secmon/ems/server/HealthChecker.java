package org.secmon.ems.server;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.secmon.ems.api.model.ApplianceStatus;
import org.secmon.ems.server.store.Repository;
import org.secmon.ems.server.store.Repository.Doc;

/**
 * Health-checks registered appliances — {@code GET /health} on the host and port of each notification URL — or
 * registered IPsec enforcers — {@code GET} their {@code health_url} — every interval (appliances: default 30 s;
 * enforcers: 60 s). After {@code downAfter} consecutive misses the entity is DOWN; the first answer after that makes
 * it UP again (and sends an appliance a full resync). With {@code removeAfter} > 0, one that missed that many checks
 * is removed together with the IPsec tunnels it ran.
 */
public final class HealthChecker implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(HealthChecker.class.getName());

    private final Repository repo;
    private final Notifier notifier;
    private final String collection;
    private final String what;
    private final int downAfter;
    private final int removeAfter;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Map<String, Integer> misses = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;

    public HealthChecker(Repository repo, Notifier notifier, Duration interval, int downAfter, int removeAfter) {
        this(repo, notifier, "appliances", interval, downAfter, removeAfter);
    }

    /**
     * @param collection {@code appliances} or {@code ipsec_enforcers}
     * @param notifier   for appliances (a full resync when one comes back); null for enforcers, which poll
     */
    public HealthChecker(Repository repo, Notifier notifier, String collection, Duration interval, int downAfter,
            int removeAfter) {
        this.repo = repo;
        this.notifier = notifier;
        this.collection = collection;
        this.what = collection.equals("appliances") ? "appliance" : "IPsec enforcer";
        this.downAfter = downAfter;
        this.removeAfter = removeAfter;
        this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon()
                .name(collection.equals("appliances") ? "appliance-health" : "enforcer-health").factory());
        timer.scheduleWithFixedDelay(this::checkAll, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private volatile java.util.function.BooleanSupplier leader = () -> true;

    /** Checks run only while {@code leader} says this EMS instance leads (one instance checks at a time). */
    public void leader(java.util.function.BooleanSupplier leader) {
        this.leader = leader;
    }

    void checkAll() {
        if (!leader.getAsBoolean()) {
            misses.clear(); // counted afresh if this instance leads again: another one checked meanwhile
            return;
        }
        try {
            for (Doc a : repo.list(collection)) {
                if (collection.equals("appliances")) {
                    String url = a.json().path("notification_url").asText(null);
                    if (url != null) {
                        check(a, URI.create(url).resolve("/health"));
                    }
                } else if (a.json().hasNonNull("health_url")
                        && !a.json().path("status").asText().equals(ApplianceStatus.DEREGISTERED.json())) {
                    check(a, URI.create(a.json().path("health_url").asText()));
                }
            }
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, what + " health check failed: " + e);
        }
    }

    private volatile org.secmon.ems.server.net.CallbackPolicy callbacks;

    /** Where health URLs may point (checked again at every connection: no DNS rebinding). */
    public void callbacks(org.secmon.ems.server.net.CallbackPolicy c) {
        this.callbacks = c;
    }

    private void check(Doc a, URI url) throws Exception {
        boolean ok;
        try {
            URI target = callbacks.target(url.toString(), a.json().path("addresses")); // refused: a miss
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(target)
                    .timeout(Duration.ofSeconds(3)).GET().build(), HttpResponse.BodyHandlers.discarding());
            ok = r.statusCode() / 100 == 2;
        } catch (Exception e) {
            ok = false;
        }
        String status = a.json().path("status").asText();
        if (ok) {
            misses.remove(a.id());
            if (!status.equals(ApplianceStatus.UP.json())) {
                setStatus(a.id(), ApplianceStatus.UP);
                if (status.equals(ApplianceStatus.DOWN.json()) && notifier != null) {
                    notifier.fullResync(a.id(), repo.revision());
                }
            }
            return;
        }
        int n = misses.merge(a.id(), 1, Integer::sum);
        if (removeAfter > 0 && n >= removeAfter) {
            LOG.log(System.Logger.Level.WARNING, what + " " + a.json().path("name").asText() + " missed " + n
                    + " health checks: removed");
            String field = collection.equals("appliances") ? "appliance" : "enforcer";
            repo.write(changes -> {
                if (repo.get(collection, a.id()) != null) {
                    changes.delete(collection, a.id());
                    // its IPsec enforcer is gone with it: so are the tunnels it ran
                    for (Doc t : repo.list("ipsec_tunnels")) {
                        if (a.id().equals(t.json().path(field).asText())) {
                            changes.delete("ipsec_tunnels", t.id());
                        }
                    }
                    org.secmon.ems.server.pki.EmsCa.revoke(repo, changes, a.id(), false, "missed health checks");
                    Audit.record(changes, "health-check", "delete", org.secmon.ems.api.model.ResourceKind.of(
                            collection), a.id(), a.json().path("name").asText(null), null);
                }
                return null;
            });
            misses.remove(a.id());
        } else if (n >= downAfter && !status.equals(ApplianceStatus.DOWN.json())) {
            LOG.log(System.Logger.Level.WARNING, what + " " + a.json().path("name").asText() + " missed " + n
                    + " health checks: down");
            setStatus(a.id(), ApplianceStatus.DOWN);
        }
    }

    private void setStatus(String id, ApplianceStatus s) throws Exception {
        repo.write(changes -> {
            Doc d = repo.get(collection, id);
            if (d != null) {
                ObjectNode o = d.json().deepCopy();
                o.put("status", s.json());
                if (s == ApplianceStatus.UP) {
                    o.put("last_seen", Instant.now().toString());
                }
                changes.put(collection, id, o);
            }
            return null;
        });
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
