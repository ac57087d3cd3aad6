package org.secmon.agent.ipsec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.secmon.agent.ipsec.vici.Vici;
import org.secmon.agent.ipsec.vici.ViciException;
import org.secmon.agent.ipsec.vici.ViciMessage;
import org.secmon.ems.api.Json;

/**
 * The IPsec enforcer: drives a strongSwan charon over VICI, its binary protocol on a Unix socket ({@link Vici}). It
 * loads the connections and pre-shared keys made from the EMS's tunnels ({@link SwanctlConfig}), terminates and
 * re-initiates only the tunnels whose configuration changed (and unloads removed ones), loads them again when charon
 * lost them (a restart), and reads the SA state back for the agent's report and {@code show ipsec}. It touches only
 * its own connections ({@code secmon-*}) and keys ({@code ike-secmon-*}): others loaded into the same charon (an
 * appliance's boot-time tunnel to the analytics system) stay as they are. What it loaded is also written as
 * {@code swanctl.conf} (mode 0600: it holds the pre-shared keys) for diagnostics.
 */
public final class Enforcer {
    private static final System.Logger LOG = System.getLogger(Enforcer.class.getName());
    /** How long charon has for a command; initiating waits for the peer, up to {@link #INITIATE}. */
    private static final Duration CALL = Duration.ofSeconds(30);
    private static final Duration INITIATE = Duration.ofSeconds(15);

    private final String vici;
    private final Path dir;
    private final String nft;
    private Map<String, String[]> applied = Map.of();
    private boolean cleaned; // connections and keys of an earlier run that the EMS no longer has were unloaded
    private String steering; // the nft script last applied (null: never touched netfilter)
    private JsonNode steered; // the tunnels it was made from
    private String steeringError;
    private String steeringWarning;
    private volatile String lastError;
    private int applies;

    /**
     * @param vici the charon's VICI socket, e.g. {@code unix:///var/run/charon.vici}
     * @param dir  where the enforcer keeps its key, certificates and the record of what it loaded
     */
    public Enforcer(String vici, Path dir) throws IOException {
        this(vici, dir, "nft");
    }

    /**
     * @param nft the nftables command for DSCP tunnels' marking rules ({@link DscpSteering}); {@code none}: the node
     *            marks packets itself
     */
    public Enforcer(String vici, Path dir, String nft) throws IOException {
        this.nft = nft;
        this.vici = vici;
        this.dir = Files.createDirectories(dir);
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
     * The EMS CA's CRL (PEM), kept in {@code x509crl/} and loaded into charon when it changed, so that certificates
     * of removed nodes no longer authenticate against this one.
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
        if (!applied.isEmpty()) {
            try (Vici v = Vici.connect(vici, CALL)) {
                Vici.check("load-cert (CRL)", v.request("load-cert",
                        new ViciMessage().put("type", "X509_CRL").put("flag", "NONE").put("data", pem)));
            } catch (ViciException e) {
                LOG.log(System.Logger.Level.WARNING, "IPsec: the EMS CA's CRL was not loaded: " + e.getMessage());
                return;
            }
        }
        LOG.log(System.Logger.Level.INFO, "IPsec: the EMS CA's CRL loaded");
    }

    /** This end's key and certificate, the EMS CA and its CRL, into charon (each replaces the same one loaded before). */
    private void loadCredentials(Vici v) throws IOException {
        Path key = dir.resolve("ecdsa/secmon-appliance.key");
        Path cert = dir.resolve("x509").resolve(SwanctlConfig.CERT);
        Path ca = dir.resolve("x509ca/secmon-ca.pem");
        Path crl = dir.resolve("x509crl/secmon-ca.crl");
        if (!Files.exists(key) || !Files.exists(cert) || !Files.exists(ca)) {
            throw new ViciException("certificate tunnels need this end's certificate, which the EMS has not issued");
        }
        Vici.check("load-key", v.request("load-key", new ViciMessage().put("type", "ecdsa")
                .put("data", Files.readAllBytes(key))));
        Vici.check("load-cert (this end)", v.request("load-cert", new ViciMessage().put("type", "X509")
                .put("flag", "NONE").put("data", Files.readAllBytes(cert))));
        Vici.check("load-cert (the EMS CA)", v.request("load-cert", new ViciMessage().put("type", "X509")
                .put("flag", "CA").put("data", Files.readAllBytes(ca))));
        if (Files.exists(crl)) {
            Vici.check("load-cert (CRL)", v.request("load-cert", new ViciMessage().put("type", "X509_CRL")
                    .put("flag", "NONE").put("data", Files.readAllBytes(crl))));
        }
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
        if (changed.isEmpty() && removed.isEmpty() && (cleaned || next.isEmpty())) {
            steer(ipsec); // again if it failed before
            return List.of();
        }
        org.secmon.agent.PrivateFiles.write(dir.resolve("swanctl.conf"), SwanctlConfig.render(next));
        Map<String, String[]> loaded = new java.util.LinkedHashMap<>(applied);
        List<String> failed = new ArrayList<>();
        try (Vici v = Vici.connect(vici, CALL)) {
            if (!cleaned) {
                unloadStale(v, next.keySet());
                cleaned = true;
            }
            for (String name : changed) {
                if (applied.containsKey(name)) {
                    terminate(v, name); // changed proposal, peers or keys: the old SA goes before the new config
                }
            }
            for (String gone : removed) {
                terminate(v, gone);
                unload(v, gone);
                loaded.remove(gone);
            }
            Loader loader = new Loader(v);
            for (String name : changed) {
                try {
                    loader.load(tunnel(ipsec, name));
                    loaded.put(name, next.get(name));
                } catch (ViciException e) {
                    loaded.remove(name); // tried again at the next apply
                    failed.add(e.getMessage());
                    LOG.log(System.Logger.Level.ERROR, "IPsec: tunnel " + name + " not loaded: " + e.getMessage());
                }
            }
        } catch (ViciException e) {
            lastError = e.getMessage();
            throw e;
        } finally {
            applied = loaded;
        }
        lastError = failed.isEmpty() ? null : failed.getFirst();
        List<String> restarted = new ArrayList<>();
        for (String name : changed) {
            JsonNode t = tunnel(ipsec, name);
            if (loaded.containsKey(name) && t.path("initiator").asBoolean(true) && initiate(name)) {
                restarted.add(name);
            }
        }
        applies++;
        steer(ipsec);
        LOG.log(System.Logger.Level.INFO, "IPsec: " + loaded.size() + " tunnel(s) loaded; changed " + changed
                + (removed.isEmpty() ? "" : ", removed " + removed));
        return restarted;
    }

    /** Loads tunnels into charon over one session; this end's credentials at most once, for the first that needs them. */
    private final class Loader {
        private final Vici v;
        private String cert; // this end's certificate (PEM) once its credentials are loaded

        Loader(Vici v) {
            this.v = v;
        }

        /** One tunnel's connection (and, with certificates, this end's credentials) and pre-shared key. */
        void load(JsonNode t) throws IOException {
            if (cert == null && t.path("auth").asText("psk").equals("certificate")) {
                loadCredentials(v);
                cert = Files.readString(dir.resolve("x509").resolve(SwanctlConfig.CERT));
            }
            Vici.check("load-conn", v.request("load-conn", SwanctlConfig.loadConn(t, cert)));
            ViciMessage shared = SwanctlConfig.loadShared(t);
            if (shared != null) {
                Vici.check("load-shared", v.request("load-shared", shared));
            }
        }
    }

    private static void unload(Vici v, String name) throws ViciException {
        ViciMessage r = v.request("unload-conn", new ViciMessage().put("name", name));
        if (!"yes".equals(r.text("success"))) {
            LOG.log(System.Logger.Level.DEBUG, "IPsec: unload " + name + ": " + r.text("errmsg"));
        }
        v.request("unload-shared", new ViciMessage().put("id", "ike-" + name)); // none (a certificate tunnel) is fine
    }

    /**
     * Unloads the connections and keys of this enforcer's kind ({@code secmon-*}, {@code ike-secmon-*}) that the EMS
     * no longer has: an earlier run loaded them, and a restart of the agent does not restart charon.
     */
    private static void unloadStale(Vici v, java.util.Set<String> keep) throws ViciException {
        for (String c : v.request("get-conns", new ViciMessage()).textList("conns")) {
            if (c.startsWith("secmon-") && !keep.contains(c)) {
                terminate(v, c);
                unload(v, c);
                LOG.log(System.Logger.Level.INFO, "IPsec: unloaded " + c + " (loaded by an earlier run; gone from the"
                        + " EMS)");
            }
        }
        for (String k : v.request("get-shared", new ViciMessage()).textList("keys")) {
            if (k.startsWith("ike-secmon-") && !keep.contains(k.substring(4))) {
                v.request("unload-shared", new ViciMessage().put("id", k));
            }
        }
    }

    /**
     * Loads again the tunnels charon lost (it restarted), then initiates the initiator tunnels that are not
     * established (after a failed start or a peer restart); answers the {@link #status} (listed once more only if a
     * tunnel was loaded or initiated).
     */
    public synchronized ObjectNode ensureUp(JsonNode ipsec) throws IOException {
        boolean started = false;
        if (!applied.isEmpty()) {
            try (Vici v = Vici.connect(vici, CALL)) {
                List<String> has = v.request("get-conns", new ViciMessage()).textList("conns");
                JsonNode valid = SwanctlConfig.validTunnels(ipsec, new ArrayList<>());
                Loader loader = new Loader(v);
                for (String name : applied.keySet()) {
                    JsonNode t = tunnel(valid, name);
                    if (!has.contains(name) && t != null) {
                        loader.load(t);
                        started = true;
                        LOG.log(System.Logger.Level.WARNING, "IPsec: charon had lost tunnel " + name
                                + " (restarted?): loaded again");
                    }
                }
            } catch (ViciException e) {
                lastError = e.getMessage();
            }
        }
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
        try (Vici v = Vici.connect(vici, CALL)) {
            return v.request("stats", new ViciMessage()).textList("plugins").contains("kernel-libipsec")
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

    private boolean initiate(String name) {
        try (Vici v = Vici.connect(vici, INITIATE.plusSeconds(5))) {
            Vici.check("initiate", v.request("initiate", new ViciMessage().put("child", name).put("ike", name)
                    .put("timeout", Long.toString(INITIATE.toMillis())).put("init-limits", "yes")));
            return true;
        } catch (ViciException e) {
            LOG.log(System.Logger.Level.WARNING, "IPsec tunnel " + name + " did not come up (" + e.getMessage()
                    + "); trying again at the next report");
            return false;
        }
    }

    private static JsonNode tunnel(JsonNode ipsec, String name) {
        for (JsonNode t : ipsec.path("tunnels")) {
            if (SwanctlConfig.connectionName(t).equals(name)) {
                return t;
            }
        }
        return null;
    }

    /** Terminates the tunnel's IKE SA (with its children); none is fine. */
    private static void terminate(Vici v, String name) throws ViciException {
        ViciMessage r = v.request("terminate", new ViciMessage().put("ike", name).put("timeout", "5000"));
        if (!"yes".equals(r.text("success"))) {
            LOG.log(System.Logger.Level.DEBUG, "IPsec: terminate " + name + ": " + r.text("errmsg"));
        }
    }

    /** Per tunnel: the IKE and newest child SA ids last listed, and the rekeys counted from their changes. */
    private final Map<String, long[]> sasSeen = new java.util.HashMap<>();

    /**
     * Per tunnel: IKE and child state, mode, ESP proposal, bytes and packets in and out, seconds to the next IKE and
     * child rekey, and the rekeys seen: {@code rekeys} (a new child SA under the same IKE SA) and {@code ike_rekeys}
     * (a new IKE SA: rekey, reauthentication or re-establishment), counted from one listing to the next. Read from
     * charon's {@code list-sas} events; of several child SAs (during a rekey) the newest counts.
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
        List<ViciMessage> events;
        try (Vici v = Vici.connect(vici, CALL)) {
            events = v.stream("list-sas", new ViciMessage().put("noblock", "yes"), "list-sa");
        } catch (ViciException e) {
            o.put("error", e.getMessage());
            return o;
        }
        Map<String, long[]> now = new java.util.HashMap<>(); // name -> {ike id, newest child id}
        for (ViciMessage event : events) {
            for (String name : event.keys()) {
                ViciMessage ike = event.sub(name);
                if (ike == null) {
                    continue;
                }
                ObjectNode cur = sas.has(name) ? (ObjectNode) sas.get(name) : sas.putObject(name);
                long[] ids = now.computeIfAbsent(name, k -> new long[2]);
                long ikeId = ike.number("uniqueid", 0);
                if (ids[0] != 0 && !"ESTABLISHED".equals(ike.text("state"))) {
                    continue; // a second IKE SA (being rekeyed or deleted) of a tunnel already listed
                }
                ids[0] = ikeId;
                cur.put("ike", lower(ike.text("state"))).put("ike_version", (int) ike.number("version", 2));
                long rekey = ike.number("rekey-time", ike.number("reauth-time", -1));
                if (rekey >= 0) {
                    cur.put("ike_rekey_in_s", rekey);
                }
                ViciMessage children = ike.sub("child-sas");
                ViciMessage newest = null;
                for (String k : children == null ? java.util.Set.<String>of() : children.keys()) {
                    ViciMessage c = children.sub(k);
                    if (c != null && (newest == null || c.number("uniqueid", 0) > newest.number("uniqueid", 0))) {
                        newest = c;
                    }
                }
                if (newest != null) {
                    ids[1] = Math.max(ids[1], newest.number("uniqueid", 0));
                    cur.put("child", lower(newest.text("state")))
                            .put("mode", newest.text("mode") + ("yes".equals(newest.text("encap")) ? "-in-UDP" : ""))
                            .put("esp", proposal(newest));
                    if (newest.number("rekey-time", -1) >= 0) {
                        cur.put("child_rekey_in_s", newest.number("rekey-time", 0));
                    }
                    for (String dir : new String[] {"in", "out"}) {
                        cur.put("bytes_" + dir, newest.number("bytes-" + dir, 0))
                                .put("packets_" + dir, newest.number("packets-" + dir, 0));
                    }
                }
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
                ((ObjectNode) sas.get(e.getKey())).put("rekeys", e.getValue()[2]).put("ike_rekeys", e.getValue()[3]);
            }
        }
        return o;
    }

    private static String lower(String s) {
        return s == null ? "unknown" : s.toLowerCase(java.util.Locale.ROOT);
    }

    /** A child SA's algorithms as {@code swanctl --list-sas} writes them, e.g. {@code ESP:AES_GCM_16-128/ECP_256}. */
    static String proposal(ViciMessage c) {
        StringBuilder b = new StringBuilder(c.text("protocol") == null ? "?" : c.text("protocol"));
        if (c.text("encr-alg") != null) {
            b.append(':').append(c.text("encr-alg"));
            if (c.text("encr-keysize") != null) {
                b.append('-').append(c.text("encr-keysize"));
            }
        }
        if (c.text("integ-alg") != null) {
            b.append('/').append(c.text("integ-alg"));
            if (c.text("integ-keysize") != null) {
                b.append('-').append(c.text("integ-keysize"));
            }
        }
        if (c.text("prf-alg") != null) {
            b.append('/').append(c.text("prf-alg"));
        }
        if (c.text("dh-group") != null) {
            b.append('/').append(c.text("dh-group"));
        }
        if ("yes".equals(c.text("esn"))) {
            b.append("/ESN");
        }
        return b.toString();
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

    private static String lastLine(String s) {
        String[] l = s.strip().split("\n");
        return l.length == 0 ? "" : l[l.length - 1];
    }

}
