package org.secmon.ems.ctl;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

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
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * secmonctl: the command line of the EMS. Exit status 0 on success, 1 when the EMS refused (the EMS's message and
 * field errors are printed), 2 on a usage or input error, 3 when the EMS could not be reached.
 */
@Command(name = "secmonctl", mixinStandardHelpOptions = true, versionProvider = Ctl.Version.class,
        description = "Configure SecMon through its EMS: log in, list, create, change and delete resources, and "
                + "apply or export a whole configuration.",
        subcommands = {LoginCommand.class, LogoutCommand.class, WhoamiCommand.class, KindsCommand.class,
                GetCommand.class, CreateCommand.class, UpdateCommand.class, DeleteCommand.class, ApplyCommand.class,
                ExportCommand.class, CountersCommand.class, FlowsCommand.class, AuditCommand.class, EnrollCommand.class,
                ScrapeTokenCommand.class, picocli.AutoComplete.GenerateCompletion.class,
                CommandLine.HelpCommand.class},
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

    /** An environment variable as this run sees it. */
    String env(String name) {
        return env.get(name);
    }

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

    static ObjectNode object(JsonNode n, String file) {
        if (!(n instanceof ObjectNode o)) {
            throw new CtlException(file + " must hold one entity (a mapping of field to value)");
        }
        return o;
    }
}
