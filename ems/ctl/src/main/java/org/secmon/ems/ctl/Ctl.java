package org.secmon.ems.ctl;

import java.io.Console;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import org.secmon.ems.api.Json;
import org.secmon.ems.api.client.EmsClient;
import org.secmon.ems.api.client.EmsException;
import org.secmon.ems.api.model.ResourceKind;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * secmonctl: the command line of the EMS. Exit status 0 on success, 1 when the EMS refused (the EMS's message and
 * field errors are printed), 2 on a usage or input error, 3 when the EMS could not be reached.
 */
@Command(name = "secmonctl", mixinStandardHelpOptions = true, versionProvider = Ctl.Version.class,
        description = "Configure SecMon through its EMS: log in, list, create, change and delete resources, and "
                + "apply or export a whole configuration.",
        subcommands = {Ctl.Login.class, Ctl.Logout.class, Ctl.Whoami.class, Ctl.KindsCmd.class, Ctl.Get.class,
                Ctl.Create.class, Ctl.Update.class, Ctl.Delete.class, Ctl.Apply.class, Ctl.Export.class,
                Ctl.CountersCmd.class, Ctl.AuditCmd.class, Ctl.Enroll.class, CommandLine.HelpCommand.class},
        footer = {"", "Environment: SECMON_EMS (EMS URL), SECMON_TOKEN (a token instead of the saved login), "
                + "SECMON_CTL_CONFIG (session file, default ~/.secmon/ctl.json), SECMON_PASSWORD (for login)."})
public final class Ctl {
    static final int REFUSED = 1;
    static final int USAGE = 2;
    static final int UNREACHABLE = 3;

    @Option(names = "--trust", scope = ScopeType.INHERIT, paramLabel = "SHA256",
            description = "trust the EMS's self-signed HTTPS certificate with this SHA-256 fingerprint (printed by "
                    + "the EMS at start; remembered by login); or SECMON_EMS_FINGERPRINT")
    String trustOption;

    @Option(names = "--ems", scope = ScopeType.INHERIT, paramLabel = "URL",
            description = "EMS URL (default: the one of the last login, or $SECMON_EMS)")
    String emsUrl;

    @Option(names = "--token", scope = ScopeType.INHERIT, paramLabel = "TOKEN",
            description = "token to use instead of the saved login (or $SECMON_TOKEN)")
    String tokenOption;

    @Option(names = "--config", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "session file (default $SECMON_CTL_CONFIG or ~/.secmon/ctl.json)")
    Path configFile;

    @Spec
    CommandLine.Model.CommandSpec spec;

    private final Map<String, String> env;

    public Ctl() {
        this(System.getenv());
    }

    Ctl(Map<String, String> env) {
        this.env = env;
    }

    public static void main(String[] args) {
        System.exit(run(System.getenv(), new PrintWriter(System.out, true, StandardCharsets.UTF_8),
                new PrintWriter(System.err, true, StandardCharsets.UTF_8), args));
    }

    /** Runs one command line; answers the exit status. */
    public static int run(Map<String, String> env, PrintWriter out, PrintWriter err, String... args) {
        Ctl root = new Ctl(env);
        CommandLine cl = new CommandLine(root);
        cl.setOut(out).setErr(err);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            switch (e) {
                case EmsException x -> {
                    String hint = x.status() == 0 ? root.tlsHint(x) : null;
                    cmd.getErr().println("secmonctl: " + (hint != null ? hint : x.describe()));
                    return x.status() == 0 ? UNREACHABLE : REFUSED;
                }
                case CtlException x -> {
                    cmd.getErr().println("secmonctl: " + x.getMessage());
                    return USAGE;
                }
                case IllegalArgumentException x -> {
                    cmd.getErr().println("secmonctl: " + x.getMessage());
                    return USAGE;
                }
                default -> throw e;
            }
        });
        int rc = cl.execute(args);
        out.flush();
        err.flush();
        return rc;
    }

    // ---- session -----------------------------------------------------------------------------------------------

    Path sessionFile() {
        if (configFile != null) {
            return configFile;
        }
        String s = env.get("SECMON_CTL_CONFIG");
        if (s != null && !s.isBlank()) {
            return Path.of(s);
        }
        return Path.of(System.getProperty("user.home"), ".secmon", "ctl.json");
    }

    Session session() {
        try {
            return Session.load(sessionFile());
        } catch (IOException e) {
            throw new CtlException(e.getMessage(), e);
        }
    }

    String emsUrl(Session s) {
        String url = emsUrl != null ? emsUrl : env.getOrDefault("SECMON_EMS", s.ems());
        if (url == null || url.isBlank()) {
            throw new CtlException("no EMS given: use --ems URL, set SECMON_EMS, or log in first "
                    + "(secmonctl login --ems http://HOST:8080 --user NAME)");
        }
        return url;
    }

    /** A client with the token of the saved login (or --token / SECMON_TOKEN). */
    EmsClient client() {
        Session s = session();
        String token = tokenOption != null ? tokenOption : env.getOrDefault("SECMON_TOKEN", s.token());
        if (token == null) {
            throw new CtlException("not logged in: secmonctl login --ems http://HOST:8080 --user NAME");
        }
        return open(emsUrl(s), fingerprint(s)).token(token);
    }

    /** The pinned certificate fingerprint: --trust, SECMON_EMS_FINGERPRINT, or the one saved at login. */
    String fingerprint(Session s) {
        String f = trustOption != null ? trustOption : env.getOrDefault("SECMON_EMS_FINGERPRINT", s.fingerprint());
        if (f == null || f.isBlank()) {
            return null;
        }
        try {
            return org.secmon.ems.api.client.PinnedTrust.normalize(f);
        } catch (IllegalArgumentException e) {
            throw new CtlException("--trust: " + e.getMessage());
        }
    }

    /** A client; for https with a pinned fingerprint, trusting exactly that certificate. */
    static EmsClient open(String url, String fingerprint) {
        URI u = uri(url);
        if (fingerprint != null && "https".equals(u.getScheme())) {
            return EmsClient.create(u, org.secmon.ems.api.client.PinnedTrust.context(fingerprint),
                    java.time.Duration.ofSeconds(5), java.time.Duration.ofSeconds(30));
        }
        return EmsClient.create(u);
    }

    private String tlsHint(Throwable failure) {
        try {
            return untrustedHint(emsUrl(session()), failure);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** For an https EMS whose certificate was not trusted: what it presents and how to trust it, or null. */
    static String untrustedHint(String url, Throwable failure) {
        URI u = uri(url);
        boolean tls = false;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof javax.net.ssl.SSLHandshakeException
                    || t instanceof java.security.cert.CertificateException
                    || String.valueOf(t.getMessage()).contains("PKIX")) {
                tls = true;
            }
        }
        if (!tls || !"https".equals(u.getScheme())) {
            return null;
        }
        try {
            String fp = org.secmon.ems.api.client.PinnedTrust.serverFingerprint(u);
            return "the EMS's TLS certificate is not trusted. Its SHA-256 fingerprint is\n  " + fp + "\nIf that is "
                    + "the fingerprint the EMS printed at start, log in again with --trust " + fp;
        } catch (java.io.IOException e) {
            return "the EMS's TLS certificate is not trusted (" + e.getMessage() + ")";
        }
    }

    static URI uri(String s) {
        try {
            return URI.create(s);
        } catch (IllegalArgumentException e) {
            throw new CtlException("not a URL: " + s);
        }
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    static JsonNode readDocument(String file) {
        String text;
        try {
            text = file.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
                    : Files.readString(Path.of(file));
        } catch (IOException e) {
            throw new CtlException("cannot read " + file + ": " + e.getMessage(), e);
        }
        try {
            return Output.YAML.readTree(text); // YAML is a superset of JSON
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + " column "
                    + e.getLocation().getColumnNr();
            throw new CtlException(file + " is not valid YAML or JSON" + where + ": " + e.getOriginalMessage(), e);
        }
    }

    /** {@code field=value}: JSON when it parses (numbers, booleans, lists, null), otherwise the text. */
    static void set(ObjectNode body, List<String> assignments) {
        for (String a : assignments) {
            int eq = a.indexOf('=');
            if (eq <= 0) {
                throw new CtlException("--set needs FIELD=VALUE, not '" + a + "'");
            }
            String field = a.substring(0, eq).strip();
            String value = a.substring(eq + 1);
            JsonNode v;
            try {
                v = Json.mapper().readTree(value);
                if (v == null || v.isMissingNode()) {
                    v = TextNode.valueOf(value);
                }
            } catch (JsonProcessingException e) {
                if (value.startsWith("[") && value.endsWith("]")) { // [a,b] without quotes
                    ArrayNode arr = Json.mapper().createArrayNode();
                    for (String item : value.substring(1, value.length() - 1).split(",")) {
                        if (!item.isBlank()) {
                            arr.add(item.strip());
                        }
                    }
                    v = arr;
                } else {
                    v = TextNode.valueOf(value);
                }
            }
            body.set(field, v);
        }
    }

    /** The entity of {@code kind} called (or with id) {@code ref}, in {@code scope} for scoped kinds. */
    static ObjectNode lookup(EmsClient ems, ResourceKind kind, String scope, String ref) {
        if (kind.scoped() && scope == null && !kind.singletonPerScope()) {
            try {
                return ems.get(kind, ref);
            } catch (EmsException e) {
                if (e.status() != 404) {
                    throw e;
                }
                throw new CtlException("no " + kind.singular() + " with id '" + ref + "'; to find it by name, give "
                        + "its scope (--scope NAME)");
            }
        }
        ObjectNode found = ems.find(kind, scope, kind.singletonPerScope() && ref == null ? null : ref);
        if (found == null) {
            try {
                return ems.get(kind, ref);
            } catch (EmsException e) {
                if (e.status() != 404) {
                    throw e;
                }
            }
            throw new CtlException("no " + kind.singular() + " '" + ref + "'" + (scope == null ? "" : " in scope '"
                    + scope + "'"));
        }
        return found;
    }

    // ---- commands ----------------------------------------------------------------------------------------------

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Ctl.class.getPackage().getImplementationVersion();
            return new String[] {"secmonctl " + (v == null ? "0.1.0-SNAPSHOT" : v)};
        }
    }

    abstract static class Sub implements Callable<Integer> {
        @CommandLine.ParentCommand
        Ctl ctl;
    }

    @Command(name = "login", description = "Log in to an EMS and remember the token (file readable only by you).")
    static final class Login extends Sub {
        @Option(names = {"-u", "--user"}, required = true, description = "user name")
        String user;
        @Option(names = "--password-file", paramLabel = "FILE", description = "read the password from FILE")
        Path passwordFile;
        @Option(names = "--password-stdin", description = "read the password from standard input")
        boolean passwordStdin;

        @Override
        public Integer call() throws IOException {
            Session s = ctl.session();
            String url = ctl.emsUrl(s);
            String password;
            if (passwordFile != null) {
                password = Files.readString(passwordFile).strip();
            } else if (passwordStdin) {
                password = new String(System.in.readAllBytes(), StandardCharsets.UTF_8).strip();
            } else if (ctl.env.get("SECMON_PASSWORD") != null) {
                password = ctl.env.get("SECMON_PASSWORD");
            } else {
                Console c = System.console();
                if (c == null) {
                    throw new CtlException("no terminal to ask the password: use --password-file, --password-stdin "
                            + "or SECMON_PASSWORD");
                }
                char[] p = c.readPassword("password for %s at %s: ", user, url);
                password = p == null ? "" : new String(p);
            }
            String fp = ctl.fingerprint(s);
            try (EmsClient ems = open(url, fp)) {
                EmsClient.Login l = ems.login(user, password);
                new Session(url, user, l.token(), l.expiresAt(), fp).save(ctl.sessionFile());
                ctl.out().println("logged in to " + url + " as " + user + " (token expires " + l.expiresAt() + ")");
            }
            return 0;
        }
    }

    @Command(name = "logout", description = "Revoke the saved token and forget it.")
    static final class Logout extends Sub {
        @Override
        public Integer call() throws IOException {
            Session s = ctl.session();
            if (s.token() != null) {
                try (EmsClient ems = ctl.client()) {
                    ems.logout();
                } catch (EmsException e) {
                    if (e.status() != 401) { // an expired token is as good as revoked
                        ctl.err().println("secmonctl: the EMS did not revoke the token: " + e.describe());
                    }
                }
            }
            Session.delete(ctl.sessionFile());
            ctl.out().println("logged out");
            return 0;
        }
    }

    @Command(name = "whoami", description = "Who the token belongs to: user, roles, permissions, projects.")
    static final class Whoami extends Sub {
        @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table, json or yaml")
        String output;

        @Override
        public Integer call() {
            try (EmsClient ems = ctl.client()) {
                Output.printOne(ctl.out(), Output.format(output), ems.whoami());
            }
            return 0;
        }
    }

    @Command(name = "kinds", description = "The resource kinds and their short names.")
    static final class KindsCmd extends Sub {
        @Override
        public Integer call() {
            for (ResourceKind k : ResourceKind.ALL) {
                ctl.out().printf("%-24s %-22s %s%n", k.collection(), k.singular(),
                        k.scoped() ? (k.singletonPerScope() ? "one per scope" : "per scope") : "global");
            }
            return 0;
        }
    }

    @Command(name = "get", description = "List resources of a kind, or show one (by name with --scope, or by id).")
    static final class Get extends Sub {
        @Parameters(index = "0", paramLabel = "KIND", description = "e.g. rules, collector_sets, cs (see: kinds)")
        String kind;
        @Parameters(index = "1", arity = "0..1", paramLabel = "NAME|ID")
        String ref;
        @Option(names = {"-s", "--scope"}, description = "only this scope (name or id)")
        String scope;
        @Option(names = {"-l", "--filter"}, paramLabel = "FIELD=VALUE", description = "only entities with this value")
        List<String> filters = new ArrayList<>();
        @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table, wide, json or yaml")
        String output;
        @Option(names = "--ids", description = "show references as ids instead of names")
        boolean ids;

        @Override
        public Integer call() {
            ResourceKind k = Kinds.of(kind);
            Output.Format f = Output.format(output);
            try (EmsClient ems = ctl.client()) {
                Kinds.Names names = new Kinds.Names(ems);
                if (ref != null || (k.singletonPerScope() && scope != null)) {
                    ObjectNode one = lookup(ems, k, scope, ref);
                    Output.printOne(ctl.out(), f, ids ? one : names.withNames(k, one));
                    return 0;
                }
                Map<String, String> q = new LinkedHashMap<>();
                for (String fl : filters) {
                    int eq = fl.indexOf('=');
                    if (eq <= 0) {
                        throw new CtlException("--filter needs FIELD=VALUE, not '" + fl + "'");
                    }
                    q.put(fl.substring(0, eq), fl.substring(eq + 1));
                }
                if (scope != null) {
                    q.put("scope", scope);
                }
                List<ObjectNode> rows = new ArrayList<>();
                for (ObjectNode n : ems.list(k, q)) {
                    rows.add(ids ? n : names.withNames(k, n));
                }
                Output.print(ctl.out(), f, rows);
            }
            return 0;
        }
    }

    @Command(name = "create", description = "Create a resource from a file (-f, YAML or JSON) and/or --set fields.")
    static final class Create extends Sub {
        @Parameters(index = "0", paramLabel = "KIND")
        String kind;
        @Parameters(index = "1", arity = "0..1", paramLabel = "NAME")
        String name;
        @Option(names = {"-s", "--scope"}, description = "the scope (name or id)")
        String scope;
        @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "the entity as YAML or JSON ('-': stdin)")
        String file;
        @Option(names = "--set", paramLabel = "FIELD=VALUE", description = "a field, e.g. --set priority=10")
        List<String> sets = new ArrayList<>();
        @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table, json or yaml")
        String output;

        @Override
        public Integer call() {
            ResourceKind k = Kinds.of(kind);
            ObjectNode body = file == null ? Json.mapper().createObjectNode() : object(readDocument(file), file);
            if (name != null) {
                body.put("name", name);
            }
            if (scope != null) {
                body.put("scope", scope);
            }
            set(body, sets);
            try (EmsClient ems = ctl.client()) {
                ObjectNode created = ems.create(k, body);
                ctl.err().println(k.singular() + " " + created.path("name").asText(created.path("id").asText())
                        + " created");
                Output.printOne(ctl.out(), Output.format(output), new Kinds.Names(ems).withNames(k, created));
            }
            return 0;
        }
    }

    static ObjectNode object(JsonNode n, String file) {
        if (!(n instanceof ObjectNode o)) {
            throw new CtlException(file + " must hold one entity (a mapping of field to value)");
        }
        return o;
    }

    @Command(name = "update", description = "Change fields of a resource (JSON merge patch: only what you give).")
    static final class Update extends Sub {
        @Parameters(index = "0", paramLabel = "KIND")
        String kind;
        @Parameters(index = "1", arity = "0..1", paramLabel = "NAME|ID", description = "omit for per-scope configs")
        String ref;
        @Option(names = {"-s", "--scope"}, description = "the scope (name or id)")
        String scope;
        @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "fields as YAML or JSON ('-': stdin)")
        String file;
        @Option(names = "--set", paramLabel = "FIELD=VALUE", description = "a field; FIELD=null removes it")
        List<String> sets = new ArrayList<>();
        @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table, json or yaml")
        String output;

        @Override
        public Integer call() {
            ResourceKind k = Kinds.of(kind);
            ObjectNode patch = file == null ? Json.mapper().createObjectNode() : object(readDocument(file), file);
            set(patch, sets);
            if (patch.isEmpty()) {
                throw new CtlException("nothing to change: give --set FIELD=VALUE or -f FILE");
            }
            try (EmsClient ems = ctl.client()) {
                ObjectNode current = lookup(ems, k, scope, ref);
                patch.put("version", current.path("version").asLong()); // refuse to overwrite a concurrent change
                ObjectNode updated = ems.patch(k, current.path("id").asText(), patch);
                ctl.err().println(k.singular() + " " + updated.path("name").asText(updated.path("id").asText())
                        + " updated");
                Output.printOne(ctl.out(), Output.format(output), new Kinds.Names(ems).withNames(k, updated));
            }
            return 0;
        }
    }

    @Command(name = "delete", description = "Delete resources (refused with the dependents while still referenced).")
    static final class Delete extends Sub {
        @Parameters(index = "0", paramLabel = "KIND")
        String kind;
        @Parameters(index = "1..*", arity = "0..*", paramLabel = "NAME|ID")
        List<String> refs = new ArrayList<>();
        @Option(names = {"-s", "--scope"}, description = "the scope (name or id)")
        String scope;

        @Override
        public Integer call() {
            ResourceKind k = Kinds.of(kind);
            if (refs.isEmpty() && !(k.singletonPerScope() && scope != null)) {
                throw new CtlException("which " + k.singular() + "? give NAME or ID");
            }
            List<String> targets = refs.isEmpty() ? java.util.Collections.singletonList(null) : refs;
            try (EmsClient ems = ctl.client()) {
                for (String r : targets) {
                    ObjectNode current = lookup(ems, k, scope, r);
                    ems.delete(k, current.path("id").asText());
                    ctl.out().println(k.singular() + " " + current.path("name").asText(current.path("id").asText())
                            + " deleted");
                }
            }
            return 0;
        }
    }

    @Command(name = "apply", description = {"Create or update everything in a configuration file (YAML or JSON: "
            + "collection -> list of entities, references by name). Idempotent: what already matches is left alone.",
            "Everything is checked before anything is written; a refusal by the EMS stops at that entity (what was "
                    + "applied before stays; fix and apply again)."})
    static final class Apply extends Sub {
        @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE", description = "'-' for stdin")
        String file;
        @Option(names = "--dry-run", description = "only show what would change")
        boolean dryRun;

        @Override
        public Integer call() {
            Map<ResourceKind, List<ObjectNode>> config = ConfigSync.parse(readDocument(file));
            int[] counts = new int[ConfigSync.Outcome.values().length];
            try (EmsClient ems = ctl.client()) {
                new ConfigSync(ems).apply(config, dryRun, s -> {
                    counts[s.outcome().ordinal()]++;
                    ctl.out().println(s.kind().singular() + " " + s.key() + " "
                            + s.outcome().name().toLowerCase(java.util.Locale.ROOT) + (dryRun ? " (dry run)" : ""));
                });
            }
            ctl.out().printf("%d created, %d configured, %d unchanged%s%n", counts[0], counts[1], counts[2],
                    dryRun ? " (dry run: nothing written)" : "");
            return 0;
        }
    }

    @Command(name = "export", description = "Print the configuration in the form apply reads (references by name; "
            + "no ids, no passwords, no appliances).")
    static final class Export extends Sub {
        @Option(names = {"-s", "--scope"}, description = "only these scopes and their contents (repeatable)")
        List<String> scopes = new ArrayList<>();
        @Option(names = {"-o", "--output"}, defaultValue = "yaml", description = "yaml or json")
        String output;
        @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "write to FILE instead of stdout")
        Path file;

        @Override
        public Integer call() throws IOException {
            Output.Format f = Output.format(output);
            if (f != Output.Format.YAML && f != Output.Format.JSON) {
                throw new CtlException("export writes yaml or json, not " + output);
            }
            ObjectNode doc;
            try (EmsClient ems = ctl.client()) {
                doc = new ConfigSync(ems).export(scopes);
            }
            String text = f == Output.Format.YAML ? Output.yaml(doc) : Output.json(doc) + "\n";
            if (file == null) {
                ctl.out().print(text);
                ctl.out().flush();
            } else {
                Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".export", ".tmp");
                Files.writeString(tmp, text);
                Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                ctl.err().println("exported to " + file);
            }
            return 0;
        }
    }

    @Command(name = "counters", description = "An appliance's counters from its last report: packets received, per "
            + "plugin (given, filtered, dropped, flows, records) and per collector.")
    static final class CountersCmd extends Sub {
        @Parameters(index = "0", paramLabel = "APPLIANCE", description = "name (with --scope) or id")
        String ref;
        @Option(names = {"-s", "--scope"}, description = "the appliance's scope (name or id)")
        String scope;
        @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table, json or yaml")
        String output;

        @Override
        public Integer call() {
            Output.Format f = Output.format(output);
            try (EmsClient ems = ctl.client()) {
                ObjectNode a = lookup(ems, ResourceKind.APPLIANCES, scope, ref);
                ObjectNode c = ems.counters(a.path("id").asText());
                if (f == Output.Format.JSON || f == Output.Format.YAML) {
                    Output.printOne(ctl.out(), f, c);
                    return 0;
                }
                ctl.out().printf("appliance %s (%s), reported %s%n", c.path("name").asText(),
                        c.path("status").asText(), c.path("reported_at").asText("never"));
                flatten("", c.path("counters"), ctl.out());
            }
            return 0;
        }

        /** One line per counter: dotted path, value. */
        private static void flatten(String prefix, JsonNode n, java.io.PrintWriter out) {
            if (n.isObject()) {
                for (Map.Entry<String, JsonNode> e : n.properties()) {
                    flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out);
                }
            } else if (n.isArray()) {
                for (int i = 0; i < n.size(); i++) {
                    flatten(prefix + "[" + i + "]", n.get(i), out);
                }
            } else {
                out.printf("  %-56s %s%n", prefix, n.asText());
            }
        }
    }

    @Command(name = "audit", description = "The audit log: who changed what, newest first.")
    static final class AuditCmd extends Sub {
        @Option(names = "--limit", defaultValue = "50", description = "how many records (default 50)")
        int limit;
        @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table, wide, json or yaml")
        String output;

        @Override
        public Integer call() {
            try (EmsClient ems = ctl.client()) {
                JsonNode page = ems.call("GET", "audit?limit=" + limit, null);
                List<ObjectNode> rows = new ArrayList<>();
                for (JsonNode n : page.path("items")) {
                    rows.add((ObjectNode) n);
                }
                Output.print(ctl.out(), Output.format(output), rows);
            }
            return 0;
        }
    }

    @Command(name = "enroll", description = {"Make a single-use enrollment token for an appliance to join a scope, "
            + "or for an IPsec enforcer (--ipsec-enforcer), instead of giving it anyone's password: printed once, or "
            + "written to --out (mode 0600).",
            "The appliance registers with it: ./secmon agent ... --enrollment-token-file FILE; the enforcer: ./secmon "
                    + "enforcer ... --enrollment-token-file FILE (the file is deleted once used)."})
    static final class Enroll extends Sub {
        @Option(names = "--scope", description = "the scope the appliance joins (name or id; required for an "
                + "appliance)")
        String scope;
        @Option(names = "--ipsec-enforcer", description = "a token for an IPsec enforcer (no scope)")
        boolean enforcer;
        @Option(names = "--name", description = "the appliance's name (leave it out with --uses N: any new "
                + "appliance in the scope, e.g. an auto-scaling group)")
        String name;
        @Option(names = "--uses", defaultValue = "1", description = "how many appliances may join with it (default 1)")
        long uses;
        @Option(names = "--ttl", defaultValue = "3600", description = "seconds the token stays valid (default 3600; "
                + "at most 604800 for one use, 31536000 for several)")
        long ttl;
        @Option(names = "--out", paramLabel = "FILE", description = "write the token here (0600) instead of printing")
        java.nio.file.Path out;

        @Override
        public Integer call() throws Exception {
            try (EmsClient ems = ctl.client()) {
                ObjectNode body = org.secmon.ems.api.Json.mapper().createObjectNode();
                if (enforcer == (scope != null)) {
                    throw new CtlException(enforcer
                            ? "--ipsec-enforcer takes no --scope: an enforcer belongs to no scope"
                            : "--scope is required (or --ipsec-enforcer for an IPsec enforcer)");
                }
                if (enforcer) {
                    body.put("kind", "ipsec_enforcer");
                } else {
                    body.put("scope", scope);
                }
                body.put("ttl_seconds", ttl).put("uses", uses);
                if (name != null) {
                    body.put("name", name);
                }
                JsonNode r = ems.call("POST", "enrollments", body);
                String token = r.path("token").asText();
                if (out != null) {
                    Session.writePrivate(out, token + "\n");
                    ctl.out().printf("enrollment token for %s%s written to %s (%d use%s, expires %s)%n",
                            name != null ? name : enforcer ? "new IPsec enforcers" : "new appliances",
                            enforcer ? "" : " in " + scope, out, uses, uses == 1 ? "" : "s",
                            r.path("expires_at").asText());
                } else {
                    ctl.out().println(token);
                }
            }
            return 0;
        }
    }
}
