package org.secmon.ems.server;

import java.time.Duration;

import org.secmon.ems.server.auth.Auth;
import org.secmon.ems.server.entity.Entities;
import org.secmon.ems.server.store.Repository;
import org.secmon.ems.server.store.Store;
import org.secmon.ems.server.store.StoreException;

/** The EMS's parts, wired once and shared by the HTTP services. */
public final class Ems implements AutoCloseable {
    private final Repository repository;
    private final Entities entities;
    private final Auth auth;
    private final Metrics metrics = new Metrics(org.secmon.ems.server.http.OpenApi.routeTemplates());
    private final Notifier notifier;
    private final HealthChecker health;
    private final HealthChecker enforcerHealth;
    private final java.util.concurrent.ScheduledExecutorService housekeeping;
    private final org.secmon.ems.server.store.Leadership leadership;

    /** Options of the appliance health checks. */
    public record HealthOptions(Duration interval, int downAfter, int removeAfter) {
        public static final HealthOptions DEFAULT = new HealthOptions(Duration.ofSeconds(30), 5, 0);
        /** IPsec enforcers, as the original IPsec EMS: checked every 60 s, removed after 10 misses. */
        public static final HealthOptions ENFORCERS = new HealthOptions(Duration.ofSeconds(60), 3, 10);
    }

    public Ems(Store store, Duration tokenTtl) throws StoreException {
        this(store, tokenTtl, HealthOptions.DEFAULT);
    }

    public Ems(Store store, Duration tokenTtl, HealthOptions healthOptions) throws StoreException {
        this(store, tokenTtl, healthOptions, HealthOptions.ENFORCERS);
    }

    public Ems(Store store, Duration tokenTtl, HealthOptions healthOptions, HealthOptions enforcerHealth)
            throws StoreException {
        // older data is brought to this release's layout before anything reads it; newer data is refused untouched
        org.secmon.ems.server.store.Schema.migrate(store);
        this.repository = new Repository(new org.secmon.ems.server.store.TimedStore(store, metrics::store));
        this.entities = new Entities(repository);
        this.auth = new Auth(repository, tokenTtl);
        this.notifier = new Notifier(repository);
        entities.listener(notifier::changed);
        entities.escalation(new org.secmon.ems.server.auth.Escalation(repository, auth));
        this.health = new HealthChecker(repository, notifier, healthOptions.interval(), healthOptions.downAfter(),
                healthOptions.removeAfter());
        this.enforcerHealth = new HealthChecker(repository, null, "ipsec_enforcers", enforcerHealth.interval(),
                enforcerHealth.downAfter(), enforcerHealth.removeAfter());
        // with several EMS instances on one Consul, one of them checks health and keeps house at a time
        this.leadership = store.leadership(instanceName());
        this.health.leader(leadership::isLeader);
        this.enforcerHealth.leader(leadership::isLeader);
        metrics.gauge("secmon_ems_leader", "1 while this EMS instance runs the health checks and housekeeping (one"
                + " instance of those sharing a Consul store; always 1 on the embedded store)",
                () -> leadership.isLeader() ? 1 : 0);
        // one policy for the checks at write time and at connect time (the EMS's ports are added to it at start)
        callbacks(org.secmon.ems.server.net.CallbackPolicy.strict());
        metrics.gauge("secmon_ems_notifier_queue_depth", "changes waiting to be notified to appliances",
                notifier::queueDepth);
        metrics.counter("secmon_ems_notifications_delivered", "change notifications appliances acknowledged",
                notifier::delivered);
        metrics.counter("secmon_ems_notification_failures", "change notifications that failed (retried later)",
                notifier::failures);
        metrics.gauge("secmon_ems_store_revision", "the configuration store's revision", repository::revision);
        metrics.gauges("secmon_ems_appliances", "registered appliances by status", "status",
                () -> byStatus("appliances"));
        metrics.gauges("secmon_ems_ipsec_enforcers", "registered IPsec enforcers by status", "status",
                () -> byStatus("ipsec_enforcers"));
        housekeeping = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("ems-housekeeping").factory());
        housekeeping.scheduleWithFixedDelay(this::housekeeping, 1, 1, java.util.concurrent.TimeUnit.MINUTES);
    }

    /** Every status with how many of {@code collection} have it (0 too: a status absent is a series that ends). */
    private java.util.Map<String, Long> byStatus(String collection) {
        java.util.Map<String, Long> n = new java.util.TreeMap<>();
        for (org.secmon.ems.api.model.ApplianceStatus st : org.secmon.ems.api.model.ApplianceStatus.values()) {
            n.put(st.json(), 0L);
        }
        for (Repository.Doc d : repository.list(collection)) {
            n.merge(d.json().path("status").asText("unknown"), 1L, Long::sum);
        }
        return n;
    }

    /** Audit records kept (oldest removed first, by the housekeeping task). */
    public static final int AUDIT_RETENTION = Integer.getInteger("secmon.ems.audit.retention", 100_000);

    /** This instance for operators: host and process id. */
    private static String instanceName() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "localhost";
        }
        return host + " pid " + ProcessHandle.current().pid() + " #" + Integer.toHexString(
                java.util.concurrent.ThreadLocalRandom.current().nextInt());
    }

    /** Whether this instance runs the work done once (health checks, housekeeping); always with one instance. */
    public boolean isLeader() {
        return leadership.isLeader();
    }

    private void housekeeping() {
        if (!leadership.isLeader()) {
            return;
        }
        try {
            auth.purgeExpired();
            pruneAudit(AUDIT_RETENTION);
        } catch (Exception e) {
            System.getLogger(Ems.class.getName()).log(System.Logger.Level.WARNING, "housekeeping failed: " + e);
        }
    }

    /** Deletes the oldest audit records beyond {@code keep}, in batches a Consul transaction accepts. */
    public int pruneAudit(int keep) throws StoreException {
        int removed = 0;
        while (repository.count(Audit.TABLE) > keep) {
            java.util.List<String> oldest = repository.list(Audit.TABLE).stream().map(Repository.Doc::id).sorted()
                    .limit(Math.min(50, repository.count(Audit.TABLE) - keep)).toList();
            repository.write(changes -> {
                for (String id : oldest) {
                    if (repository.get(Audit.TABLE, id) != null) {
                        changes.delete(Audit.TABLE, id);
                    }
                }
                return null;
            });
            removed += oldest.size();
        }
        return removed;
    }

    /** Where notification and health URLs may point (default: the nodes' own, non-loopback addresses). */
    public Ems callbacks(org.secmon.ems.server.net.CallbackPolicy c) {
        entities.callbacks(c);
        notifier.callbacks(c);
        health.callbacks(c);
        enforcerHealth.callbacks(c);
        return this;
    }

    public Notifier notifier() {
        return notifier;
    }

    public HealthChecker health() {
        return health;
    }

    public Repository repository() {
        return repository;
    }

    public Entities entities() {
        return entities;
    }

    public Auth auth() {
        return auth;
    }

    public Metrics metrics() {
        return metrics;
    }

    @Override
    public void close() {
        housekeeping.shutdownNow();
        health.close();
        enforcerHealth.close();
        leadership.close();
        notifier.close();
        repository.close();
    }
}
