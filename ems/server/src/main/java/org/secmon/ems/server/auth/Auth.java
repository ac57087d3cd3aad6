package org.secmon.ems.server.auth;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.secmon.ems.api.model.Operation;
import org.secmon.ems.api.model.ResourceKind;
import org.secmon.ems.server.Audit;
import org.secmon.ems.server.http.ApiException;
import org.secmon.ems.server.store.Repository;
import org.secmon.ems.server.store.Repository.Doc;
import org.secmon.ems.server.store.StoreException;

/**
 * Logins, tokens and principals. Tokens are 256-bit random strings sent as {@code X-Auth-Token}; the store keeps only
 * their SHA-256, the user and the expiry. On first start (no users at all) the built-in roles and an {@code admin}
 * user are created; its password comes from {@code SECMON_ADMIN_PASSWORD}, a file, or is generated and printed once.
 */
public final class Auth {
    public static final String TOKENS = "tokens";
    /** Scrape credentials (names and metadata; their tokens are in {@link #TOKENS} with a {@code scraper} field). */
    public static final String SCRAPE_TOKENS = "scrape_tokens";
    private static final System.Logger LOG = System.getLogger(Auth.class.getName());

    private final Repository repo;
    private final Duration tokenTtl;

    public Auth(Repository repo, Duration tokenTtl) {
        this.repo = repo;
        this.tokenTtl = tokenTtl;
    }

    /** A login's result. */
    public record Login(String token, Instant expiresAt, Principal principal) {
    }

    private final LoginThrottle throttle = new LoginThrottle();
    /** Password checks at once (Argon2id, 19 MiB each): one per core; more wait, briefly, then get 503. */
    private final java.util.concurrent.Semaphore verifiers = new java.util.concurrent.Semaphore(
            Math.max(1, Runtime.getRuntime().availableProcessors()), true);

    public Login login(String name, String password, String remote) throws StoreException {
        String source = LoginThrottle.host(remote);
        String shown = org.secmon.ems.api.schema.Formats.printable(name, 64);
        long wait = throttle.waitSeconds(name, source, System.nanoTime());
        if (wait > 0) {
            LOG.log(System.Logger.Level.WARNING, "login throttled for '" + shown + "' from " + remote);
            auditLogin("login_throttled", shown, remote);
            throw ApiException.tooManyRequests("too many failed logins for this user from your address; try again in "
                    + wait + " s", wait);
        }
        Doc user = findUser(name);
        // verify even for unknown users so that timing does not reveal which names exist
        String hash = user == null ? DUMMY_HASH : user.json().path("_password_hash").asText(null);
        boolean ok;
        try {
            if (!verifiers.tryAcquire(10, java.util.concurrent.TimeUnit.SECONDS)) {
                throw ApiException.unavailable("too many logins at once; try again");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("interrupted");
        }
        try {
            ok = Passwords.verify(password == null ? "" : password, hash);
        } finally {
            verifiers.release();
        }
        if (user == null || !ok || !user.json().path("enabled").asBoolean(true)) {
            throttle.failed(name, source, System.nanoTime());
            LOG.log(System.Logger.Level.INFO, "login failed for '" + shown + "' from " + remote);
            auditLogin("login_failed", shown, remote);
            throw ApiException.unauthorized("wrong user name or password");
        }
        throttle.succeeded(name, source);
        String token = Passwords.randomSecret(32);
        Instant expires = Instant.now().plus(tokenTtl);
        Principal p = principal(user);
        repo.write(changes -> {
            ObjectNode t = JsonNodeFactory.instance.objectNode();
            t.put("user", user.id());
            t.put("expires_at", expires.toString());
            t.put("created_at", Instant.now().toString());
            t.put("remote", remote);
            changes.put(TOKENS, Passwords.sha256(token), t);
            Audit.record(changes, p.name(), "login", null, null, null, remote);
            return null;
        });
        return new Login(token, expires, p);
    }

    private void auditLogin(String operation, String shownName, String remote) throws StoreException {
        repo.write(changes -> {
            Audit.record(changes, shownName, operation, null, null, null, remote);
            return null;
        });
    }

    public void logout(String token, Principal p, String remote) throws StoreException {
        String key = Passwords.sha256(token);
        repo.write(changes -> {
            if (repo.get(TOKENS, key) != null) {
                changes.delete(TOKENS, key);
                Audit.record(changes, p.name(), "logout", null, null, null, remote);
            }
            return null;
        });
    }

    /**
     * The principal of a token, or 401. Also brings the view up to date with commits of other EMS instances: this
     * is the one catch-up per request (every authenticated request passes here first), so reads after it see every
     * write acknowledged before the request began.
     */
    public Principal authenticate(String token) throws StoreException {
        if (token == null || token.isBlank()) {
            throw ApiException.unauthorized("authentication required: send X-Auth-Token or Authorization: Bearer "
                    + "(POST /api/v1/tokens "
                    + "with name and password to get one)");
        }
        repo.sync();
        Doc t = repo.get(TOKENS, Passwords.sha256(token.strip()));
        if (t == null) {
            throw ApiException.unauthorized("invalid or revoked token");
        }
        Instant exp = Instant.parse(t.json().path("expires_at").asText(Instant.EPOCH.toString()));
        if (exp.isBefore(Instant.now())) {
            throw ApiException.unauthorized("token expired at " + exp + "; log in again");
        }
        if (t.json().has("scraper")) {
            Doc s = repo.get(SCRAPE_TOKENS, t.json().path("scraper").asText());
            if (s == null) {
                throw ApiException.unauthorized("the scrape token was deleted");
            }
            return scraperPrincipal(s);
        }
        if (t.json().has("enforcer")) {
            Doc e = repo.get("ipsec_enforcers", t.json().path("enforcer").asText());
            if (e == null) {
                throw ApiException.unauthorized("the IPsec enforcer of this token is no longer registered");
            }
            return enforcerPrincipal(e);
        }
        if (t.json().has("appliance")) {
            Doc a = repo.get("appliances", t.json().path("appliance").asText());
            if (a == null) {
                throw ApiException.unauthorized("the appliance of this token is no longer registered");
            }
            return appliancePrincipal(a);
        }
        Doc user = repo.get("users", t.json().path("user").asText());
        if (user == null || !user.json().path("enabled").asBoolean(true)) {
            throw ApiException.unauthorized("the token's user no longer exists or is disabled");
        }
        return principal(user);
    }

    /**
     * An appliance sees the configuration of its own scope, and of the appliances only itself, and may report about
     * itself (checked by the registry); it can change nothing.
     */
    public Principal appliancePrincipal(Doc appliance) {
        Set<String> perms = new HashSet<>();
        for (ResourceKind k : ResourceKind.ALL) {
            if (!k.adminOnly()) {
                perms.add(k.collection() + ":" + Operation.VIEW.json());
            }
        }
        Doc scope = repo.get("scopes", appliance.json().path("scope").asText());
        String project = scope == null ? null : scope.json().path("project").asText(null);
        return new Principal(appliance.id(), "appliance:" + appliance.json().path("name").asText(), Set.copyOf(perms),
                false, project == null ? Set.of() : Set.of(project), appliance.id(),
                appliance.json().path("scope").asText());
    }

    /**
     * An IPsec enforcer (not an appliance) may read its own tunnels, ask for its certificate and report about itself
     * (checked by its registry); nothing else. Its id stands where an appliance's would, for those self checks.
     */
    public Principal enforcerPrincipal(Doc enforcer) {
        return new Principal(enforcer.id(), "enforcer:" + enforcer.json().path("name").asText(), Set.of(), false,
                Set.of(), enforcer.id(), null);
    }

    /** A scrape credential may view metrics, nothing else: no configuration, no project, no appliance. */
    public Principal scraperPrincipal(Doc scrapeToken) {
        return new Principal(scrapeToken.id(), "scraper:" + scrapeToken.json().path("name").asText(),
                Set.of("metrics:" + Operation.VIEW.json()), false, Set.of(), null, null);
    }

    /** Issues a non-expiring scrape token (stored as its hash) for the scrape credential {@code id}. */
    public String issueScrapeToken(Repository.Changes changes, String id) {
        return issueMachineToken(changes, "scraper", id);
    }

    /** Issues a non-expiring token for an appliance (stored as its hash), replacing its previous ones. */
    public String issueApplianceToken(Repository.Changes changes, String applianceId) {
        return issueMachineToken(changes, "appliance", applianceId);
    }

    /** Issues a non-expiring token for a registered IPsec enforcer, replacing its previous ones. */
    public String issueEnforcerToken(Repository.Changes changes, String enforcerId) {
        return issueMachineToken(changes, "enforcer", enforcerId);
    }

    /** Revokes every token of a user ({@code user}), an appliance ({@code appliance}) or enforcer ({@code enforcer}). */
    public void revokeMachineTokens(Repository.Changes changes, String field, String id) {
        for (Doc t : repo.list(TOKENS)) {
            if (id.equals(t.json().path(field).asText(null))) {
                changes.delete(TOKENS, t.id());
            }
        }
    }

    private String issueMachineToken(Repository.Changes changes, String field, String id) {
        revokeMachineTokens(changes, field, id);
        String token = Passwords.randomSecret(32);
        ObjectNode t = JsonNodeFactory.instance.objectNode();
        t.put(field, id);
        t.put("expires_at", Instant.parse("9999-12-31T00:00:00Z").toString());
        t.put("created_at", Instant.now().toString());
        changes.put(TOKENS, Passwords.sha256(token), t);
        return token;
    }

    /** The user's permissions (union of their roles) and projects. */
    public Principal principal(Doc user) {
        return principal(user.id(), user.json());
    }

    /** The permissions and projects a user document has (or, not yet stored, would have) with the roles as they are. */
    public Principal principal(String userId, JsonNode user) {
        Set<String> perms = new HashSet<>();
        boolean all = false;
        for (JsonNode r : user.path("roles")) {
            Doc role = repo.get("roles", r.asText());
            if (role == null) {
                continue;
            }
            all |= role.json().path("all_projects").asBoolean(false);
            for (JsonNode perm : role.json().path("permissions")) {
                String res = perm.path("resource").asText();
                for (JsonNode op : perm.path("operations")) {
                    perms.add(res + ":" + op.asText());
                }
            }
        }
        Set<String> projects = new HashSet<>();
        for (JsonNode pr : user.path("projects")) {
            projects.add(pr.asText());
        }
        return new Principal(userId, user.path("name").asText(), Set.copyOf(perms), all,
                Set.copyOf(projects), null, null);
    }

    private Doc findUser(String name) {
        if (name == null) {
            return null;
        }
        for (Doc u : repo.list("users")) {
            if (name.equals(u.json().path("name").asText())) {
                return u;
            }
        }
        return null;
    }

    /** Removes expired tokens; returns how many. */
    public int purgeExpired() throws StoreException {
        Instant now = Instant.now();
        List<Doc> expired = repo.list(TOKENS).stream()
                .filter(t -> Instant.parse(t.json().path("expires_at").asText(Instant.EPOCH.toString())).isBefore(now))
                .limit(60).toList();
        if (expired.isEmpty()) {
            return 0;
        }
        repo.write(changes -> {
            for (Doc d : expired) {
                if (repo.get(TOKENS, d.id()) != null) {
                    changes.delete(TOKENS, d.id());
                }
            }
            return null;
        });
        return expired.size();
    }

    // ---- first start ---------------------------------------------------------------------------------------------

    /** The built-in roles: admin (everything), operator (configuration of their projects), readonly. */
    public static List<ObjectNode> builtinRoles() {
        List<String> config = ResourceKind.ALL.stream().filter(k -> !k.adminOnly()).map(ResourceKind::collection)
                .toList();
        ObjectNode admin = role("admin", "everything, in every project", true);
        admin.withArray("permissions").addObject().put("resource", "*").set("operations", ops(Operation.values()));
        ObjectNode operator = role("operator", "configures the scopes of their projects", false);
        for (String c : config) {
            operator.withArray("permissions").addObject().put("resource", c).set("operations", ops(Operation.values()));
        }
        operator.withArray("permissions").addObject().put("resource", "projects").set("operations", ops(Operation.VIEW));
        operator.withArray("permissions").addObject().put("resource", "metrics").set("operations", ops(Operation.VIEW));
        ObjectNode readonly = role("readonly", "sees the configuration of their projects", false);
        for (String c : config) {
            readonly.withArray("permissions").addObject().put("resource", c).set("operations", ops(Operation.VIEW));
        }
        readonly.withArray("permissions").addObject().put("resource", "projects").set("operations", ops(Operation.VIEW));
        return List.of(admin, operator, readonly);
    }

    private static ObjectNode role(String name, String description, boolean all) {
        ObjectNode r = JsonNodeFactory.instance.objectNode();
        r.put("name", name).put("description", description).put("all_projects", all);
        return r;
    }

    private static com.fasterxml.jackson.databind.node.ArrayNode ops(Operation... ops) {
        com.fasterxml.jackson.databind.node.ArrayNode a = JsonNodeFactory.instance.arrayNode();
        for (Operation o : ops) {
            a.add(o.json());
        }
        return a;
    }

    /**
     * Creates the built-in roles and the admin user when the store has no users.
     *
     * @return the generated password when one was generated (to print once), else null
     */
    public String bootstrap(String configuredPassword, Path passwordFile) throws StoreException, IOException {
        if (repo.count("users") > 0) {
            return null;
        }
        String password = configuredPassword;
        if (password == null && passwordFile != null) {
            password = Files.readString(passwordFile).strip();
        }
        boolean generated = password == null || password.isEmpty();
        if (generated) {
            password = Passwords.randomSecret(18);
        } else if (password.length() < 8) {
            throw new IllegalArgumentException("the admin password must have at least 8 characters");
        }
        String pw = password;
        repo.write(changes -> {
            if (repo.count("users") > 0) {
                return null; // another EMS instance bootstrapped first
            }
            String adminRole = null;
            for (ObjectNode r : builtinRoles()) {
                String id = java.util.UUID.randomUUID().toString();
                if (r.path("name").asText().equals("admin")) {
                    adminRole = id;
                }
                changes.put("roles", id, r);
            }
            ObjectNode admin = JsonNodeFactory.instance.objectNode();
            admin.put("name", "admin");
            admin.putArray("roles").add(adminRole);
            admin.putArray("projects");
            admin.putArray("ssh_keys");
            admin.put("enabled", true);
            admin.put("_password_hash", Passwords.hash(pw));
            changes.put("users", java.util.UUID.randomUUID().toString(), admin);
            Audit.record(changes, "system", "bootstrap", null, null, null, null);
            return null;
        });
        return generated ? password : null;
    }

    private static final String DUMMY_HASH = Passwords.hash("not a password of anyone");
}
