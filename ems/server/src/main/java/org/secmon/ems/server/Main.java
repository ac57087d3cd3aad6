package org.secmon.ems.server;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import io.helidon.http.HttpMediaTypes;
import io.helidon.http.Method;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import org.secmon.ems.api.model.Operation;
import org.secmon.ems.api.model.ResourceKind;
import org.secmon.ems.server.auth.Principal;
import org.secmon.ems.server.http.ApiException;
import org.secmon.ems.server.http.ApplianceService;
import org.secmon.ems.server.http.AuditService;
import org.secmon.ems.server.http.Http;
import org.secmon.ems.server.http.OpenApi;
import org.secmon.ems.server.http.RequestIds;
import org.secmon.ems.server.http.ResourceService;
import org.secmon.ems.server.http.TokenService;
import org.secmon.ems.server.store.ConsulStore;
import org.secmon.ems.server.store.EmbeddedStore;
import org.secmon.ems.server.store.Store;
import org.secmon.ems.server.store.StoreException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code secmon ems}: the element management system. */
@Command(name = "secmon ems", mixinStandardHelpOptions = true, sortOptions = false,
        subcommands = {BackupCommand.class, RestoreCommand.class},
        description = "The SecMon element management system: REST API under /api/v1 (OpenAPI at "
                + "/api/v1/openapi.yaml), users and roles, configuration store, appliance registry.")
public final class Main implements Callable<Integer> {
    private static final System.Logger LOG = System.getLogger(Main.class.getName());

    @Option(names = "--port", description = "HTTP port (default ${DEFAULT-VALUE}; 0 = any free port)")
    int port = 8080;

    @Option(names = "--host", description = "address to listen on (default ${DEFAULT-VALUE})")
    String host = "127.0.0.1";

    @Option(names = "--store", scope = CommandLine.ScopeType.INHERIT, description = "embedded (default) or consul")
    String store = "embedded";

    @Option(names = "--data-dir", scope = CommandLine.ScopeType.INHERIT, description = "embedded store directory (default ${DEFAULT-VALUE})")
    Path dataDir = Path.of(System.getProperty("user.home"), ".secmon", "ems");

    @Option(names = "--sync", scope = CommandLine.ScopeType.INHERIT, negatable = true, description = "fsync every embedded-store commit (default true)")
    boolean sync = true;

    @Option(names = "--consul-url", scope = CommandLine.ScopeType.INHERIT, description = "Consul HTTP address (default ${DEFAULT-VALUE})")
    String consulUrl = "http://127.0.0.1:8500";

    @Option(names = "--consul-prefix", scope = CommandLine.ScopeType.INHERIT, description = "Consul KV prefix (default ${DEFAULT-VALUE})")
    String consulPrefix = "secmon/";

    @Option(names = "--consul-token-file", scope = CommandLine.ScopeType.INHERIT, description = "a file holding the Consul ACL token of the EMS (else "
            + "CONSUL_HTTP_TOKEN; a file keeps it out of the process environment, which systemd shows to any user)")
    Path consulTokenFile;

    @Option(names = "--token-ttl", description = "lifetime of login tokens, ISO-8601 (default ${DEFAULT-VALUE})")
    Duration tokenTtl = Duration.ofHours(8);

    @Option(names = "--appliance-check-interval", description = "appliance health-check interval, ISO-8601 "
            + "(default ${DEFAULT-VALUE})")
    Duration checkInterval = Duration.ofSeconds(30);

    @Option(names = "--appliance-down-after", description = "missed checks before an appliance is down (default "
            + "${DEFAULT-VALUE})")
    int downAfter = 5;

    @Option(names = "--appliance-remove-after", description = "missed checks before an appliance is deregistered; "
            + "0 = never (default ${DEFAULT-VALUE})")
    int removeAfter = 0;

    @Option(names = "--enforcer-check-interval", description = "IPsec enforcer health-check interval, ISO-8601 "
            + "(default ${DEFAULT-VALUE})")
    Duration enforcerCheckInterval = Ems.HealthOptions.ENFORCERS.interval();

    @Option(names = "--enforcer-down-after", description = "missed checks before an IPsec enforcer is down (default "
            + "${DEFAULT-VALUE})")
    int enforcerDownAfter = Ems.HealthOptions.ENFORCERS.downAfter();

    @Option(names = "--enforcer-remove-after", description = "missed checks before an IPsec enforcer is removed with "
            + "its tunnels; 0 = never (default ${DEFAULT-VALUE})")
    int enforcerRemoveAfter = Ems.HealthOptions.ENFORCERS.removeAfter();

    @Option(names = "--tls-self-signed", description = "serve HTTPS with the EMS's own certificate (made at first "
            + "start with BouncyCastle, kept in DATA-DIR/tls; its SHA-256 fingerprint is printed for clients to pin)")
    boolean tlsSelfSigned;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "serve HTTPS with this certificate (the server's "
            + "first, then its issuers), with --tls-key")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "the private key of --tls-cert (unencrypted PEM)")
    Path tlsKey;

    @Option(names = "--allow-callbacks", split = ",", paramLabel = "CIDR",
            description = "networks the EMS may send notifications and health checks to beyond each node's own "
                    + "registered addresses, e.g. 127.0.0.0/8 for agents on this machine (loopback, link-local and "
                    + "the EMS's own port are refused otherwise)")
    java.util.List<String> allowCallbacks = new java.util.ArrayList<>();

    @Option(names = "--bootstrap-enrollment", paramLabel = "FILE", description = "an enrollment token for "
            + "appliances, made at the first start that sees it (token=, scope=, uses=, ttl_seconds=, optional name=: "
            + "how Heat lets a stack's appliances join without a password; see docs/security.md)")
    Path bootstrapEnrollment;

    @Option(names = "--admin-password-file", description = "first start: the admin password is read from this file "
            + "(or SECMON_ADMIN_PASSWORD; else one is generated and printed once)")
    Path adminPasswordFile;

    /** The Consul ACL token: from --consul-token-file (which must not be readable by others), else the environment. */
    private String consulToken() throws StoreException {
        if (consulTokenFile == null) {
            String env = System.getenv("CONSUL_HTTP_TOKEN");
            return env == null || env.isBlank() ? null : env.strip();
        }
        try {
            var perms = java.nio.file.Files.getPosixFilePermissions(consulTokenFile);
            if (perms.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ)) {
                throw new StoreException("--consul-token-file " + consulTokenFile + " is readable by every user: "
                        + "chmod 600 it");
            }
            String t = java.nio.file.Files.readString(consulTokenFile).strip();
            if (t.isEmpty()) {
                throw new StoreException("--consul-token-file " + consulTokenFile + " is empty");
            }
            return t;
        } catch (java.io.IOException e) {
            throw new StoreException("cannot read --consul-token-file " + consulTokenFile + ": " + e.getMessage());
        } catch (UnsupportedOperationException e) {
            throw new StoreException("cannot check the permissions of --consul-token-file " + consulTokenFile);
        }
    }

    public static void main(String[] args) {
        org.secmon.ems.server.http.RequestIds.LogFormatter.install();
        System.exit(new CommandLine(new Main()).execute(args));
    }

    /** The store the options name (embedded in --data-dir, or Consul), opened. */
    Store openStore() throws StoreException {
        return switch (store) {
            case "embedded" -> new EmbeddedStore(dataDir.resolve("ems.mv"), sync);
            case "consul" -> new ConsulStore(consulUrl, consulPrefix, consulToken());
            default -> throw new CommandLine.ParameterException(new CommandLine(this),
                    "--store must be embedded or consul, not '" + store + "'");
        };
    }

    @Override
    public Integer call() throws Exception {
        Store s;
        try {
            s = openStore();
        } catch (StoreException e) {
            System.err.println("secmon ems: " + e.getMessage());
            return 3;
        }
        Ems ems;
        try {
            ems = new Ems(s, tokenTtl, new Ems.HealthOptions(checkInterval, downAfter, removeAfter),
                    new Ems.HealthOptions(enforcerCheckInterval, enforcerDownAfter, enforcerRemoveAfter));
        } catch (StoreException e) { // data newer than this release, an interrupted restore, the store unreachable
            System.err.println("secmon ems: " + e.getMessage());
            s.close();
            return 3;
        }
        try {
            ems.callbacks(new org.secmon.ems.server.net.CallbackPolicy(allowCallbacks));
        } catch (IllegalArgumentException e) {
            System.err.println("secmon ems: --allow-callbacks: " + e.getMessage());
            ems.close();
            return 2;
        }
        if (bootstrapEnrollment != null) {
            try {
                org.secmon.ems.server.http.EnrollmentService.bootstrap(ems.repository(), bootstrapEnrollment);
            } catch (IllegalArgumentException | java.io.IOException e) {
                System.err.println("secmon ems: --bootstrap-enrollment: " + e.getMessage());
                ems.close();
                return 2;
            }
        }
        String generated = ems.auth().bootstrap(System.getenv("SECMON_ADMIN_PASSWORD"), adminPasswordFile);
        if (generated != null) {
            System.out.println("First start: created user 'admin' with password: " + generated);
            System.out.println("(shown only now; change it with PATCH /api/v1/users/ID or ./secmon ctl)");
        }
        org.secmon.ems.server.tls.SelfSignedTls tls = null;
        if ((tlsCert == null) != (tlsKey == null) || (tlsCert != null && tlsSelfSigned)) {
            System.err.println("secmon ems: give --tls-cert and --tls-key together, or --tls-self-signed");
            ems.close();
            return 2;
        }
        if (tlsSelfSigned || tlsCert != null) {
            try {
                tls = tlsCert != null ? org.secmon.ems.server.tls.SelfSignedTls.fromPem(tlsCert, tlsKey)
                        : org.secmon.ems.server.tls.SelfSignedTls.loadOrCreate(dataDir.resolve("tls"), host);
            } catch (java.io.IOException e) {
                System.err.println("secmon ems: TLS: " + e.getMessage());
                ems.close();
                return 3;
            }
        }
        WebServer server = start(ems, host, port, tls);
        System.out.println("SecMon EMS listening on " + (tls == null ? "http" : "https") + "://" + host + ":"
                + server.port() + "/api/v1 (store: " + s.describe() + ")");
        if (tls != null) {
            System.out.println("TLS certificate (" + (tlsCert != null ? tlsCert.toString() : (tls.created()
                    ? "made now" : "kept") + " in " + dataDir.resolve("tls")) + ") SHA-256 fingerprint: "
                    + tls.fingerprint());
            System.out.println("  trust it with: ./secmon ctl login --ems https://" + host + ":" + server.port()
                    + " --trust " + tls.fingerprint());
        }
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop();
            ems.close();
            stop.countDown();
        }, "ems-shutdown"));
        stop.await();
        return 0;
    }

    /** Starts the HTTP server (tests use this with port 0). */
    public static WebServer start(Ems ems, String host, int port) {
        return start(ems, host, port, null);
    }

    /** Starts the server, HTTPS when {@code tls} is given. */
    public static WebServer start(Ems ems, String host, int port, org.secmon.ems.server.tls.SelfSignedTls tls) {
        io.helidon.webserver.WebServerConfig.Builder b = WebServer.builder();
        if (tls != null) {
            b.tls(t -> t.privateKey(tls.key()).privateKeyCertChain(tls.chain()));
        }
        WebServer server = b
                .host(host)
                .port(port)
                .maxPayloadSize(Http.MAX_BODY * 2L)
                // limits against slow or oversized clients: connections, requests in flight, idle and read time,
                // request line and header sizes (the API's own are far below these)
                .maxTcpConnections(Integer.getInteger("secmon.ems.max.connections", 2000))
                .maxConcurrentRequests(Integer.getInteger("secmon.ems.max.concurrent.requests", 256))
                .idleConnectionTimeout(java.time.Duration.ofMinutes(2))
                .connectionConfig(c -> c.readTimeout(java.time.Duration.ofSeconds(
                        Integer.getInteger("secmon.ems.read.timeout.seconds", 30))))
                .addProtocol(io.helidon.webserver.http1.Http1Config.builder().maxPrologueLength(4096)
                        .maxHeadersSize(16 * 1024).build())
                .shutdownHook(false)
                .routing(r -> routing(r, ems))
                .build()
                .start();
        ems.entities().callbacks().emsPort(server.port());
        return server;
    }

    /** The EMS's version (the jar's, or the development version). */
    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0-SNAPSHOT" : v;
    }

    /** Every route of the EMS: authentication filter, the API, health, metrics and error mapping. */
    static void routing(HttpRouting.Builder r, Ems ems) {
        r.addFilter((chain, req, res) -> {
            long t0 = System.nanoTime();
            String path = req.path().path();
            String requestId = RequestIds.accept(req.headers().first(RequestIds.HEADER).orElse(null));
            res.header(RequestIds.HEADER, requestId);
            RequestIds.begin(requestId);
            try {
                boolean open = path.startsWith("/health") || path.equals("/")
                        || path.equals("/api/v1/openapi.yaml") || path.equals("/api/v1/openapi.json")
                        || (path.equals("/api/v1/tokens") || path.equals("/api/v1/tokens/"))
                        && req.prologue().method() == Method.POST
                        // an appliance's or enforcer's first contact: its enrollment token is checked by the registry
                        || (path.equals("/api/v1/appliances/register")
                        || path.equals("/api/v1/ipsec_enforcers/register")) && req.prologue().method() == Method.POST
                        && req.headers().contains(org.secmon.ems.server.http.EnrollmentService.HEADER)
                        && Http.token(req.headers()) == null;
                if (!open) {
                    Principal p = ems.auth().authenticate(Http.token(req.headers()));
                    req.context().register(p);
                }
                Http.checkContentType(req);
                chain.proceed();
            } catch (ApiException e) {
                Http.error(res, e);
            } catch (StoreException e) {
                Http.error(res, ApiException.unavailable("configuration store unavailable: " + e.getMessage()));
            } finally {
                RequestIds.end();
                ems.metrics().request(req.prologue().method().text(), path, res.status().code(),
                        System.nanoTime() - t0);
            }
        });
        routes(r, ems);
        r.error(ApiException.class, (req, res, e) -> Http.error(res, e));
        r.error(StoreException.class, (req, res, e) -> Http.error(res,
                ApiException.unavailable("configuration store unavailable: " + e.getMessage())));
        r.error(Exception.class, (req, res, e) -> {
            LOG.log(System.Logger.Level.ERROR, "unexpected error in " + req.prologue().method().text() + " "
                    + req.path().path() + " (request " + res.headers().first(RequestIds.HEADER).orElse("?") + ")", e);
            Http.error(res, new ApiException(500, "internal", "internal error: " + e.getClass().getSimpleName()));
        });
        r.any((req, res) -> Http.error(res, ApiException.notFound("no such endpoint: "
                + req.prologue().method().text() + " " + req.path().path())));
    }

    /**
     * The API's routes (without the filter, error handlers and fallback of {@link #routing}): every one of them is in
     * the OpenAPI document ({@code RouteCoverageTest}).
     */
    static void routes(io.helidon.webserver.http.HttpRules r, Ems ems) {
        r.register("/api/v1/appliances", new ApplianceService(ems.entities(), ems.auth(), ems.notifier()));
        r.register("/api/v1/ipsec_enforcers", new org.secmon.ems.server.http.EnforcerService(ems.entities(),
                ems.auth()));
        for (ResourceKind k : ResourceKind.ALL) {
            r.register("/api/v1/" + k.collection(), new ResourceService(k, ems.entities()));
        }
        r.register("/api/v1/tokens", new TokenService(ems.auth()));
        r.register("/api/v1/scrape_tokens", new org.secmon.ems.server.http.ScrapeTokenService(ems.auth(),
                ems.repository(), ems.notifier()));
        r.register("/api/v1/enrollments", new org.secmon.ems.server.http.EnrollmentService(ems.entities()));
        r.register("/api/v1/audit", new AuditService(ems.repository()));
        r.register("/api/v1/certificates", new org.secmon.ems.server.http.CertificateService(ems.repository()));
        byte[] openapi = OpenApi.yaml().getBytes(StandardCharsets.UTF_8);
        byte[] openapiJson = OpenApi.document().toPrettyString().getBytes(StandardCharsets.UTF_8);
        // readable without a login: the API's shape is no secret, and tools fetch it before they have a token
        r.get("/api/v1/openapi.yaml", (req, res) -> {
            res.headers().contentType(io.helidon.common.media.type.MediaTypes.create("application/yaml"));
            res.send(openapi);
        });
        r.get("/api/v1/openapi.json", (req, res) -> {
            res.headers().contentType(HttpMediaTypes.JSON_UTF_8);
            res.send(openapiJson);
        });
        r.get("/", (req, res) -> {
            com.fasterxml.jackson.databind.node.ObjectNode d = com.fasterxml.jackson.databind.node.JsonNodeFactory
                    .instance.objectNode();
            d.put("name", "SecMon EMS").put("version", version());
            d.putObject("api").put("v1", "/api/v1");
            d.putObject("links").put("openapi", "/api/v1/openapi.yaml").put("openapi_json", "/api/v1/openapi.json")
                    .put("login", "/api/v1/tokens").put("health", "/health/ready").put("metrics", "/metrics");
            Http.json(res, 200, d);
        });
        r.get("/health/live", (req, res) -> Http.json(res, 200,
                com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("status", "UP")));
        r.get("/health/ready", (req, res) -> {
            try {
                ems.repository().store().revision();
                // unauthenticated: up or down, nothing about where or what the store is
                Http.json(res, 200, com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
                        .put("status", "UP"));
            } catch (StoreException e) {
                LOG.log(System.Logger.Level.WARNING, "readiness: store unavailable: " + e.getMessage());
                Http.json(res, 503, com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
                        .put("status", "DOWN").put("store", "unavailable"));
            }
        });
        r.get("/metrics", (req, res) -> {
            Principal p = Http.principal(req);
            if (!p.can("metrics", Operation.VIEW)) {
                throw ApiException.forbidden("user '" + p.name() + "' may not view metrics");
            }
            res.headers().contentType(io.helidon.common.media.type.MediaTypes.create(Metrics.contentType()));
            res.send(ems.metrics().render());
        });
    }
}
