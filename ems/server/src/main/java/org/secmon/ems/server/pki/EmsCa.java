package org.secmon.ems.server.pki;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.secmon.ems.server.http.ApiException;
import org.secmon.ems.server.store.Repository;
import org.secmon.ems.server.store.StoreException;

/**
 * The EMS's small certificate authority for IPsec (BouncyCastle): an EC P-256 root made on first use and kept in the
 * store (table {@code pki}, never served), which signs certification requests — enforcers send a CSR, so their
 * private keys never leave them. Certificates name their holder in the subject (CN) and as a DNS subject
 * alternative name, which is the IKE identity.
 * <p>
 * Every issued certificate is recorded ({@code pki/cert-SERIAL}: name, owner, expiry). Certificates are revoked when
 * their owner — an appliance or an IPsec enforcer — is deleted (by hand or by the health checker), or by an
 * administrator; {@link #crlPem} is the CA's signed CRL of them, which enforcers fetch and load into strongSwan so
 * that a removed node's certificate no longer authenticates anywhere.
 */
public final class EmsCa {
    private static final String TABLE = "pki";
    private static final String ID = "ca";

    private final Repository repo;

    public EmsCa(Repository repo) {
        this.repo = repo;
    }

    /** The CA certificate (PEM), made on first use. */
    public String caPem() throws StoreException {
        return (String) ca()[1];
    }

    /** Signs a PKCS#10 request (PEM) for {@code name} (a DNS-style identity), valid {@code days}; answers PEM. */
    public String sign(String csrPem, String name, int days) throws StoreException {
        return sign(csrPem, name, days, null);
    }

    /**
     * As {@link #sign(String, String, int)}, recording {@code owner} (an appliance's or enforcer's id, or null for a
     * peer certificate an administrator asked for), whose deletion revokes it.
     */
    public String sign(String csrPem, String name, int days, String owner) throws StoreException {
        return sign(csrPem, name, days, owner, owner == null ? "unknown" : owner);
    }

    /** Issuances one owner (or, for peer certificates, one requester) may have per hour. */
    public static final int ISSUANCES_PER_HOUR = Integer.getInteger("secmon.ems.ca.issuances.per.hour", 10);

    /**
     * As {@link #sign(String, String, int, String)}: refused when another owner holds an unrevoked certificate of
     * the same name (409), when the key is not EC P-256/P-384/P-521, Ed25519 or RSA of 2048-8192 bits (422), or
     * when the owner (the requester, for peer certificates) had {@link #ISSUANCES_PER_HOUR} certificates in the
     * last hour (429); every issuance is audited as {@code requestedBy}.
     */
    public String sign(String csrPem, String name, int days, String owner, String requestedBy)
            throws StoreException {
        if (name == null || !name.matches("[A-Za-z0-9]([A-Za-z0-9.-]{0,250}[A-Za-z0-9])?")) {
            throw ApiException.invalid("name", "must be a DNS-style name (letters, digits, '.', '-')");
        }
        PKCS10CertificationRequest csr;
        try (PEMParser p = new PEMParser(new StringReader(csrPem == null ? "" : csrPem))) {
            Object o = p.readObject();
            if (!(o instanceof PKCS10CertificationRequest r)) {
                throw ApiException.invalid("csr", "must be a PEM certification request (BEGIN CERTIFICATE REQUEST)");
            }
            csr = r;
            keyPolicy(new JcaPKCS10CertificationRequest(csr).getPublicKey());
            if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(csr.getSubjectPublicKeyInfo()))) {
                throw ApiException.invalid("csr", "its signature does not verify");
            }
        } catch (ApiException e) {
            throw e;
        } catch (Exception e) {
            throw ApiException.invalid("csr", "unreadable certification request: " + e.getMessage());
        }
        Object[] ca = ca();
        try {
            PrivateKey caKey = (PrivateKey) ca[0];
            X509Certificate caCert = (X509Certificate) ca[2];
            Instant now = Instant.now();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caCert,
                    new BigInteger(64, new SecureRandom()).add(BigInteger.ONE),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofDays(days))),
                    new X500Name("CN=" + name + ",O=SecMon"),
                    new JcaPKCS10CertificationRequest(csr).getPublicKey());
            b.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(new GeneralName(GeneralName.dNSName, name)));
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.authorityKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(caCert));
            X509Certificate c = new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey)));
            ObjectNode rec = JsonNodeFactory.instance.objectNode();
            rec.put("serial", c.getSerialNumber().toString(16)).put("name", name)
                    .put("not_after", c.getNotAfter().toInstant().toString())
                    .put("issued_at", Instant.now().toString());
            if (owner != null) {
                rec.put("owner", owner);
            }
            rec.put("requested_by", requestedBy);
            repo.write(changes -> {
                String limiter = owner != null ? owner : requestedBy;
                int lastHour = 0;
                for (Repository.Doc d : repo.list(TABLE)) {
                    if (!d.id().startsWith(CERT)) {
                        continue;
                    }
                    String holder = d.json().path("owner").asText(null);
                    if (name.equals(d.json().path("name").asText()) && !d.json().has("revoked_at")
                            && !java.util.Objects.equals(holder, owner)) {
                        throw ApiException.conflict("identity_taken", "the identity '" + name + "' belongs to "
                                + (holder == null ? "a peer certificate" : "another appliance or enforcer")
                                + "; revoke that certificate first", "name");
                    }
                    String by = owner != null ? holder : d.json().path("requested_by").asText(null);
                    if (limiter.equals(by) && Instant.parse(d.json().path("issued_at").asText(Instant.EPOCH
                            .toString())).isAfter(Instant.now().minus(Duration.ofHours(1)))) {
                        lastHour++;
                    }
                }
                if (lastHour >= ISSUANCES_PER_HOUR) {
                    throw ApiException.tooManyRequests(lastHour + " certificates were issued to " + (owner != null
                            ? "this owner" : "you") + " in the last hour; at most " + ISSUANCES_PER_HOUR, 3600);
                }
                changes.put(TABLE, CERT + c.getSerialNumber().toString(16), rec);
                org.secmon.ems.server.Audit.record(changes, requestedBy, "certificate_issued", null,
                        c.getSerialNumber().toString(16), name, null);
                return null;
            });
            return pem(c);
        } catch (StoreException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("signing failed: " + e.getMessage(), e);
        }
    }

    private static final String CERT = "cert-";

    /** EC P-256/P-384/P-521, Ed25519, or RSA of 2048 to 8192 bits; else 422. */
    private static void keyPolicy(java.security.PublicKey k) {
        if (k instanceof java.security.interfaces.ECPublicKey ec) {
            int bits = ec.getParams().getCurve().getField().getFieldSize();
            if (bits == 256 || bits == 384 || bits == 521) {
                return;
            }
            throw ApiException.invalid("csr", "an EC key must be on P-256, P-384 or P-521, not a " + bits + "-bit curve");
        }
        if (k instanceof java.security.interfaces.RSAPublicKey rsa) {
            int bits = rsa.getModulus().bitLength();
            if (bits >= 2048 && bits <= 8192) {
                return;
            }
            throw ApiException.invalid("csr", "an RSA key must have 2048 to 8192 bits, not " + bits);
        }
        if (k.getAlgorithm().equalsIgnoreCase("Ed25519") || k.getAlgorithm().equalsIgnoreCase("EdDSA")) {
            return;
        }
        throw ApiException.invalid("csr", "the key must be EC (P-256, P-384, P-521), Ed25519 or RSA (2048+ bits), "
                + "not " + k.getAlgorithm());
    }

    /** Every issued certificate's record (serial, name, owner, not_after, revoked_at), oldest first. */
    public java.util.List<ObjectNode> issued() {
        return repo.list(TABLE).stream().filter(d -> d.id().startsWith(CERT))
                .map(d -> (ObjectNode) d.json().deepCopy())
                .sorted(java.util.Comparator.comparing(o -> o.path("issued_at").asText())).toList();
    }

    /**
     * Revokes, within a write, every unrevoked certificate whose owner is {@code owner} (or, with {@code byName},
     * whose name is it); answers how many.
     */
    public static int revoke(Repository repo, Repository.Changes changes, String ownerOrName, boolean byName,
            String reason) {
        int n = 0;
        for (Repository.Doc d : repo.list(TABLE)) {
            if (!d.id().startsWith(CERT) || d.json().has("revoked_at")) {
                continue;
            }
            if (ownerOrName.equals(d.json().path(byName ? "name" : "owner").asText(null))) {
                ObjectNode o = d.json().deepCopy();
                o.put("revoked_at", Instant.now().toString()).put("revocation_reason", reason);
                changes.put(TABLE, d.id(), o);
                n++;
            }
        }
        return n;
    }

    /** The CA's CRL (PEM) of every revoked certificate that has not expired; valid for a day. */
    public String crlPem() throws StoreException {
        Object[] ca = ca();
        try {
            X509Certificate caCert = (X509Certificate) ca[2];
            Instant now = Instant.now();
            org.bouncycastle.cert.X509v2CRLBuilder b = new org.bouncycastle.cert.jcajce.JcaX509v2CRLBuilder(
                    caCert.getSubjectX500Principal(), Date.from(now));
            b.setNextUpdate(Date.from(now.plus(Duration.ofDays(1))));
            for (ObjectNode r : issued()) {
                if (r.has("revoked_at") && Instant.parse(r.path("not_after").asText()).isAfter(now)) {
                    b.addCRLEntry(new BigInteger(r.path("serial").asText(), 16),
                            Date.from(Instant.parse(r.path("revoked_at").asText())),
                            org.bouncycastle.asn1.x509.CRLReason.cessationOfOperation);
                }
            }
            b.addExtension(Extension.authorityKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(caCert));
            b.addExtension(Extension.cRLNumber, false,
                    new org.bouncycastle.asn1.x509.CRLNumber(BigInteger.valueOf(repo.revision())));
            org.bouncycastle.cert.X509CRLHolder crl = b.build(new JcaContentSignerBuilder("SHA256withECDSA")
                    .build((PrivateKey) ca[0]));
            return pem(crl);
        } catch (Exception e) {
            throw new IllegalStateException("making the CRL failed: " + e.getMessage(), e);
        }
    }

    /** {key, cert PEM, cert}: loaded, or made and stored once (concurrent EMS instances: the first commit wins). */
    private Object[] ca() throws StoreException {
        Repository.Doc d = repo.get(TABLE, ID);
        if (d == null) {
            ObjectNode made = make();
            repo.write(changes -> {
                if (repo.get(TABLE, ID) == null) {
                    changes.put(TABLE, ID, made);
                }
                return null;
            });
            d = repo.get(TABLE, ID);
        }
        try {
            byte[] der = Base64.getDecoder().decode(d.json().path("_key").asText());
            PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
            String certPem = d.json().path("certificate").asText();
            X509Certificate cert;
            try (PEMParser p = new PEMParser(new StringReader(certPem))) {
                cert = new JcaX509CertificateConverter().getCertificate(
                        (org.bouncycastle.cert.X509CertificateHolder) p.readObject());
            }
            return new Object[] {key, certPem, cert};
        } catch (Exception e) {
            throw new IllegalStateException("the EMS CA in the store is unreadable: " + e.getMessage(), e);
        }
    }

    private static ObjectNode make() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
            KeyPair kp = g.generateKeyPair();
            X500Name subject = new X500Name("CN=SecMon EMS CA,O=SecMon");
            Instant now = Instant.now();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, BigInteger.ONE,
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofDays(3650))), subject,
                    kp.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createSubjectKeyIdentifier(kp.getPublic()));
            X509Certificate c = new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("_key", Base64.getEncoder().encodeToString(kp.getPrivate().getEncoded()));
            o.put("certificate", pem(c));
            return o;
        } catch (Exception e) {
            throw new IllegalStateException("cannot make the EMS CA: " + e.getMessage(), e);
        }
    }

    static String pem(Object o) throws IOException {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter p = new JcaPEMWriter(w)) {
            p.writeObject(o);
        }
        return w.toString();
    }
}
