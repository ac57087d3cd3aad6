package org.secmon.agent.ipsec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.secmon.ems.api.Json;

/**
 * The IPsec enforcer: drives a strongSwan charon through {@code swanctl} over its VICI socket. It writes the
 * configuration rendered from the EMS's tunnels ({@code swanctl.conf}, mode 0600: it holds the pre-shared keys),
 * loads it, terminates and re-initiates only the tunnels whose configuration changed (and terminates removed ones),
 * and reads the SA state back for the agent's report and {@code show ipsec}.
 */
public final class Enforcer {
    private static final System.Logger LOG = System.getLogger(Enforcer.class.getName());

    private final String vici;
    private final Path dir;
    private final String swanctl;
    private final List<String> includes;
    private final String nft;
    private Map<String, String[]> applied = Map.of();
    private String steering; // the nft script last applied (null: never touched netfilter)
    private JsonNode steered; // the tunnels it was made from
    private String steeringError;
    private String steeringWarning;
    private volatile String lastError;
    private int applies;

    /**
     * @param vici the charon's VICI socket, e.g. {@code unix:///var/run/charon.vici}
     * @param dir  where swanctl.conf is written
     */
    public Enforcer(String vici, Path dir) throws IOException {
        this(vici, dir, List.of());
    }

    /**
     * @param includes swanctl files (globs) loaded together with the enforcer's own, so that loading its
     *                 configuration keeps the connections and secrets they define
     */
    public Enforcer(String vici, Path dir, List<String> includes) throws IOException {
        this(vici, dir, includes, "nft");
    }

    /**
     * @param nft the nftables command for DSCP tunnels' marking rules ({@link DscpSteering}); {@code none}: the node
     *            marks packets itself
     */
    public Enforcer(String vici, Path dir, List<String> includes, String nft) throws IOException {
        this.includes = List.copyOf(includes);
        this.nft = nft;
        this.vici = vici;
        this.dir = Files.createDirectories(dir);
        this.swanctl = System.getProperty("secmon.swanctl", "/usr/sbin/swanctl");
    }

    /**
     * Makes sure the enforcer has a certificate from the EMS CA when a tunnel needs one: an EC P-256 key made here
     * (it never leaves: {@code ecdsa/}, 0600), a certification request answered by {@code issue} (PEM in; the
     * EMS's JSON {certificate, ca} out), the certificate in {@code x509/}, the CA in {@code x509ca/}. Renewed when
     * less than 30 days are left.
     */
    public synchronized void ensureCertificate(java.util.function.Function<String, JsonNode> issue)
            throws IOException {
        // an EC key in the traditional (SEC 1) PEM form, in swanctl's ecdsa directory: swanctl parses it without the
        // pkcs8 plugin, which its default configuration may not load
        Path key = Files.createDirectories(dir.resolve("ecdsa")).resolve("secmon-appliance.key");
        Path cert = Files.createDirectories(dir.resolve("x509")).resolve(SwanctlConfig.CERT);
        Path ca = Files.createDirectories(dir.resolve("x509ca")).resolve("secmon-ca.pem");
        if (Files.exists(cert) && Files.exists(key) && Files.exists(ca) && validFor(cert, 30)) {
            return;
        }
        try {
            java.security.KeyPair kp;
            if (Files.exists(key)) {
                try (org.bouncycastle.openssl.PEMParser p = new org.bouncycastle.openssl.PEMParser(
                        Files.newBufferedReader(key))) {
                    Object o = p.readObject();
                    org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter conv =
                            new org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter();
                    kp = o instanceof org.bouncycastle.openssl.PEMKeyPair pkp ? conv.getKeyPair(pkp) : null;
                }
            } else {
                kp = null;
            }
            if (kp == null) {
                // BouncyCastle's EC keys carry the curve in their SEC 1 form too (the JDK's, converted, do not)
                java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("EC",
                        new org.bouncycastle.jce.provider.BouncyCastleProvider());
                g.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
                kp = g.generateKeyPair();
                org.secmon.agent.PrivateFiles.write(key, pem(kp.getPrivate())); // JcaPEMWriter writes EC keys as "EC PRIVATE KEY"
            }
            org.bouncycastle.pkcs.PKCS10CertificationRequest csr =
                    new org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder(
                            new org.bouncycastle.asn1.x500.X500Name("CN=secmon-appliance"), kp.getPublic())
                            .build(new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withECDSA")
                                    .build(kp.getPrivate()));
            JsonNode answer = issue.apply(pem(csr));
            Files.writeString(cert, answer.path("certificate").asText());
            Files.writeString(ca, answer.path("ca").asText());
            LOG.log(System.Logger.Level.INFO, "IPsec: certificate for " + answer.path("id").asText()
                    + " issued by the EMS CA");
        } catch (java.security.GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
            throw new IOException("IPsec certificate: " + e.getMessage(), e);
        }
    }

    /**
     * The tunnels the EMS binds to this end ({@code base}: {@code appliances/ID} or {@code ipsec_enforcers/ID}),
     * without the store revision. When a tunnel authenticates with certificates, this end's certificate
     * ({@link #ensureCertificate}, asked for at {@code base/certificate}) and the EMS CA's CRL ({@link #crl}) are made
     * ready first.
     */
    public JsonNode fetch(org.secmon.ems.api.client.EmsClient ems, String base) throws IOException {
        ObjectNode t = (ObjectNode) ems.call("GET", base + "/ipsec", null);
        t.remove("revision");
        if (SwanctlConfig.needsCertificate(t)) {
            ensureCertificate(csr -> ems.call("POST", base + "/certificate",
                    Json.mapper().createObjectNode().put("csr", csr)));
            crl(ems.call("GET", "certificates/crl", null).path("crl").asText(null));
        }
        return t;
    }

    /**
     * The EMS CA's CRL (PEM), kept in swanctl's {@code x509crl/} and loaded into charon when it changed, so that
     * certificates of removed nodes no longer authenticate against this one.
     */
    public synchronized void crl(String pem) throws IOException {
        if (pem == null || !pem.contains("BEGIN X509 CRL")) {
            return;
        }
        Path f = Files.createDirectories(dir.resolve("x509crl")).resolve("secmon-ca.crl");
        if (Files.exists(f) && Files.readString(f).equals(pem)) {
            return;
        }
        Files.writeString(f, pem);
        Path conf = dir.resolve("swanctl.conf");
        if (Files.exists(conf)) {
            Result r = swanctl("--load-creds", "--file", conf.toString());
            if (r.code() != 0) {
                LOG.log(System.Logger.Level.WARNING, "IPsec: the EMS CA's CRL was not loaded: " + lastLine(r.out()));
                return;
            }
        }
        LOG.log(System.Logger.Level.INFO, "IPsec: the EMS CA's CRL loaded");
    }

    private static boolean validFor(Path certPem, int days) {
        try (org.bouncycastle.openssl.PEMParser p = new org.bouncycastle.openssl.PEMParser(
                Files.newBufferedReader(certPem))) {
            org.bouncycastle.cert.X509CertificateHolder h = (org.bouncycastle.cert.X509CertificateHolder) p.readObject();
            return h.getNotAfter().toInstant().isAfter(java.time.Instant.now().plus(java.time.Duration.ofDays(days)));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static String pem(Object o) throws IOException {
        java.io.StringWriter w = new java.io.StringWriter();
        try (org.bouncycastle.openssl.jcajce.JcaPEMWriter p = new org.bouncycastle.openssl.jcajce.JcaPEMWriter(w)) {
            p.writeObject(o);
        }
        return w.toString();
    }

    /** Applies the EMS's view ({@code {"tunnels": [...]}}); answers the connections (re)started. */
    public synchronized List<String> apply(JsonNode fromEms) throws IOException {
        List<String> refused = new ArrayList<>();
        JsonNode ipsec = SwanctlConfig.validTunnels(fromEms, refused);
        for (String r : refused) {
            LOG.log(System.Logger.Level.ERROR, "IPsec: not loading " + r);
        }
        Map<String, String[]> next = SwanctlConfig.blocks(ipsec);
        List<String> changed = new ArrayList<>();
        for (Map.Entry<String, String[]> e : next.entrySet()) {
            String[] was = applied.get(e.getKey());
            if (was == null || !was[0].equals(e.getValue()[0]) || !was[1].equals(e.getValue()[1])) {
                changed.add(e.getKey());
            }
        }
        List<String> removed = new ArrayList<>(applied.keySet());
        removed.removeAll(next.keySet());
        if (changed.isEmpty() && removed.isEmpty()) {
            steer(ipsec); // again if it failed before
            return List.of();
        }
        Path conf = dir.resolve("swanctl.conf");
        org.secmon.agent.PrivateFiles.write(conf, SwanctlConfig.render(next, includes));
        for (String name : changed) {
            if (applied.containsKey(name)) {
                terminate(name); // changed proposal, peers or keys: the old SA goes before the new config loads
            }
        }
        for (String gone : removed) {
            terminate(gone);
        }
        swanctl("--load-all", "--clear", "--file", conf.toString());
        List<String> restarted = new ArrayList<>();
        for (String name : changed) {
            JsonNode t = tunnel(ipsec, name);
            if (t != null && t.path("initiator").asBoolean(true) && initiate(name)) {
                restarted.add(name);
            }
        }
        applied = next;
        applies++;
        steer(ipsec);
        LOG.log(System.Logger.Level.INFO, "IPsec: " + next.size() + " tunnel(s) loaded; changed " + changed
                + (removed.isEmpty() ? "" : ", removed " + removed));
        return restarted;
    }

    /**
     * Initiates the initiator tunnels that are not established (after a failed start or a peer restart); answers
     * the {@link #status} (listed once more only if a tunnel was initiated).
     */
    public synchronized ObjectNode ensureUp(JsonNode ipsec) throws IOException {
        boolean started = false;
        ObjectNode st = status();
        for (JsonNode t : ipsec.path("tunnels")) {
            String name = SwanctlConfig.connectionName(t);
            if (t.path("initiator").asBoolean(true) && applied.containsKey(name)
                    && !"established".equals(st.path("tunnels").path(name).path("ike").asText())) {
                started |= initiate(name);
            }
        }
        return started ? status() : st;
    }

    /**
     * Installs (or removes) the DSCP tunnels' marking rules when they changed; failures are reported, not thrown, and
     * tried again at the next apply. Unchanged rules cost nothing: no nft, no question to charon.
     */
    private void steer(JsonNode ipsec) {
        boolean any = DscpSteering.any(ipsec);
        if (!any && steering == null) {
            steeringError = null;
            steeringWarning = null;
            return; // netfilter never touched: nothing to remove, and no nft needed
        }
        String script = DscpSteering.script(ipsec);
        if (script.equals(steering)) {
            return; // as installed: the rules, the warning and the error stand
        }
        steeringWarning = any ? libipsecWarning() : null;
        if (!nft.equals("none")) {
            try {
                Result r = run(List.of(nft, "-f", "-"), script, Map.of(), 30);
                if (r.code() != 0) {
                    steeringError = "nft -f: " + lastLine(r.out());
                    LOG.log(System.Logger.Level.WARNING, "IPsec: DSCP marking rules not installed: " + steeringError);
                    return;
                }
            } catch (IOException e) {
                steeringError = e.getMessage() + (e.getMessage() != null && e.getMessage().contains("error=2")
                        ? " (DSCP tunnels need nftables: apt install nftables)" : "");
                LOG.log(System.Logger.Level.WARNING, "IPsec: DSCP marking rules not installed: " + steeringError);
                return;
            }
            LOG.log(System.Logger.Level.INFO, "IPsec: DSCP marking " + (any ? "rules installed (table inet "
                    + DscpSteering.TABLE + ")" : "rules removed"));
        }
        steering = any ? script : null;
        steered = ipsec;
        steeringError = null;
    }

    /** Why DSCP tunnels will not keep classes apart here, or null: charon's userspace ESP ignores XFRM marks. */
    private String libipsecWarning() {
        try {
            return swanctl("--stats").out().matches("(?s).*loaded plugins:[^\\n]*\\bkernel-libipsec\\b.*")
                    ? "charon uses kernel-libipsec (userspace ESP), which ignores XFRM marks: each DSCP tunnel carries"
                    + " all traffic between its subnets, not only its class (DSCP tunnels need kernel IPsec)" : null;
        } catch (IOException e) {
            return "cannot ask charon which kernel interface it uses: " + e.getMessage();
        }
    }

    /** Per DSCP tunnel: its class, mark and the packets marked so far (from the table's counters). */
    private void steeringStatus(ObjectNode o) {
        if (steering == null && steeringError == null && steeringWarning == null) {
            return;
        }
        ObjectNode d = o.putObject("dscp");
        if (steeringError != null) {
            d.put("error", steeringError);
        }
        if (steeringWarning != null) {
            d.put("warning", steeringWarning);
        }
        if (steering == null || nft.equals("none")) {
            return;
        }
        try {
            Result r = run(List.of(nft, "-j", "list", "table", "inet", DscpSteering.TABLE), null, Map.of(), 30);
            if (r.code() != 0) {
                d.put("error", "nft list: " + lastLine(r.out()));
                return;
            }
            ObjectNode classes = d.putObject("tunnels");
            for (JsonNode item : Json.mapper().readTree(r.out()).path("nftables")) {
                JsonNode rule = item.path("rule");
                if (rule.isMissingNode()) {
                    continue;
                }
                String name = rule.path("comment").asText("");
                ObjectNode c;
                if (classes.has(name)) {
                    c = (ObjectNode) classes.get(name);
                } else {
                    c = classes.putObject(name);
                    JsonNode t = tunnel(steered, name);
                    if (t != null) {
                        c.put("dscp", t.path("dscp").asInt()).put("mark", SwanctlConfig.mark(t));
                    }
                }
                for (JsonNode e : rule.path("expr")) {
                    if (e.has("counter")) {
                        c.put("packets", c.path("packets").asLong() + e.path("counter").path("packets").asLong());
                        c.put("bytes", c.path("bytes").asLong() + e.path("counter").path("bytes").asLong());
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            d.put("error", "nft list: " + e.getMessage());
        }
    }

    private boolean initiate(String name) throws IOException {
        Result r = swanctl("--initiate", "--child", name, "--timeout", "15");
        if (r.code() != 0) {
            LOG.log(System.Logger.Level.WARNING, "IPsec tunnel " + name + " did not come up (" + lastLine(r.out())
                    + "); trying again at the next report");
            return false;
        }
        return true;
    }

    private static JsonNode tunnel(JsonNode ipsec, String name) {
        for (JsonNode t : ipsec.path("tunnels")) {
            if (SwanctlConfig.connectionName(t).equals(name)) {
                return t;
            }
        }
        return null;
    }

    private void terminate(String name) throws IOException {
        swanctl("--terminate", "--ike", name, "--timeout", "5"); // nothing to terminate is fine
    }

    private static final Pattern SA = Pattern.compile("^(\\S+): #(\\d+), (\\w+), IKEv(\\d)");
    private static final Pattern CHILD = Pattern.compile(
            "^\\s+(\\S+): #(\\d+), reqid \\d+, (\\w+), ([\\w-]+), (\\S+)");
    private static final Pattern BYTES = Pattern.compile("^\\s+(in|out)\\s+\\w+,\\s+(\\d+) bytes,\\s+(\\d+) packets");
    private static final Pattern REKEY = Pattern.compile("^\\s+(established|installed) .*rekeying in (\\d+)s");

    /** Per tunnel: the IKE and newest child SA ids last listed, and the rekeys counted from their changes. */
    private final Map<String, long[]> sasSeen = new java.util.HashMap<>();

    /**
     * Per tunnel: IKE and child state, mode, ESP proposal, bytes and packets in and out, seconds to the next IKE and
     * child rekey, and the rekeys seen: {@code rekeys} (a new child SA under the same IKE SA) and {@code ike_rekeys}
     * (a new IKE SA: rekey, reauthentication or re-establishment), counted from one listing to the next.
     */
    public synchronized ObjectNode status() {
        ObjectNode o = Json.mapper().createObjectNode();
        o.put("tunnels_configured", applied.size());
        o.put("applies", applies);
        if (lastError != null) {
            o.put("error", lastError);
        }
        steeringStatus(o);
        ObjectNode sas = o.putObject("tunnels");
        for (String name : applied.keySet()) {
            sas.putObject(name).put("ike", "down");
        }
        try {
            Result r = swanctl("--list-sas");
            ObjectNode cur = null;
            Map<String, long[]> now = new java.util.HashMap<>(); // name -> {ike id, newest child id}
            String curName = null;
            boolean inChild = false;
            for (String line : r.out().split("\n")) {
                Matcher m = SA.matcher(line);
                if (m.find()) {
                    curName = m.group(1);
                    cur = sas.has(curName) ? (ObjectNode) sas.get(curName) : sas.putObject(curName);
                    cur.put("ike", m.group(3).toLowerCase(java.util.Locale.ROOT)).put("ike_version",
                            Integer.parseInt(m.group(4)));
                    now.computeIfAbsent(curName, k -> new long[2])[0] = Long.parseLong(m.group(2));
                    inChild = false;
                    continue;
                }
                Matcher c = CHILD.matcher(line);
                if (c.find() && cur != null) {
                    cur.put("child", c.group(3).toLowerCase(java.util.Locale.ROOT)).put("mode", c.group(4))
                            .put("esp", c.group(5));
                    long[] ids = now.computeIfAbsent(curName, k -> new long[2]);
                    ids[1] = Math.max(ids[1], Long.parseLong(c.group(2)));
                    inChild = true;
                    continue;
                }
                Matcher k = REKEY.matcher(line);
                if (k.find() && cur != null) {
                    cur.put(inChild ? "child_rekey_in_s" : "ike_rekey_in_s", Long.parseLong(k.group(2)));
                    continue;
                }
                Matcher b = BYTES.matcher(line);
                if (b.find() && cur != null) {
                    cur.put("bytes_" + b.group(1), Long.parseLong(b.group(2)))
                            .put("packets_" + b.group(1), Long.parseLong(b.group(3)));
                }
            }
            for (Map.Entry<String, long[]> e : now.entrySet()) {
                long[] seen = sasSeen.computeIfAbsent(e.getKey(), x -> new long[4]); // ike, child, rekeys, ike_rekeys
                long ike = e.getValue()[0];
                long child = e.getValue()[1];
                if (seen[0] != 0 && ike != seen[0]) {
                    seen[3]++;
                } else if (seen[1] != 0 && child > seen[1]) {
                    seen[2]++;
                }
                seen[0] = ike;
                seen[1] = child == 0 ? seen[1] : child;
            }
            for (Map.Entry<String, long[]> e : sasSeen.entrySet()) {
                if (sas.has(e.getKey())) {
                    ((ObjectNode) sas.get(e.getKey())).put("rekeys", e.getValue()[2])
                            .put("ike_rekeys", e.getValue()[3]);
                }
            }
        } catch (IOException e) {
            o.put("error", e.getMessage());
        }
        return o;
    }

    record Result(int code, String out) {
    }

    /**
     * Runs a command with {@code stdin} (or none) and extra environment, at most {@code seconds}; its output (with
     * standard error) and exit code.
     */
    static Result run(List<String> cmd, String stdin, Map<String, String> env, int seconds)
            throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        // the output is read on its own thread: reading it here first waited for the command to end, however long,
        // and the timeout below never fired
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        Thread reader = Thread.ofVirtual().name("enforcer-cmd-out").start(() -> {
            try (java.io.InputStream o = p.getInputStream()) {
                o.transferTo(buf);
            } catch (IOException ignored) {
                // the process was killed: what was read so far is kept
            }
        });
        try {
            try (java.io.OutputStream in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                // the command ended without reading its input: its exit code and output say why
            }
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                String name = Path.of(cmd.get(0)).getFileName().toString();
                throw new IOException(name + " " + (cmd.size() > 1 ? cmd.get(1) + " " : "") + "did not finish in "
                        + seconds + " s");
            }
            reader.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        synchronized (buf) {
            return new Result(p.exitValue(), buf.toString(StandardCharsets.UTF_8));
        }
    }

    private Result swanctl(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(swanctl);
        cmd.addAll(List.of(args));
        cmd.add("--uri"); // after the command, as swanctl wants it
        cmd.add(vici);
        // swanctl parses the credentials itself: load the plugins it needs for PEM, X.509 and EC keys explicitly
        // (its built-in default list does not parse EC private keys on Debian 12)
        Path conf = dir.resolve("swanctl-client.conf");
        if (!Files.exists(conf)) {
            Files.writeString(conf, "swanctl {\n  load = random nonce sha1 sha2 aes hmac pem pkcs1 pkcs8 x509 pubkey "
                    + "constraints revocation openssl gmp curve25519\n}\n");
        }
        Result r = run(cmd, null, Map.of("STRONGSWAN_CONF", conf.toString()), 60);
        if (r.code() != 0 && args[0].equals("--load-all")) {
            lastError = "swanctl --load-all: " + lastLine(r.out());
            throw new IOException(lastError);
        }
        if (args[0].equals("--load-all")) {
            lastError = null;
            Files.writeString(dir.resolve("last-load.log"), r.out()); // what swanctl loaded, for diagnostics
        }
        return r;
    }

    private static String lastLine(String s) {
        String[] l = s.strip().split("\n");
        return l.length == 0 ? "" : l[l.length - 1];
    }

}
