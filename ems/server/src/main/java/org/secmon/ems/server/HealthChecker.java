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
 * Health-checks registered appliances: {@code GET /health} on the host and port of each notification URL, every
 * interval (default 30 s). After {@code downAfter} consecutive misses (default 5) the appliance is DOWN; the first
 * answer after that makes it UP again and sends it a full resync. With {@code removeAfter} > 0, an appliance that
 * missed that many checks is deregistered.
 */
public final class HealthChecker implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(HealthChecker.class.getName());

    private final Repository repo;
    private final Notifier notifier;
    private final int downAfter;
    private final int removeAfter;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Map<String, Integer> misses = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;

    public HealthChecker(Repository repo, Notifier notifier, Duration interval, int downAfter, int removeAfter) {
        this.repo = repo;
        this.notifier = notifier;
        this.downAfter = downAfter;
        this.removeAfter = removeAfter;
        this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("appliance-health")
                .factory());
        timer.scheduleWithFixedDelay(this::checkAll, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    void checkAll() {
        try {
            for (Doc a : repo.list("appliances")) {
                String url = a.json().path("notification_url").asText(null);
                if (url != null) {
                    check(a, url);
                }
            }
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "appliance health check failed: " + e);
        }
    }

    private void check(Doc a, String url) throws Exception {
        boolean ok;
        try {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(url).resolve("/health"))
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
                if (status.equals(ApplianceStatus.DOWN.json())) {
                    notifier.fullResync(a.id(), repo.revision());
                }
            }
            return;
        }
        int n = misses.merge(a.id(), 1, Integer::sum);
        if (removeAfter > 0 && n >= removeAfter) {
            LOG.log(System.Logger.Level.WARNING, "appliance " + a.json().path("name").asText() + " missed " + n
                    + " health checks: deregistered");
            repo.write(changes -> {
                if (repo.get("appliances", a.id()) != null) {
                    changes.delete("appliances", a.id());
                    // its IPsec enforcer is gone with it: so are the tunnels it ran
                    for (Doc t : repo.list("ipsec_tunnels")) {
                        if (a.id().equals(t.json().path("appliance").asText())) {
                            changes.delete("ipsec_tunnels", t.id());
                        }
                    }
                }
                return null;
            });
            misses.remove(a.id());
        } else if (n >= downAfter && !status.equals(ApplianceStatus.DOWN.json())) {
            LOG.log(System.Logger.Level.WARNING, "appliance " + a.json().path("name").asText() + " missed " + n
                    + " health checks: down");
            setStatus(a.id(), ApplianceStatus.DOWN);
        }
    }

    private void setStatus(String id, ApplianceStatus s) throws Exception {
        repo.write(changes -> {
            Doc d = repo.get("appliances", id);
            if (d != null) {
                ObjectNode o = d.json().deepCopy();
                o.put("status", s.json());
                if (s == ApplianceStatus.UP) {
                    o.put("last_seen", Instant.now().toString());
                }
                changes.put("appliances", id, o);
            }
            return null;
        });
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
