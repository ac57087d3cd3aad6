package org.secmon.ems.server;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.secmon.ems.api.Json;
import org.secmon.ems.api.model.ResourceKind;
import org.secmon.ems.testkit.EmsFixture;

/**
 * The REST API fuzzed from its own OpenAPI document: for every operation that the served document lists (read with
 * swagger-parser), jqwik generates requests — valid bodies from the operation's request schema (with values of each
 * field's grammar and references to entities that exist), and mutated ones (a required field dropped, a wrong type,
 * an unknown field, hostile strings, broken JSON, an oversized body), as an administrator, a read-only user, an
 * appliance, an enforcer, a stranger and with a revoked or forged token — and checks every answer against the
 * document: no 5xx, the status is one the operation lists, the body validates against that status's schema
 * (networknt, OpenAPI 3.0 dialect), the headers it promises are there, and no secret appears in any answer. The
 * seed is fixed, so a run is repeatable; each operation gets a bounded number of examples.
 */
class ApiFuzzTest {
    /** Examples in all (about 20 per operation); each operation is checked to have had its share. */
    private static final int TRIES = 3200;
    private static final int MIN_PER_OPERATION = 6;
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch");
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final String READER_PASSWORD = "reader-password-1";
    private static final String SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGZ1enpmdXp6ZnV6emZ1enpmdXp6ZnV6emZ1enpmdXp6ZnV6 fuzz@example";

    /** A documented operation: its method, path template, node in the document and operationId. */
    record Operation(String method, String path, JsonNode node, String id) {
        @Override
        public String toString() {
            return method.toUpperCase() + " " + path;
        }
    }

    /** Who sends a request. */
    enum Caller { ADMIN, READER, APPLIANCE, ENFORCER, NONE, FORGED, REVOKED }

    /** One generated request. */
    record Request(Operation op, Caller caller, String path, String query, Map<String, String> headers, String body,
            String contentType, String kind) {
        @Override
        public String toString() {
            String b = body == null ? "" : body.length() > 600 ? body.substring(0, 600) + "...(" + body.length() + ")"
                    : body;
            return op.id() + " as " + caller + " (" + kind + "): " + op.method().toUpperCase() + " " + path + query
                    + " " + headers.keySet() + " " + b;
        }
    }

    private static Path dir;
    private static EmsFixture ems;
    private static JsonNode doc;
    private static List<Operation> operations;
    private static final Map<Caller, String> TOKENS = new ConcurrentHashMap<>();
    /** Tokens to spend on logouts (a logout must not revoke the token the other examples use). */
    private static final List<String> SPARE_TOKENS = new CopyOnWriteArrayList<>();
    /** Enforcers (id, token) to spend on deregistrations, which revoke the enforcer's token. */
    private static final List<Map.Entry<String, String>> LEAVING = new CopyOnWriteArrayList<>();
    /** Ids and names of entities that exist, per collection: path ids and references come from here. */
    private static final Map<String, List<String>> IDS = new ConcurrentHashMap<>();
    private static final Map<String, List<String>> NAMES = new ConcurrentHashMap<>();
    /** Ids and names of the entities of scope s1 (and of the unscoped kinds), per collection: what references use. */
    private static final Map<String, List<String>> IN_SCOPE = new ConcurrentHashMap<>();
    /** Ids the fuzzer must not change (its own users and roles, the appliance and enforcer it acts as). */
    private static final Set<String> PROTECTED = ConcurrentHashMap.newKeySet();
    private static String scope;
    private static String applianceId;
    private static String enforcerId;
    private static String enrollmentToken;
    private static String csr;
    private static final Map<String, Schema> SCHEMAS = new ConcurrentHashMap<>();
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(Dialects.getOpenApi30());
    private static final Map<String, AtomicInteger> PER_OPERATION = new ConcurrentHashMap<>();
    private static final Map<String, AtomicInteger> SUCCEEDED = new ConcurrentHashMap<>();
    private static final Map<String, AtomicInteger> BY_STATUS = new ConcurrentHashMap<>();
    /** Per operation, the last refusal of a valid body sent by the administrator (why generation missed). */
    private static final Map<String, String> LAST_REFUSAL = new ConcurrentHashMap<>();
    private static final Map<String, String> VIOLATIONS = new java.util.concurrent.ConcurrentSkipListMap<>();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeContainer
    static void start() throws Exception {
        dir = Files.createTempDirectory("secmon-fuzz");
        ems = EmsFixture.embedded(dir);
        String admin = ems.admin();
        TOKENS.put(Caller.ADMIN, admin);
        String project = Samples.project(ems, admin, "p1");
        scope = Samples.scope(ems, admin, project, "s1");
        Samples.fixture(ems, admin, scope);
        Samples.post(ems, admin, "ipsec_tunnels", Samples.body(ResourceKind.IPSEC_TUNNELS, scope, project, "t1"));
        ObjectNode reader = Samples.body(ResourceKind.USERS, null, project, "reader");
        reader.put("password", READER_PASSWORD);
        Samples.post(ems, admin, "users", reader);
        TOKENS.put(Caller.READER, ems.login("reader", READER_PASSWORD));
        String revoked = ems.admin();
        ems.call("DELETE", "/api/v1/tokens/current", revoked, null);
        TOKENS.put(Caller.REVOKED, revoked);
        TOKENS.put(Caller.FORGED, "forged-" + "0".repeat(40));
        for (int i = 0; i < 12; i++) {
            SPARE_TOKENS.add(ems.admin());
        }
        EmsFixture.Resp reg = ems.call("POST", "/api/v1/appliances/register", admin,
                "{\"scope\":\"" + scope + "\",\"name\":\"fuzz-appliance\",\"addresses\":[\"127.0.0.1\"]}");
        if (reg.status() != 201) {
            throw new AssertionError("register: " + reg);
        }
        applianceId = reg.json().path("id").asText();
        TOKENS.put(Caller.APPLIANCE, reg.json().path("credentials").path("token").asText());
        EmsFixture.Resp enf = ems.call("POST", "/api/v1/ipsec_enforcers/register", admin,
                "{\"name\":\"fuzz-enforcer\",\"addresses\":[\"127.0.0.1\"]}");
        enforcerId = enf.json().path("id").asText();
        TOKENS.put(Caller.ENFORCER, enf.json().path("credentials").path("token").asText());
        for (int i = 0; i < 16; i++) {
            EmsFixture.Resp d = ems.call("POST", "/api/v1/ipsec_enforcers/register", admin,
                    "{\"name\":\"fuzz-leaving-" + i + "\"}");
            LEAVING.add(Map.entry(d.json().path("id").asText(), d.json().path("credentials").path("token").asText()));
        }
        EmsFixture.Resp en = ems.call("POST", "/api/v1/enrollments", admin,
                "{\"scope\":\"" + scope + "\",\"uses\":1000,\"ttl_seconds\":86400}");
        enrollmentToken = en.json().path("token").asText();
        csr = Csr.make("fuzz-peer");
        EmsFixture.Resp cert = ems.call("POST", "/api/v1/certificates", admin, Json.mapper().createObjectNode()
                .put("name", "peer.example").put("csr", csr));
        if (cert.status() != 201) {
            throw new AssertionError("certificate: " + cert);
        }
        for (ResourceKind k : ResourceKind.ALL) {
            JsonNode items = ems.call("GET", "/api/v1/" + k.collection() + "?limit=1000", admin, null).json()
                    .path("items");
            for (JsonNode i : items) {
                remember(k.collection(), i.path("id").asText(), i.path("name").asText(null),
                        i.path("scope").asText(null), true);
                // the fixture stays as it is (references resolve); the fuzzer changes and deletes what it made
                PROTECTED.add(i.path("id").asText());
            }
        }
        IDS.computeIfAbsent("enrollments", c -> new CopyOnWriteArrayList<>())
                .add(en.json().path("id").asText());
        for (String user : List.of("admin", "reader")) {
            for (JsonNode u : ems.call("GET", "/api/v1/users?name=" + user, admin, null).json().path("items")) {
                PROTECTED.add(u.path("id").asText());
                u.path("roles").forEach(r -> PROTECTED.add(r.asText()));
            }
        }
        for (JsonNode r : ems.call("GET", "/api/v1/roles?limit=1000", admin, null).json().path("items")) {
            if (Set.of("admin", "readonly").contains(r.path("name").asText())) {
                PROTECTED.add(r.path("id").asText());
            }
        }
        PROTECTED.add(applianceId);
        PROTECTED.add(enforcerId);
        PROTECTED.add(scope);
        PROTECTED.add(project);

        // the document as served, read by swagger-parser: every operation of it is fuzzed
        EmsFixture.Resp served = ems.call("GET", "/api/v1/openapi.yaml", admin, null);
        SwaggerParseResult parsed = new OpenAPIV3Parser().readContents(served.text(), null, null);
        if (parsed.getMessages() != null && !parsed.getMessages().isEmpty()) {
            throw new AssertionError("swagger-parser: " + parsed.getMessages());
        }
        doc = new YAMLMapper().readTree(served.text());
        OpenAPI api = parsed.getOpenAPI();
        List<Operation> ops = new ArrayList<>();
        for (Map.Entry<String, PathItem> p : api.getPaths().entrySet()) {
            for (Map.Entry<PathItem.HttpMethod, io.swagger.v3.oas.models.Operation> o
                    : p.getValue().readOperationsMap().entrySet()) {
                String m = o.getKey().name().toLowerCase();
                if (METHODS.contains(m)) {
                    ops.add(new Operation(m, p.getKey(), doc.path("paths").path(p.getKey()).path(m),
                            o.getValue().getOperationId()));
                }
            }
        }
        ops.sort(Comparator.comparing(Operation::toString));
        operations = List.copyOf(ops);
    }

    @AfterContainer
    static void stop() throws Exception {
        try {
            StringBuilder sb = new StringBuilder("API fuzz: " + operations.size() + " operations; answers by status "
                    + new TreeMap<>(BY_STATUS) + "\n");
            List<String> neverOk = new ArrayList<>();
            int min = Integer.MAX_VALUE;
            String least = "";
            for (Operation o : operations) {
                int n = PER_OPERATION.getOrDefault(o.id(), new AtomicInteger()).get();
                if (n < min) {
                    min = n;
                    least = o.id();
                }
                if (!SUCCEEDED.containsKey(o.id())) {
                    neverOk.add(o.id());
                    sb.append("  never 2xx: ").append(o.id()).append(": ").append(LAST_REFUSAL.get(o.id()))
                            .append("\n");
                }
            }
            sb.append("fewest examples: ").append(min).append(" (").append(least).append("); operations without a 2xx "
                    + "answer: ").append(neverOk.size()).append(" ").append(neverOk);
            System.out.println(sb);
            if (!VIOLATIONS.isEmpty()) {
                StringBuilder v = new StringBuilder(VIOLATIONS.size() + " kinds of answers violate the document:\n");
                VIOLATIONS.forEach((k, e) -> v.append("* ").append(k).append("\n    ").append(e).append("\n"));
                throw new AssertionError(v.toString());
            }
            if (min < MIN_PER_OPERATION) {
                throw new AssertionError("operation " + least + " had " + min + " examples, fewer than "
                        + MIN_PER_OPERATION);
            }
            // generation must reach the success paths, not only the refusals: most operations answered 2xx
            if (neverOk.size() > operations.size() / 5) {
                throw new AssertionError("too many operations never succeeded: " + neverOk);
            }
        } finally {
            if (ems != null) {
                ems.close();
            }
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Property(tries = TRIES, seed = "20261202", shrinking = ShrinkingMode.OFF, edgeCases = EdgeCasesMode.NONE)
    void everyAnswerIsDocumented(@ForAll("requests") Request r) throws Exception {
        PER_OPERATION.computeIfAbsent(r.op().id(), k -> new AtomicInteger()).incrementAndGet();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(ems.base + r.path() + r.query()))
                .timeout(Duration.ofSeconds(30));
        r.headers().forEach(b::header);
        if (r.body() != null) {
            b.header("Content-Type", r.contentType());
        }
        b.method(r.op().method().toUpperCase(), r.body() == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(r.body()));
        HttpResponse<String> res = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        int status = res.statusCode();
        BY_STATUS.computeIfAbsent(Integer.toString(status), k -> new AtomicInteger()).incrementAndGet();
        String text = res.body() == null ? "" : res.body();
        String where = r + "\n  -> " + status + " " + (text.length() > 800 ? text.substring(0, 800) : text);
        if (status >= 500) {
            violation(r.op().id() + " 5xx " + status, where);
            return;
        }
        JsonNode documented = r.op().node().path("responses").path(Integer.toString(status));
        if (documented.isMissingNode()) {
            violation(r.op().id() + " undocumented status " + status, where);
            return;
        }
        documented = resolve(documented);
        JsonNode content = documented.path("content");
        if (content.isMissingNode() || content.isEmpty()) {
            if (!text.isEmpty()) {
                violation(r.op().id() + " " + status + " body where none is documented", where);
            }
        } else if (content.has("application/json") || content.has("application/problem+json")) {
            // answers are JSON, errors RFC 9457 problem details: the one the document names, nothing else
            String media = content.has("application/json") ? "application/json" : "application/problem+json";
            String type = res.headers().firstValue("Content-Type").orElse("");
            if (!type.startsWith(media)) {
                violation(r.op().id() + " " + status + " Content-Type " + type, where);
            }
            List<Error> errors = schema(r.op().id() + " " + status, content.path(media).path("schema"))
                    .validate(text, InputFormat.JSON);
            if (!errors.isEmpty()) {
                violation(r.op().id() + " " + status + " schema", errors + "\n" + where);
            }
        }
        for (Iterator<String> it = documented.path("headers").fieldNames(); it.hasNext(); ) {
            String h = it.next();
            if (res.headers().firstValue(h).isEmpty()) {
                violation(r.op().id() + " " + status + " header " + h + " missing", where);
            }
        }
        for (String secret : List.of(Samples.PSK, EmsFixture.ADMIN_PASSWORD, READER_PASSWORD, enrollmentToken)) {
            if (text.contains(secret)) {
                violation(r.op().id() + " " + status + " a secret in the answer", where);
            }
        }
        if (status / 100 != 2 && r.caller() == Caller.ADMIN && "valid".equals(r.kind())) {
            LAST_REFUSAL.put(r.op().id(), status + " " + (text.length() > 300 ? text.substring(0, 300) : text)
                    + " <- " + (r.body() == null ? "" : r.body().length() > 300 ? r.body().substring(0, 300)
                    : r.body()));
        }
        if (status / 100 == 2) {
            SUCCEEDED.computeIfAbsent(r.op().id(), k -> new AtomicInteger()).incrementAndGet();
            learn(r, status, text);
        }
    }

    /** Every distinct violation (by operation and kind) with its first example; the run fails at its end. */
    private static void violation(String signature, String example) {
        VIOLATIONS.putIfAbsent(signature, example);
    }

    /** The checks can fail: answers that break the document are caught by the same validation. */
    @net.jqwik.api.Example
    void theValidationRejectsAnswersTheDocumentForbids() {
        Operation get = operations.stream().filter(o -> o.id().equals("get_rule")).findFirst().orElseThrow();
        JsonNode ok = resolve(get.node().path("responses").path("200")).path("content").path("application/json")
                .path("schema");
        Schema rule = schema("self-test rule", ok);
        if (!rule.validate("{\"id\":\"x\",\"scope\":\"s\",\"name\":\"r\",\"secret\":1}", InputFormat.JSON)
                .stream().anyMatch(e -> e.getMessage().contains("secret"))) {
            throw new AssertionError("an unknown field in an answer passed");
        }
        if (rule.validate("{\"id\":\"x\",\"scope\":\"s\",\"name\":\"r\",\"priority\":\"high\"}", InputFormat.JSON)
                .isEmpty()) {
            throw new AssertionError("a field of the wrong type passed");
        }
        JsonNode err = resolve(get.node().path("responses").path("404")).path("content")
                .path("application/problem+json").path("schema");
        if (schema("self-test error", err).validate("{\"message\":\"no error code\"}", InputFormat.JSON).isEmpty()) {
            throw new AssertionError("an error without its code passed");
        }
        if (!get.node().path("responses").path("500").isMissingNode()) {
            throw new AssertionError("500 must not be a documented answer");
        }
    }

    // ---- what exists -----------------------------------------------------------------------------------------------

    /**
     * An entity that exists; references reach it by id, and by name only when it is the fixture's (which is never
     * changed, so its names keep resolving).
     */
    private static void remember(String collection, String id, String name, String inScope, boolean fixture) {
        if (id == null || id.isEmpty()) {
            return;
        }
        if (inScope == null || inScope.equals(scope)) {
            List<String> l = IN_SCOPE.computeIfAbsent(collection, c -> new CopyOnWriteArrayList<>());
            l.add(id);
            if (name != null && fixture) {
                l.add(name);
            }
        }
        IDS.computeIfAbsent(collection, c -> new CopyOnWriteArrayList<>()).add(id);
        if (name != null) {
            NAMES.computeIfAbsent(collection, c -> new CopyOnWriteArrayList<>()).add(name);
        }
    }

    /** Created entities become path ids and references of later examples; deleted ones mostly stop being used. */
    private static void learn(Request r, int status, String text) throws Exception {
        String[] parts = r.op().path().split("/");
        if (parts.length < 4 || ResourceKind.of(parts[3]) == null) {
            return;
        }
        String collection = parts[3];
        if (status == 201 && r.op().path().equals("/api/v1/" + collection)) {
            JsonNode j = Json.mapper().readTree(text);
            remember(collection, j.path("id").asText(null), j.path("name").asText(null), j.path("scope").asText(null),
                    false);
        } else if (status == 200 && (r.op().method().equals("put") || r.op().method().equals("patch"))) {
            // a change may move the entity to another scope: then references from s1 no longer reach it
            JsonNode j = Json.mapper().readTree(text);
            List<String> l = IN_SCOPE.computeIfAbsent(collection, c -> new CopyOnWriteArrayList<>());
            String id = j.path("id").asText();
            if (j.has("scope") && !scope.equals(j.path("scope").asText())) {
                l.remove(id);
            } else if (!l.contains(id)) {
                l.add(id);
            }
        } else if (status == 204 && r.op().method().equals("delete")) {
            String id = r.path().substring(r.path().lastIndexOf('/') + 1);
            // an entity this run did not create (seeded, or made by an earlier example's side effect) may be deleted
            // too: nothing to forget then (List.of() as the default threw on remove)
            for (Map<String, List<String>> known : List.of(IDS, IN_SCOPE)) {
                List<String> l = known.get(collection);
                if (l != null) {
                    l.remove(id);
                }
            }
        }
    }

    // ---- generation ------------------------------------------------------------------------------------------------

    @Provide
    Arbitrary<Request> requests() {
        return Arbitraries.of(operations).flatMap(this::request);
    }

    private Arbitrary<Request> request(Operation op) {
        String[] parts = op.path().split("/");
        String collection = parts.length > 3 ? parts[3] : "";
        Arbitrary<Caller> caller = callers(op);
        Arbitrary<String> id = op.path().contains("{id}") ? ids(op, collection) : Arbitraries.just("");
        Arbitrary<String> query = op.method().equals("get") ? query(op) : Arbitraries.just("");
        Arbitrary<Tuple.Tuple3<String, String, String>> body = op.node().has("requestBody") ? body(op)
                : Arbitraries.frequencyOf(Tuple.of(20, Arbitraries.just(Tuple.of(null, null, "no body"))),
                Tuple.of(1, Arbitraries.just(Tuple.of("{\"unexpected\":true}", "application/json",
                        "body where none is expected"))));
        Arbitrary<String> ifMatch = Arbitraries.frequency(Tuple.of(24, ""), Tuple.of(1, "\"1\""), Tuple.of(1, "\"999\""),
                Tuple.of(1, "W/\"2\""), Tuple.of(1, "*"), Tuple.of(1, "garbage"));
        Arbitrary<Boolean> enroll = Arbitraries.of(false, false, true);
        return Combinators.combine(caller, id, query, body, ifMatch, enroll).as((c, i, q, bd, im, en) -> {
            Map<String, String> headers = new LinkedHashMap<>();
            boolean enrolled = op.id().equals("register_appliance") && en;
            if (enrolled) {
                headers.put("X-Enrollment-Token", c == Caller.FORGED ? "forged-enrollment" : enrollmentToken);
            } else {
                String token = c == Caller.NONE ? null : tokenFor(op, c);
                if (token != null) {
                    headers.put("X-Auth-Token", token);
                }
            }
            if (!im.isEmpty() && hasParameter(op, "If-Match")) {
                headers.put("If-Match", im);
            }
            String pathId = i;
            if (op.id().equals("deregister_ipsec_enforcer") && i.equals(enforcerId)) {
                // a deregistration revokes the enforcer's token: spend one of the enforcers made for it
                Map.Entry<String, String> leaving = LEAVING.isEmpty() ? Map.entry("missing", "forged")
                        : LEAVING.remove(0);
                pathId = leaving.getKey();
                if (c == Caller.ENFORCER) {
                    headers.put("X-Auth-Token", leaving.getValue());
                }
            }
            String path = op.path().replace("{id}", URLEncoder.encode(pathId, StandardCharsets.UTF_8).replace("+", "%20"));
            return new Request(op, enrolled ? Caller.NONE : c, path, q, headers, bd.get1(), bd.get2(), bd.get3());
        });
    }

    private static String tokenFor(Operation op, Caller c) {
        if (op.id().equals("logout") && (c == Caller.ADMIN) && !SPARE_TOKENS.isEmpty()) {
            return SPARE_TOKENS.remove(0);
        }
        if (op.id().equals("logout") && c == Caller.READER) {
            return TOKENS.get(Caller.FORGED); // the reader's one token stays valid
        }
        return TOKENS.get(c);
    }

    private static boolean hasParameter(Operation op, String name) {
        for (JsonNode p : op.node().path("parameters")) {
            if (name.equals(p.path("name").asText())) {
                return true;
            }
        }
        return false;
    }

    private static Arbitrary<Caller> callers(Operation op) {
        boolean machine = op.path().startsWith("/api/v1/appliances/{id}/") || op.path().startsWith(
                "/api/v1/ipsec_enforcers/{id}/");
        if (machine) {
            Caller self = op.path().startsWith("/api/v1/appliances") ? Caller.APPLIANCE : Caller.ENFORCER;
            return Arbitraries.frequency(Tuple.of(10, self), Tuple.of(3, Caller.ADMIN), Tuple.of(2, Caller.READER),
                    Tuple.of(1, Caller.NONE), Tuple.of(1, Caller.FORGED), Tuple.of(1, Caller.REVOKED),
                    Tuple.of(1, self == Caller.APPLIANCE ? Caller.ENFORCER : Caller.APPLIANCE));
        }
        return Arbitraries.frequency(Tuple.of(16, Caller.ADMIN), Tuple.of(4, Caller.READER),
                Tuple.of(1, Caller.APPLIANCE), Tuple.of(1, Caller.ENFORCER), Tuple.of(1, Caller.NONE),
                Tuple.of(1, Caller.FORGED), Tuple.of(1, Caller.REVOKED));
    }

    /** Path ids: mostly ones that exist (not the fuzzer's own principals), else unknown or odd ones. */
    private static Arbitrary<String> ids(Operation op, String collection) {
        // a machine's own sub-resources (report, ipsec, certificate, ...) are about the appliance or enforcer itself
        String own = op.path().startsWith("/api/v1/appliances/{id}/") ? applianceId
                : op.path().startsWith("/api/v1/ipsec_enforcers/{id}/") ? enforcerId : null;
        Arbitrary<String> pick = Arbitraries.integers().between(0, 1 << 20).map(n -> {
            if (own != null) {
                return own;
            }
            List<String> l = new ArrayList<>(IDS.getOrDefault(collection, List.of()));
            if (!op.method().equals("get")) {
                l.removeAll(PROTECTED);
            }
            return l.isEmpty() ? "missing" : l.get(n % l.size());
        });
        Arbitrary<String> other = Arbitraries.integers().between(0, 1 << 20).map(n -> {
            List<String> l = new ArrayList<>(IDS.getOrDefault("scopes", List.of()));
            return l.isEmpty() ? "x" : l.get(n % l.size());
        });
        return Arbitraries.frequencyOf(Tuple.of(13, pick),
                Tuple.of(2, Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(24)),
                Tuple.of(1, other),
                Tuple.of(1, Arbitraries.of("..", "%2e%2e", "a b", "ü", "x".repeat(300), "0", "-1", "self",
                        "null")));
    }

    private static Arbitrary<String> query(Operation op) {
        List<Arbitrary<String>> parts = new ArrayList<>();
        for (JsonNode p : op.node().path("parameters")) {
            if (!"query".equals(p.path("in").asText())) {
                continue;
            }
            String name = p.path("name").asText();
            List<String> names = NAMES.values().stream().flatMap(List::stream).limit(50).toList();
            Arbitrary<String> value = name.equals("limit") || name.equals("offset")
                    ? Arbitraries.of("1", "2", "10", "1000", "0", "-1", "5000", "abc", "")
                    : Arbitraries.oneOf(Arbitraries.of(names.isEmpty() ? List.of("s1") : names),
                            Arbitraries.of("any", "tcp", "ingress", "true", scope, ""),
                            Arbitraries.strings().ofMaxLength(12));
            parts.add(Arbitraries.frequencyOf(Tuple.of(8, Arbitraries.just("")),
                    Tuple.of(1, value.map(v -> name + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8)))));
        }
        parts.add(Arbitraries.frequencyOf(Tuple.of(20, Arbitraries.just("")),
                Tuple.of(1, Arbitraries.just("no_such_field=1"))));
        return Combinators.combine(parts).as(l -> {
            String q = String.join("&", l.stream().filter(s -> !s.isEmpty()).toList());
            return q.isEmpty() ? "" : "?" + q;
        });
    }

    /** A body: valid by the schema (mostly), or mutated; with its content type and what kind of body it is. */
    private static Arbitrary<Tuple.Tuple3<String, String, String>> body(Operation op) {
        JsonNode content = op.node().path("requestBody").path("content");
        String type = content.has("application/merge-patch+json") ? "application/merge-patch+json"
                : "application/json";
        JsonNode schema = resolve(content.path(type).path("schema"));
        Arbitrary<JsonNode> valid = value(schema, 0, true);
        if (op.id().equals("login")) {
            valid = Arbitraries.frequencyOf(Tuple.of(1, valid), Tuple.of(1, Arbitraries.just(0).map(x ->
                    F.objectNode().put("name", "reader").put("password", READER_PASSWORD))));
        }
        Arbitrary<Tuple.Tuple3<String, String, String>> ok = valid.map(v -> Tuple.of(v.toString(), type, "valid"));
        Arbitrary<Tuple.Tuple3<String, String, String>> dropped = valid.map(v -> {
            if (v instanceof ObjectNode o && o.size() > 0) {
                o.remove(o.fieldNames().next());
            }
            return Tuple.of(v.toString(), type, "a field dropped");
        });
        Arbitrary<Tuple.Tuple3<String, String, String>> wrongType = Combinators.combine(valid,
                Arbitraries.of(F.numberNode(-1), F.textNode("x"), F.arrayNode().add(1), F.objectNode().put("a", 1),
                        F.booleanNode(true), F.nullNode(), F.numberNode(1e300), F.numberNode(Long.MAX_VALUE)))
                .as((v, bad) -> {
                    if (v instanceof ObjectNode o && o.size() > 0) {
                        List<String> names = new ArrayList<>();
                        o.fieldNames().forEachRemaining(names::add);
                        o.set(names.get(Math.floorMod(bad.hashCode(), names.size())), bad);
                    }
                    return Tuple.of(v.toString(), type, "a field of a wrong type");
                });
        Arbitrary<Tuple.Tuple3<String, String, String>> unknown = valid.map(v -> {
            if (v instanceof ObjectNode o) {
                o.put("zz_unknown_field", 1);
            }
            return Tuple.of(v.toString(), type, "an unknown field");
        });
        Arbitrary<Tuple.Tuple3<String, String, String>> broken = Arbitraries.of("{not json", "[]", "null", "\"str\"",
                "42", "{\"a\":", "{}", "{\"name\":\"\\u0000\"}", "\u00ff\u00fe").map(s -> Tuple.of(s, type,
                "not an object"));
        Arbitrary<Tuple.Tuple3<String, String, String>> huge = valid.map(v -> {
            if (v instanceof ObjectNode o && o.size() > 0) {
                o.put(o.fieldNames().next(), "A".repeat(200_000));
            }
            return Tuple.of(v.toString(), type, "a 200 kB string");
        });
        Arbitrary<Tuple.Tuple3<String, String, String>> oversized = Arbitraries.just(
                Tuple.of("{\"pad\":\"" + "B".repeat((1 << 20) + 10) + "\"}", type, "over 1 MiB"));
        return Arbitraries.frequencyOf(Tuple.of(24, ok), Tuple.of(2, dropped), Tuple.of(2, wrongType),
                Tuple.of(1, unknown), Tuple.of(1, broken), Tuple.of(1, huge), Tuple.of(1, oversized));
    }

    /** A JSON value valid by {@code schema} (as far as a schema can say: values of the field's grammar). */
    private static Arbitrary<JsonNode> value(JsonNode schema, int depth, boolean request) {
        schema = resolve(schema);
        if (schema.has("allOf")) {
            return value(schema.path("allOf").get(0), depth, request);
        }
        Arbitrary<JsonNode> v = plain(schema, depth, request);
        if (schema.path("nullable").asBoolean()) {
            return Arbitraries.frequencyOf(Tuple.of(8, v), Tuple.of(1, Arbitraries.just(F.nullNode())));
        }
        return v;
    }

    private static Arbitrary<JsonNode> plain(JsonNode s, int depth, boolean request) {
        if (s.has("enum")) {
            List<JsonNode> values = new ArrayList<>();
            s.path("enum").forEach(values::add);
            return Arbitraries.of(values);
        }
        String type = s.path("type").asText("object");
        switch (type) {
            case "string":
                return string(s).map(F::textNode);
            case "integer": {
                long min = s.has("minimum") ? s.path("minimum").asLong() : 0;
                long max = s.has("maximum") ? s.path("maximum").asLong() : 100_000;
                return Arbitraries.frequencyOf(Tuple.of(10, Arbitraries.longs().between(min, max)),
                        Tuple.of(1, Arbitraries.of(min - 1, max + 1))).map(F::numberNode);
            }
            case "number":
                return Arbitraries.doubles().between(0, 1e6).map(F::numberNode);
            case "boolean":
                return Arbitraries.of(true, false).map(F::booleanNode);
            case "array": {
                int minItems = s.path("minItems").asInt(0);
                int maxItems = Math.min(s.path("maxItems").asInt(4), Math.max(minItems, 4));
                if (depth > 4) {
                    return Arbitraries.just(F.arrayNode());
                }
                return value(s.path("items"), depth + 1, request).list().ofMinSize(minItems).ofMaxSize(maxItems)
                        .map(l -> {
                            ArrayNode a = F.arrayNode();
                            l.forEach(a::add);
                            return a;
                        });
            }
            default:
                return object(s, depth, request);
        }
    }

    private static Arbitrary<JsonNode> object(JsonNode s, int depth, boolean request) {
        if (depth > 4) {
            return Arbitraries.just(F.objectNode());
        }
        Set<String> required = new java.util.HashSet<>();
        s.path("required").forEach(r -> required.add(r.asText()));
        List<Arbitrary<Optional<Map.Entry<String, JsonNode>>>> fields = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = s.path("properties").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            JsonNode fs = resolve(f.getValue());
            if (request && fs.path("readOnly").asBoolean()) {
                continue;
            }
            String name = f.getKey();
            if ((name.endsWith("subnets") || name.equals("cidrs")) && fs.path("items").isObject()) {
                // lists of prefixes the document describes in words only
                fs = fs.deepCopy();
                ((ObjectNode) fs.path("items")).put("x-fuzz-prefix", true);
            }
            Arbitrary<Optional<Map.Entry<String, JsonNode>>> present = value(fs, depth + 1, request)
                    .map(v -> Optional.of(Map.entry(name, v)));
            if (required.contains(name)) {
                fields.add(present);
            } else {
                fields.add(Arbitraries.frequencyOf(Tuple.of(1, present),
                        Tuple.of(1, Arbitraries.just(Optional.empty()))));
            }
        }
        JsonNode additional = s.path("additionalProperties");
        if (additional.isObject() && fields.isEmpty()) {
            Arbitrary<Map<String, JsonNode>> map = Arbitraries.maps(Arbitraries.strings().alpha().ofMinLength(1)
                    .ofMaxLength(8), value(additional, depth + 1, request)).ofMaxSize(3);
            return map.map(m -> {
                ObjectNode o = F.objectNode();
                m.forEach(o::set);
                return o;
            });
        }
        if (fields.isEmpty()) {
            return Arbitraries.just(F.objectNode());
        }
        return Combinators.combine(fields).as(l -> {
            ObjectNode o = F.objectNode();
            l.forEach(e -> e.ifPresent(x -> o.set(x.getKey(), x.getValue())));
            return o;
        });
    }

    private static final List<String> HOSTILE = List.of("", " ", "a\nb", "x\"}{", "${jndi:ldap://x}", "../../etc/passwd",
            "\u0000", "%00", "'; DROP TABLE x; --", "ü√€", "\u202e", "a".repeat(300), "<script>", "-1");

    private static Arbitrary<String> string(JsonNode s) {
        String format = s.path("x-secmon-format").asText(s.path("format").asText(""));
        Arbitrary<String> good = switch (format) {
            case "name" -> Arbitraries.strings().withCharRange('a', 'z').numeric().ofMinLength(1).ofMaxLength(10)
                    .map(n -> "fz" + n);
            case "cidr" -> Arbitraries.of("10.9.0.0/16", "192.0.2.0/24", "2001:db8::/32", "any", "10.0.0.1");
            case "ip" -> Arbitraries.of("192.0.2.10", "10.0.0.7", "2001:db8::5");
            case "host" -> Arbitraries.of("127.0.0.1", "collector.example", "192.0.2.44");
            case "mac" -> Arbitraries.of("02:00:00:00:00:09", "any");
            case "port-range" -> Arbitraries.of("80", "1024-65535", "any", "443");
            case "protocol" -> Arbitraries.of("tcp", "udp", "17", "any");
            case "url", "uri" -> Arbitraries.of("http://192.0.2.5:8443/notify", "https://10.0.0.5/health",
                    "http://127.0.0.1:9/x", "http://169.254.169.254/latest");
            case "ike-id" -> Arbitraries.of("192.0.2.2", "peer.example", "user@peer.example", "CN=peer, O=Example");
            case "ssh-public-key" -> Arbitraries.just(SSH_KEY);
            case "date-time" -> Arbitraries.just("2026-12-02T00:00:00Z");
            default -> null;
        };
        String ref = s.path("x-secmon-ref").asText("");
        if (!ref.isEmpty()) {
            // valid bodies live in scope s1, whose entities the references name (by id or by name)
            good = Arbitraries.integers().between(0, 1 << 20).map(n -> {
                if (ref.equals("scopes")) {
                    List<String> l = IDS.getOrDefault(ref, List.of());
                    return n % 8 != 0 || l.isEmpty() ? scope : l.get(n % l.size());
                }
                List<String> l = new ArrayList<>(IN_SCOPE.getOrDefault(ref, List.of()));
                if (l.isEmpty()) {
                    l.addAll(IDS.getOrDefault(ref, List.of()));
                }
                return l.isEmpty() ? "missing" : l.get(n % l.size());
            });
        }
        if (s.path("x-fuzz-prefix").asBoolean()) {
            good = Arbitraries.of("10.9.0.0/16", "192.0.2.0/24", "2001:db8::/32");
        }
        if (s.path("description").asText().contains("PKCS#10")) {
            good = Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.just(csr)), Tuple.of(1,
                    Arbitraries.just("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----")));
        }
        if (good == null) {
            int min = s.path("minLength").asInt(0);
            int max = Math.min(s.path("maxLength").asInt(24), Math.max(min, 24));
            good = Arbitraries.strings().ofMinLength(min).ofMaxLength(max).withCharRange('!', '~');
        }
        return Arbitraries.frequencyOf(Tuple.of(40, good), Tuple.of(1, Arbitraries.of(HOSTILE)));
    }

    // ---- the document ----------------------------------------------------------------------------------------------

    private static JsonNode resolve(JsonNode n) {
        while (n.has("$ref")) {
            String ref = n.path("$ref").asText();
            n = doc.at(ref.substring(1));
        }
        return n;
    }

    /** The compiled schema of a response: the document's components travel with it, so its $refs resolve. */
    private static Schema schema(String key, JsonNode s) {
        return SCHEMAS.computeIfAbsent(key, k -> {
            ObjectNode root = F.objectNode();
            root.set("allOf", F.arrayNode().add(s.deepCopy()));
            // only the component schemas it reaches: a copy of them all per compiled schema (hundreds of them)
            // held ~1.7 GB and once ran the test out of its 2 GB heap
            ObjectNode schemas = root.putObject("components").putObject("schemas");
            java.util.ArrayDeque<JsonNode> todo = new java.util.ArrayDeque<>(List.of(s));
            while (!todo.isEmpty()) {
                JsonNode n = todo.pop();
                if (n.isObject() && n.path("$ref").isTextual()
                        && n.path("$ref").asText().startsWith("#/components/schemas/")) {
                    String name = n.path("$ref").asText().substring("#/components/schemas/".length());
                    if (!schemas.has(name)) {
                        JsonNode target = doc.path("components").path("schemas").path(name);
                        schemas.set(name, target.deepCopy());
                        todo.push(target);
                    }
                }
                n.forEach(todo::push);
            }
            return REGISTRY.getSchema(root.toString(), InputFormat.JSON);
        });
    }
}
