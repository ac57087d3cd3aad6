package org.secmon.ems.server;

import java.io.StringWriter;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/** Certification requests for the CA tests: an EC P-256 key, or an RSA key of a chosen size. */
final class Csr {
    private Csr() {
    }

    static String make(String cn) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return sign(g.generateKeyPair(), cn, "SHA256withECDSA");
    }

    static String makeRsa(String cn, int bits) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(bits);
        return sign(g.generateKeyPair(), cn, "SHA256withRSA");
    }

    private static String sign(KeyPair kp, String cn, String alg) throws Exception {
        var csr = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=" + cn), kp.getPublic())
                .build(new JcaContentSignerBuilder(alg).build(kp.getPrivate()));
        StringWriter w = new StringWriter();
        try (JcaPEMWriter p = new JcaPEMWriter(w)) {
            p.writeObject(csr);
        }
        return w.toString();
    }
}
