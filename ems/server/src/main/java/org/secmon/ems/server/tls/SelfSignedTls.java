package org.secmon.ems.server.tls;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * {@code --tls-self-signed}: the EMS's own certificate (EC P-256, made with BouncyCastle), kept in the data directory
 * ({@code tls/ems.p12}, its password beside it, both readable only by the owner) so that it survives restarts and
 * clients that pinned its fingerprint keep trusting it. Subject alternative names: localhost, 127.0.0.1, ::1, the
 * host name and the listen address.
 */
public final class SelfSignedTls {
    private static final String ALIAS = "ems";

    private final PrivateKey key;
    private final X509Certificate certificate;
    private final List<X509Certificate> chain;
    private final boolean created;

    private SelfSignedTls(PrivateKey key, X509Certificate certificate, boolean created) {
        this(key, List.of(certificate), created);
    }

    private SelfSignedTls(PrivateKey key, List<X509Certificate> chain, boolean created) {
        this.key = key;
        this.certificate = chain.getFirst();
        this.chain = List.copyOf(chain);
        this.created = created;
    }

    /** The certificate and its issuers, as the server presents them. */
    public List<X509Certificate> chain() {
        return chain;
    }

    /**
     * {@code --tls-cert FILE --tls-key FILE}: the operator's own certificate (PEM, the server's first, then its
     * issuers) and private key (PEM: PKCS#8, or traditional RSA/EC).
     */
    public static SelfSignedTls fromPem(Path certFile, Path keyFile) throws IOException {
        List<X509Certificate> chain = new ArrayList<>();
        try (org.bouncycastle.openssl.PEMParser p = new org.bouncycastle.openssl.PEMParser(
                Files.newBufferedReader(certFile))) {
            Object o;
            while ((o = p.readObject()) != null) {
                if (o instanceof org.bouncycastle.cert.X509CertificateHolder h) {
                    chain.add(new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter().getCertificate(h));
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IOException(certFile + ": " + e.getMessage(), e);
        }
        if (chain.isEmpty()) {
            throw new IOException(certFile + ": no PEM certificate (BEGIN CERTIFICATE) in it");
        }
        PrivateKey key;
        try (org.bouncycastle.openssl.PEMParser p = new org.bouncycastle.openssl.PEMParser(
                Files.newBufferedReader(keyFile))) {
            Object o = p.readObject();
            org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter conv = new org.bouncycastle.openssl.jcajce
                    .JcaPEMKeyConverter();
            if (o instanceof org.bouncycastle.openssl.PEMKeyPair kp) {
                key = conv.getKeyPair(kp).getPrivate();
            } else if (o instanceof org.bouncycastle.asn1.pkcs.PrivateKeyInfo pki) {
                key = conv.getPrivateKey(pki);
            } else {
                throw new IOException(keyFile + ": no unencrypted PEM private key in it");
            }
        }
        try {
            chain.getFirst().checkValidity();
        } catch (GeneralSecurityException e) {
            throw new IOException(certFile + ": the certificate is not valid now (" + e.getMessage() + ")", e);
        }
        return new SelfSignedTls(key, chain, false);
    }

    public PrivateKey key() {
        return key;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** Whether this start made the certificate (else it was loaded). */
    public boolean created() {
        return created;
    }

    /** SHA-256 of the DER certificate, as {@code AB:CD:...} (what clients pin). */
    public String fingerprint() {
        return fingerprint(certificate);
    }

    public static String fingerprint(X509Certificate c) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(c.getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(d);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Loads the certificate of {@code dir}, or makes one for {@code listenHost} and keeps it there. */
    public static SelfSignedTls loadOrCreate(Path dir, String listenHost) throws IOException {
        Path p12 = dir.resolve("ems.p12");
        Path pass = dir.resolve("ems.p12.password");
        try {
            if (Files.exists(p12) && Files.exists(pass)) {
                char[] pw = Files.readString(pass).strip().toCharArray();
                KeyStore ks = KeyStore.getInstance("PKCS12");
                try (InputStream in = Files.newInputStream(p12)) {
                    ks.load(in, pw);
                }
                X509Certificate c = (X509Certificate) ks.getCertificate(ALIAS);
                PrivateKey k = (PrivateKey) ks.getKey(ALIAS, pw);
                if (c == null || k == null) {
                    throw new IOException(p12 + ": no '" + ALIAS + "' key entry; move the file away to make a new"
                            + " certificate");
                }
                c.checkValidity();
                return new SelfSignedTls(k, c, false);
            }
            Files.createDirectories(dir);
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
            KeyPair kp = g.generateKeyPair();
            X509Certificate c = certificate(kp, names(listenHost));
            char[] pw = Base64.getUrlEncoder().withoutPadding().encodeToString(random(24)).toCharArray();
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry(ALIAS, kp.getPrivate(), pw, new X509Certificate[] {c});
            writePrivate(pass, new String(pw).getBytes(StandardCharsets.UTF_8));
            Path tmp = dir.resolve("ems.p12.tmp");
            try (OutputStream out = Files.newOutputStream(tmp)) {
                ks.store(out, pw);
            }
            restrict(tmp);
            Files.move(tmp, p12, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return new SelfSignedTls(kp.getPrivate(), c, true);
        } catch (GeneralSecurityException e) {
            throw new IOException("TLS certificate in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static Set<String> names(String listenHost) {
        Set<String> n = new LinkedHashSet<>(List.of("localhost", "127.0.0.1", "::1"));
        try {
            n.add(InetAddress.getLocalHost().getHostName());
        } catch (IOException ignored) {
            // no host name: the others still work
        }
        if (listenHost != null && !listenHost.isBlank() && !listenHost.equals("0.0.0.0") && !listenHost.equals("::")) {
            n.add(listenHost);
        }
        return n;
    }

    private static X509Certificate certificate(KeyPair kp, Set<String> names) throws GeneralSecurityException {
        try {
            X500Name subject = new X500Name("CN=SecMon EMS,O=SecMon");
            Instant now = Instant.now();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, new BigInteger(64,
                    new SecureRandom()).abs().add(BigInteger.ONE), Date.from(now.minus(Duration.ofMinutes(5))),
                    Date.from(now.plus(Duration.ofDays(825))), subject, kp.getPublic());
            List<GeneralName> sans = new ArrayList<>();
            for (String n : names) {
                boolean ip = n.matches("[0-9.]+") || n.contains(":");
                sans.add(new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, n));
            }
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate());
            return new JcaX509CertificateConverter().getCertificate(b.build(signer));
        } catch (org.bouncycastle.operator.OperatorCreationException | IOException e) {
            throw new GeneralSecurityException("cannot make the certificate: " + e.getMessage(), e);
        }
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }

    private static void writePrivate(Path file, byte[] content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, content);
        restrict(tmp);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void restrict(Path f) throws IOException {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("win")) {
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        }
    }
}
