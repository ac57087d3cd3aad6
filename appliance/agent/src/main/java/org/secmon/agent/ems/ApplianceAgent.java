package org.secmon.agent.ems;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.secmon.dataplane.filter.Action;
import org.secmon.dataplane.host.LoadedPlugin;
import org.secmon.dataplane.host.PluginHost;
import org.secmon.dataplane.host.PluginSetup;
import org.secmon.dataplane.host.RxAgent;
import org.secmon.dataplane.ingest.Ingest;
import org.secmon.ems.api.Json;
import org.secmon.ems.api.client.EmsClient;
import org.secmon.ems.api.client.EmsException;
import org.secmon.ems.api.model.ResourceKind;
import org.secmon.plugin.PluginState;

/**
 * The appliance's side of the control path: registers with the EMS, fetches its scope's configuration (all of it,
 * or only what a notification names), compiles it into per-plugin setups that the plugin host swaps in between
 * bursts, keeps the last applied configuration on disk, and reports the applied version, capabilities and counters.
 *
 * <p>One control thread does all of this; the notification server only queues. The EMS being away never stops
 * monitoring: the agent keeps the configuration it has (or the one on disk) and retries with back-off, then
 * resynchronises everything when the EMS answers again.
 */
public final class ApplianceAgent implements AutoCloseable, org.secmon.agent.metrics.AgentMetrics.AgentState {
    private static final System.Logger LOG = System.getLogger("secmon.agent");

    /** How the agent finds and identifies itself to the EMS. */
    /**
     * @param ems        the EMS this appliance registers with (its identity in the credentials)
     * @param emsOthers  further EMS instances of the same store (several EMS behind one Consul): tried in turn when
     *                   the current one does not answer or has no store, for everything after registration
     */
    public record Settings(URI ems, String scope, String name, List<String> addresses, String user,
                           String password, Path stateDir, Duration resyncInterval, Duration reportInterval,
                           Duration maxBackoff, String emsFingerprint, Path enrollmentFile, List<URI> emsOthers) {
        public Settings {
            Objects.requireNonNull(ems, "ems");
            emsOthers = emsOthers == null ? List.of() : List.copyOf(emsOthers);
            Objects.requireNonNull(scope, "scope");
            Objects.requireNonNull(name, "name");
            addresses = addresses == null ? List.of() : List.copyOf(addresses);
            emsFingerprint = emsFingerprint == null || emsFingerprint.isBlank() ? null
                    : org.secmon.ems.api.client.PinnedTrust.normalize(emsFingerprint);
        }

        public Settings(URI ems, String scope, String name, List<String> addresses, String user, String password,
                Path stateDir, Duration resyncInterval, Duration reportInterval, Duration maxBackoff) {
            this(ems, scope, name, addresses, user, password, stateDir, resyncInterval, reportInterval, maxBackoff,
                    null, null, List.of());
        }

        public Settings(URI ems, String scope, String name, List<String> addresses, String user, String password,
                Path stateDir, Duration resyncInterval, Duration reportInterval, Duration maxBackoff,
                String emsFingerprint) {
            this(ems, scope, name, addresses, user, password, stateDir, resyncInterval, reportInterval, maxBackoff,
                    emsFingerprint, null, List.of());
        }

        /** Every EMS to talk to, the registering one first. */
        List<URI> allEms() {
            List<URI> all = new java.util.ArrayList<>();
            all.add(ems);
            all.addAll(emsOthers);
            return all;
        }

        /** Trust for an https EMS: its pinned certificate, or the JDK's default trust. */
        javax.net.ssl.SSLContext ssl() {
            return emsFingerprint == null ? null : org.secmon.ems.api.client.PinnedTrust.context(emsFingerprint);
        }
    }

    /** Credentials issued at registration, kept (mode 0600) in the state directory. */
    record Credentials(String applianceId, String scopeId, String token, String notificationToken) {
    }

    private final Settings s;
    private final PluginHost host;
    private final Supplier<JsonNode> counters;
    /** One client per EMS instance given; {@link #active} is the one in use. */
    private final EmsClient[] clients;
    private volatile int active;
    private final Path configFile;
    private final Path credentialsFile;
    private final Object lock = new Object();
    private final Map<String, String> pendingChanges = new LinkedHashMap<>(); // table/id -> operation
    private final Map<String, PluginSetup> applied = new HashMap<>();
    private final AtomicLong notifications = new AtomicLong();
    private final AtomicLong applies = new AtomicLong();
    private final AtomicLong emsErrors = new AtomicLong();
    /** Time spent fetching and applying configurations (with {@link #applies}: the mean apply latency). */
    private final AtomicLong applyNanos = new AtomicLong();
    private volatile Credentials creds;
    private volatile ScopeConfig current;
    private volatile List<String> warnings = List.of();
    private volatile boolean connected;
    private volatile String lastError;
    /** Why the EMS no longer accepts this appliance (set once; the agent then stops talking to the EMS). */
    private volatile String revoked;
    private volatile Instant lastApplied;
    private boolean fullResyncPending = true;
    private volatile JsonNode sshUsers;
    private volatile org.secmon.agent.ipsec.Enforcer enforcer;
    private volatile JsonNode ipsec;
    /** The SHA-256 of every scrape token the EMS knows (its metrics endpoint accepts those). */
    private volatile java.util.Set<String> scrapers = java.util.Set.of();
    /** The IPsec state of the last report (tunnels and their SAs), for the metrics; null without IPsec. */
    private volatile JsonNode ipsecState;
    private boolean closed;
    private String notificationUrl;
    private Map<String, String> reportedCapabilities;
    private Long reportedVersion;
    private Thread thread;

    public ApplianceAgent(Settings settings, PluginHost host, Supplier<JsonNode> counters) {
        this.s = settings;
        this.host = host;
        this.counters = counters;
        List<URI> all = settings.allEms();
        this.clients = new EmsClient[all.size()];
        for (int i = 0; i < clients.length; i++) {
            clients[i] = EmsClient.create(all.get(i), settings.ssl(), Duration.ofSeconds(3), Duration.ofSeconds(15));
        }
        this.configFile = settings.stateDir().resolve("config.json");
        this.credentialsFile = settings.stateDir().resolve("credentials.json");
        loadSshUsers();
        loadScrapers();
    }

    // ---- start -------------------------------------------------------------------------------------------------

    /**
     * Applies the configuration saved by the last run (if any), so that monitoring starts before the EMS answers.
     *
     * @return the saved configuration's version, or -1 when there was none
     */
    public long applySaved() throws IOException {
        Files.createDirectories(s.stateDir());
        creds = loadCredentials();
        ScopeConfig saved;
        try {
            saved = ScopeConfig.load(configFile);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, e.getMessage() + "; starting without it");
            return -1;
        }
        if (saved == null) {
            return -1;
        }
        apply(saved);
        LOG.log(System.Logger.Level.INFO, "applied the saved configuration of scope " + saved.scopeName()
                + ", version " + saved.version());
        return saved.version();
    }

    /** Starts the control thread; {@code notificationUrl} is what the EMS will POST notifications to. */
    public void start(String notificationUrl) {
        this.notificationUrl = notificationUrl;
        thread = Thread.ofPlatform().name("secmon-control").daemon(true).start(this::run);
    }

    /** The notification token the EMS must send (null until registered). */
    public String notificationToken() {
        Credentials c = creds;
        return c == null ? null : c.notificationToken();
    }

    /**
     * Runs the IPsec enforcer: the tunnels the EMS binds to this appliance are applied to strongSwan at every full
     * resync and when IPsec entities change; the last ones are kept on disk (0600) and applied at start.
     */
    public void enforcer(org.secmon.agent.ipsec.Enforcer e) {
        this.enforcer = e;
        Path f = s.stateDir().resolve("ipsec.json");
        if (Files.exists(f)) {
            try {
                ipsec = Json.mapper().readTree(f.toFile());
                e.apply(ipsec);
            } catch (IOException | RuntimeException x) {
                LOG.log(System.Logger.Level.WARNING, "IPsec: the saved tunnels could not be applied: " + x);
            }
        }
    }

    /** The enforcer's view (tunnels, SA states), or null without one. */
    public JsonNode ipsecStatus() {
        org.secmon.agent.ipsec.Enforcer e = enforcer;
        return e == null ? null : e.status();
    }

    /** Fetch everything from the EMS now (the SSH CLI's {@code reload}). */
    public void requestFullResync() {
        synchronized (lock) {
            fullResyncPending = true;
            lock.notifyAll();
        }
    }

    /**
     * Who may use the SSH CLI, as the EMS last said ({@code {"users": [{name, access, ssh_keys}]}}), kept on disk
     * for when the EMS is away; null before the first fetch.
     */
    public JsonNode sshUsers() {
        return sshUsers;
    }

    /** Takes a notification (from the notification server's threads). */
    public void onNotification(JsonNode n) {
        notifications.incrementAndGet();
        synchronized (lock) {
            if (n.path("full_resync").asBoolean(false)) {
                fullResyncPending = true;
            }
            for (JsonNode c : n.path("changes")) {
                pendingChanges.put(c.path("table").asText() + "/" + c.path("id").asText(),
                        c.path("operation").asText());
            }
            lock.notifyAll();
        }
    }

    // ---- control loop ------------------------------------------------------------------------------------------

    private void run() {
        long backoff = 250;
        long nextResync = 0;
        long nextReport = 0;
        while (true) {
            Map<String, String> changes;
            boolean full;
            synchronized (lock) {
                long now = System.nanoTime();
                long wait = Math.min(nextResync, nextReport) - now;
                while (!closed && pendingChanges.isEmpty() && !fullResyncPending && wait > 0) {
                    try {
                        lock.wait(Math.max(1, wait / 1_000_000));
                    } catch (InterruptedException e) {
                        return;
                    }
                    wait = Math.min(nextResync, nextReport) - System.nanoTime();
                }
                if (closed) {
                    return;
                }
                if (System.nanoTime() >= nextResync) {
                    fullResyncPending = true;
                }
                full = fullResyncPending;
                changes = new LinkedHashMap<>(pendingChanges);
                fullResyncPending = false;
                pendingChanges.clear();
            }
            if (revoked != null) {
                synchronized (lock) {
                    pendingChanges.clear(); // notifications can no longer be confirmed with the EMS
                    fullResyncPending = false;
                }
                nextReport = System.nanoTime() + TimeUnit.HOURS.toNanos(1);
                nextResync = nextReport;
                continue;
            }
            try {
                if (creds == null) {
                    register();
                    full = true;
                }
                if (!connected) {
                    full = true; // resync on (re)connect: notifications may have been missed
                }
                long t0 = System.nanoTime();
                if (full) {
                    apply(fetchAll());
                    applyNanos.addAndGet(System.nanoTime() - t0);
                    fetchSshUsers();
                    fetchScrapers();
                    fetchIpsec();
                    nextResync = System.nanoTime() + s.resyncInterval().toNanos();
                } else if (!changes.isEmpty()) {
                    apply(fetchChanges(current, changes));
                    applyNanos.addAndGet(System.nanoTime() - t0);
                    if (changes.keySet().stream().anyMatch(k -> k.startsWith("users/") || k.startsWith("roles/")
                            || k.startsWith("projects/") || k.startsWith("scopes/"))) {
                        fetchSshUsers();
                    }
                    if (changes.keySet().stream().anyMatch(k -> k.startsWith("ike_policies/")
                            || k.startsWith("ipsec_policies/") || k.startsWith("ipsec_tunnels/")
                            || k.startsWith("ipsec_endpoint_groups/"))) {
                        fetchIpsec();
                    }
                }
                report();
                nextReport = System.nanoTime() + s.reportInterval().toNanos();
                if (!connected) {
                    LOG.log(System.Logger.Level.INFO, "connected to the EMS at " + s.ems() + " as appliance "
                            + s.name() + " (" + creds.applianceId() + ")");
                }
                connected = true;
                lastError = null;
                backoff = 250;
                failedOver = 0;
            } catch (EmsException e) {
                emsErrors.incrementAndGet();
                if (e.status() == 401 && creds != null) {
                    // deleted or revoked by an operator (a compromised appliance must stay out): never register
                    // again by itself; monitoring goes on with the last configuration until someone re-enrolls it
                    revoked = "the EMS revoked this appliance's credentials (" + e.getMessage() + "); keeping "
                            + "configuration version " + (current == null ? "none" : current.version())
                            + " and not registering again by itself: re-enroll it (docs/security.md)";
                    LOG.log(System.Logger.Level.ERROR, revoked);
                    lastError = revoked;
                    connected = false;
                    continue;
                }
                failed(e.describe(), changes, full);
                // that instance is gone or has lost its store: the next one at once, the back-off after a full turn
                boolean next = (e.status() == 0 || e.status() == 502 || e.status() == 503 || e.status() == 504)
                        && failover(e.describe());
                nextReport = System.nanoTime() + (next ? 0 : Duration.ofMillis(backoff).toNanos());
                nextResync = nextReport;
                if (!next) {
                    backoff = Math.min(backoff * 2, s.maxBackoff().toMillis());
                }
            } catch (IOException | RuntimeException e) {
                emsErrors.incrementAndGet();
                failed(e.toString(), changes, full);
                boolean next = failover(e.toString());
                nextReport = System.nanoTime() + (next ? 0 : Duration.ofMillis(backoff).toNanos());
                nextResync = nextReport;
                if (!next) {
                    backoff = Math.min(backoff * 2, s.maxBackoff().toMillis());
                }
            }
        }
    }

    private void fetchSshUsers() throws IOException {
        JsonNode u = client().call("GET", "appliances/" + creds.applianceId() + "/ssh-users", null);
        if (!u.equals(sshUsers)) {
            keep("ssh-users.json", u);
            sshUsers = u;
        }
    }

    private void fetchScrapers() throws IOException {
        JsonNode u;
        try {
            u = client().call("GET", "appliances/" + creds.applianceId() + "/scrapers", null);
        } catch (org.secmon.ems.api.client.EmsException e) {
            if (e.status() != 404) {
                throw e;
            }
            // an EMS older than scrape tokens (upgrading the appliances first): monitoring and sync go on; the
            // metrics endpoint takes only --metrics-token-file until the EMS has them
            LOG.log(System.Logger.Level.DEBUG, "EMS has no scrape tokens (" + e.getMessage() + ")");
            return;
        }
        java.util.Set<String> next = hashes(u);
        if (!next.equals(scrapers)) {
            keep("scrapers.json", u);
            scrapers = next;
        }
    }

    /** The {@code sha256} list of a scrapers document (the EMS's answer, or its copy on disk). */
    private static java.util.Set<String> hashes(JsonNode scrapersDoc) {
        java.util.Set<String> h = new java.util.HashSet<>();
        scrapersDoc.path("sha256").forEach(n -> h.add(n.asText()));
        return java.util.Set.copyOf(h);
    }

    /** The scrapers kept on disk by an earlier run (metrics can be scraped before the EMS answers). */
    private void loadScrapers() {
        Path f = s.stateDir().resolve("scrapers.json");
        try {
            if (Files.exists(f)) {
                scrapers = hashes(Json.mapper().readTree(f.toFile()));
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, f + " unreadable (" + e.getMessage() + "); metrics scrapes wait for"
                    + " the EMS");
        }
    }

    /** The SHA-256 (hex) of every scrape token of the EMS. */
    public java.util.Set<String> scrapers() {
        return scrapers;
    }

    @Override
    public Long appliedVersion() {
        ScopeConfig c = current;
        return c == null ? null : c.version();
    }

    /** The IPsec state of the last report, or null. */
    @Override
    public JsonNode ipsecState() {
        return ipsecState;
    }

    @Override
    public long notifications() {
        return notifications.get();
    }

    @Override
    public long applies() {
        return applies.get();
    }

    /** Seconds spent fetching, compiling and swapping in configurations, over all applies. */
    @Override
    public double applySeconds() {
        return applyNanos.get() / 1e9;
    }

    @Override
    public long emsErrors() {
        return emsErrors.get();
    }

    private void fetchIpsec() throws IOException {
        org.secmon.agent.ipsec.Enforcer e = enforcer;
        if (e == null) {
            return;
        }
        JsonNode t = e.fetch(client(), "appliances/" + creds.applianceId());
        if (!t.equals(ipsec)) {
            keep("ipsec.json", t);
            ipsec = t;
            e.apply(t); // tunnels that are down are started again by the report that follows every fetch
        }
    }

    /** Keeps {@code n} in the state directory, atomically and readable only by the agent's user. */
    private void keep(String name, JsonNode n) throws IOException {
        org.secmon.agent.PrivateFiles.write(s.stateDir().resolve(name), Json.mapper().writeValueAsString(n));
    }

    /** The SSH users kept on disk by an earlier run (so that SSH works before the EMS answers). */
    private void loadSshUsers() {
        Path f = s.stateDir().resolve("ssh-users.json");
        try {
            if (Files.exists(f)) {
                sshUsers = Json.mapper().readTree(f.toFile());
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, f + " unreadable (" + e.getMessage() + "); SSH logins wait for the"
                    + " EMS");
        }
    }

    private void failed(String why, Map<String, String> changes, boolean full) {
        if (connected || lastError == null) {
            LOG.log(System.Logger.Level.WARNING, "EMS: " + why + " (monitoring continues with configuration version "
                    + (current == null ? "none" : current.version()) + "; retrying)");
        }
        connected = false;
        lastError = why;
        synchronized (lock) { // nothing is lost: the next attempt resyncs everything anyway
            fullResyncPending |= full || !changes.isEmpty();
        }
    }

    private void register() throws IOException {
        Path enrollment = s.enrollmentFile();
        boolean enroll = enrollment != null && Files.isRegularFile(enrollment);
        if (!enroll && s.user() == null) {
            throw new IllegalStateException("not registered, and nothing to register with: give an enrollment token "
                    + "(--enrollment-token-file; secmonctl enroll makes one)" + (enrollment != null
                    ? " (" + enrollment + " is gone: it was used, or never there)" : ""));
        }
        EmsClient login = EmsClient.create(activeEms(), s.ssl(), Duration.ofSeconds(3), Duration.ofSeconds(15));
        try (login) {
            if (!enroll) {
                login.login(s.user(), s.password());
            }
            ObjectNode body = Json.mapper().createObjectNode();
            body.put("scope", s.scope()).put("name", s.name()).put("notification_url", notificationUrl);
            body.putArray("addresses").addAll(s.addresses().stream()
                    .map(a -> (JsonNode) Json.mapper().getNodeFactory().textNode(a)).toList());
            ObjectNode caps = body.putObject("capabilities");
            capabilities().forEach(caps::put);
            EmsClient.Registration r = enroll ? login.enroll(Files.readString(enrollment).strip(), body)
                    : login.register(body);
            Credentials c = new Credentials(r.id(), r.appliance().path("scope").asText(), r.token(),
                    r.notificationToken());
            saveCredentials(c);
            if (enroll) {
                Files.delete(enrollment); // single-use, and used: the appliance holds only its own credentials now
                LOG.log(System.Logger.Level.INFO, "enrolled; " + enrollment + " deleted");
            }
            creds = c;
            reportedCapabilities = capabilities();
            try {
                login.logout();
            } catch (EmsException ignored) {
                // the user token expires on its own
            }
        }
        LOG.log(System.Logger.Level.INFO, "registered with the EMS as appliance " + s.name() + " in scope "
                + s.scope());
    }

    /**
     * Moves on to the next EMS instance given, if there is one; answers whether to try it at once (the back-off grows
     * only after a full turn over the instances, so a second instance is asked at once when the first dies).
     */
    private boolean failover(String why) {
        if (clients.length < 2) {
            return false;
        }
        int from = active;
        active = (from + 1) % clients.length;
        failedOver++;
        LOG.log(System.Logger.Level.WARNING, "EMS at " + s.allEms().get(from) + " failed (" + why + "); trying "
                + s.allEms().get(active));
        return failedOver % clients.length != 0;
    }

    /** Instances that failed one after the other since the last success (the agent thread's). */
    private int failedOver;

    /** The EMS instance in use now (for status and tests). */
    public URI activeEms() {
        return s.allEms().get(active);
    }

    private EmsClient client() {
        return clients[active].token(creds.token());
    }

    /** The scope and every collection of its configuration; the scope first, so the version is never ahead. */
    private ScopeConfig fetchAll() {
        EmsClient e = client();
        ObjectNode scope = e.get(ResourceKind.SCOPES, creds.scopeId());
        long version = scope.path("config_version").asLong();
        Map<String, Map<String, ObjectNode>> tables = new HashMap<>();
        for (ResourceKind k : ScopeConfig.KINDS) {
            Map<String, ObjectNode> m = new HashMap<>();
            for (ObjectNode n : e.list(k, creds.scopeId())) {
                m.put(n.path("id").asText(), n);
            }
            tables.put(k.collection(), m);
        }
        return new ScopeConfig(scope, version, tables);
    }

    /** Only what the notification named (plus the scope, for its version and plugin switches). */
    private ScopeConfig fetchChanges(ScopeConfig base, Map<String, String> changes) {
        if (base == null) {
            return fetchAll();
        }
        EmsClient e = client();
        ObjectNode scope = e.get(ResourceKind.SCOPES, creds.scopeId());
        ScopeConfig c = base.withScope(scope, scope.path("config_version").asLong());
        for (Map.Entry<String, String> ch : changes.entrySet()) {
            String[] tableId = ch.getKey().split("/", 2);
            if (!ScopeConfig.isConfigTable(tableId[0])) {
                continue;
            }
            // every change is confirmed with the EMS, deletes too: a notification only says where to look
            ObjectNode entity = null;
            try {
                entity = e.get(ResourceKind.of(tableId[0]), tableId[1]);
            } catch (EmsException x) {
                if (x.status() != 404) {
                    throw x;
                }
            }
            if (entity != null && !creds.scopeId().equals(entity.path("scope").asText())) {
                entity = null; // moved to another scope
            }
            c = c.with(tableId[0], tableId[1], entity);
        }
        return c;
    }

    // ---- apply -------------------------------------------------------------------------------------------------

    /** Compiles and swaps in a configuration, then keeps it on disk. Control thread (or before it starts). */
    private void apply(ScopeConfig c) throws IOException {
        if (current != null && current.equals(c)) {
            return;
        }
        ConfigCompiler.Result r = ConfigCompiler.compile(c);
        List<String> problems = new ArrayList<>(r.warnings());
        for (RxAgent rx : host.rxAgents()) {
            // the scope's ingest, or (without one) the appliance's own from its command line
            Ingest in = r.ingest() != null ? r.ingest() : rx.defaultIngest();
            if (!in.equals(rx.ingest())) {
                rx.ingest(in);
                LOG.log(System.Logger.Level.INFO, "ingest: " + in.describe()
                        + (r.ingest() != null ? " (the scope's ingest_configs)" : " (this appliance's own)"));
            }
        }
        Map<String, PluginSetup> next = new LinkedHashMap<>(r.setups());
        for (Map.Entry<String, PluginSetup> was : applied.entrySet()) {
            if (!next.containsKey(was.getKey())) { // association gone: the plugin sees nothing from now on
                next.put(was.getKey(), new PluginSetup(List.of(), Action.DROP, was.getValue().config(),
                        was.getValue().mode()));
            }
        }
        for (Map.Entry<String, PluginSetup> e : next.entrySet()) {
            if (e.getValue().equals(applied.get(e.getKey()))) {
                continue;
            }
            try {
                host.setup(e.getKey(), e.getValue());
                applied.put(e.getKey(), e.getValue());
            } catch (Exception x) {
                problems.add("plugin " + e.getKey() + ": " + (x.getMessage() == null ? x.toString() : x.getMessage()));
            }
        }
        for (String w : problems) {
            if (!warnings.contains(w)) {
                LOG.log(System.Logger.Level.WARNING, "configuration version " + c.version() + ": " + w);
            }
        }
        warnings = List.copyOf(problems);
        lastApplied = Instant.now(); // before current: whoever sees the new version sees its time
        current = c;
        applies.incrementAndGet();
        c.save(configFile);
    }

    private void report() {
        ScopeConfig c = current;
        Map<String, String> caps = capabilities();
        Long version = c == null ? null : c.version();
        ObjectNode cnt = (ObjectNode) counters.get();
        ObjectNode agent = cnt.putObject("agent");
        agent.put("notifications", notifications.get()).put("applies", applies.get())
                .put("ems_errors", emsErrors.get());
        org.secmon.agent.ipsec.Enforcer e = enforcer;
        if (e != null) {
            ObjectNode st = null;
            if (ipsec != null) {
                try {
                    st = e.ensureUp(ipsec);
                } catch (IOException x) {
                    LOG.log(System.Logger.Level.WARNING, "IPsec: " + x.getMessage());
                }
            }
            ObjectNode ist = st != null ? st : e.status();
            cnt.set("ipsec", ist);
            ipsecState = ist;
        }
        if (!warnings.isEmpty()) {
            agent.putArray("warnings").addAll(warnings.stream()
                    .map(w -> (JsonNode) Json.mapper().getNodeFactory().textNode(w)).toList());
        }
        client().report(creds.applianceId(), version, caps.equals(reportedCapabilities) ? null : caps, cnt,
                notificationUrl, sshHostKey, topFlows(cnt));
        reportedCapabilities = caps;
        reportedVersion = version;
    }

    /** Most flows per flow cache a report may carry (the EMS keeps at most as many). */
    public static final int MAX_REPORT_FLOWS = 100;
    public static final int DEFAULT_REPORT_FLOWS = 20;
    /** How long a report waits for a flow cache's data-plane thread to list its flows. */
    private static final long TOP_FLOWS_WAIT_MILLIS = 1000;
    private volatile int reportFlows = DEFAULT_REPORT_FLOWS;

    /** How many of each flow cache's largest flows every report carries (0: none). */
    public void reportFlows(int n) {
        if (n < 0 || n > MAX_REPORT_FLOWS) {
            throw new IllegalArgumentException("report flows must be 0.." + MAX_REPORT_FLOWS + ", not " + n);
        }
        reportFlows = n;
    }

    /**
     * The largest flows of every plugin with a flow cache (whose counters have {@code flows_active}), in the columns
     * of the SSH CLI's {@code show flows top N}, as of the plugin's last pass over its cache made a slice at a time
     * ({@code flows-recent}; the first report has no rows yet): {PLUGIN: {note, columns, rows}}, or {PLUGIN: {error}}
     * when the plugin could not answer (the data plane is stopped); null when not asked for.
     */
    ObjectNode topFlows(ObjectNode counters) {
        int n = reportFlows;
        if (n == 0) {
            return null;
        }
        ObjectNode out = Json.mapper().createObjectNode();
        for (LoadedPlugin p : host.plugins()) {
            if (!counters.path("plugins").path(p.name()).has(org.secmon.plugin.CounterNames.FLOWS_ACTIVE)) {
                continue;
            }
            ObjectNode o = out.putObject(p.name());
            try {
                // as of the plugin's last slice-by-slice pass, which this starts again: a report must not stop
                // the data plane for a whole pass (19 ms per million flows) every few seconds
                org.secmon.plugin.Table t = p.query("flows-recent", n, TOP_FLOWS_WAIT_MILLIS);
                if (t == null) {
                    out.remove(p.name());
                    continue;
                }
                o.put("note", t.note());
                t.columns().forEach(o.putArray("columns")::add);
                com.fasterxml.jackson.databind.node.ArrayNode rows = o.putArray("rows");
                for (List<Object> r : t.rows()) {
                    com.fasterxml.jackson.databind.node.ArrayNode a = rows.addArray();
                    for (Object v : r) {
                        if (v instanceof Long || v instanceof Integer) {
                            a.add(((Number) v).longValue());
                        } else if (v instanceof Number d) {
                            a.add(d.doubleValue());
                        } else {
                            a.add(String.valueOf(v));
                        }
                    }
                }
            } catch (IllegalStateException e) {
                o.removeAll();
                o.put("error", e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return out;
    }

    /** Loaded plugins and their versions. */
    private volatile String sshHostKey;

    /** The SSH CLI's host key fingerprint ({@code SHA256:...}), reported so that the console can check the key. */
    public void sshHostKey(String fingerprint) {
        this.sshHostKey = fingerprint;
    }

    public Map<String, String> capabilities() {
        Map<String, String> caps = new TreeMap<>();
        for (LoadedPlugin p : host.plugins()) {
            if (p.state() != PluginState.FAILED) {
                caps.put(p.name(), p.descriptor().version());
            }
        }
        return caps;
    }

    // ---- state -------------------------------------------------------------------------------------------------

    /** What {@code GET /health} and the logs show. */
    public ObjectNode status() {
        ObjectNode o = Json.mapper().createObjectNode();
        ScopeConfig c = current;
        o.put("status", "up");
        o.put("name", s.name());
        o.put("scope", s.scope());
        o.put("ems_connected", connected);
        if (lastError != null) {
            o.put("ems_error", lastError);
        }
        if (c != null) {
            o.put("applied_version", c.version());
        }
        if (lastApplied != null) {
            o.put("applied_at", lastApplied.toString());
        }
        if (reportedVersion != null) {
            o.put("reported_version", reportedVersion);
        }
        o.put("notifications", notifications.get());
        o.put("applies", applies.get());
        o.set("counters", counters.get());
        return o;
    }

    public ScopeConfig current() {
        return current;
    }

    @Override
    public boolean connected() {
        return connected;
    }

    public List<String> warnings() {
        return warnings;
    }

    public String applianceId() {
        Credentials c = creds;
        return c == null ? null : c.applianceId();
    }

    private Credentials loadCredentials() throws IOException {
        if (!Files.exists(credentialsFile)) {
            return null;
        }
        try {
            JsonNode n = Json.mapper().readTree(credentialsFile.toFile());
            if (!s.ems().toString().equals(n.path("ems").asText()) || !s.name().equals(n.path("name").asText())
                    || !s.scope().equals(n.path("scope").asText())) {
                return null; // another EMS or another identity: register afresh
            }
            return new Credentials(n.path("appliance_id").asText(), n.path("scope_id").asText(),
                    n.path("token").asText(), n.path("notification_token").asText());
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, credentialsFile + " is damaged; registering again");
            return null;
        }
    }

    private void saveCredentials(Credentials c) throws IOException {
        ObjectNode n = Json.mapper().createObjectNode();
        n.put("ems", s.ems().toString()).put("name", s.name()).put("scope", s.scope())
                .put("appliance_id", c.applianceId()).put("scope_id", c.scopeId()).put("token", c.token())
                .put("notification_token", c.notificationToken());
        org.secmon.agent.PrivateFiles.write(credentialsFile, Json.mapper().writeValueAsString(n));
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
        if (thread != null) {
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (EmsClient c : clients) {
            c.close();
        }
    }
}
