package org.secmon.ems.api.client;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.Locale;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Trust by certificate fingerprint, as SSH trusts host keys: the EMS's self-signed certificate is accepted when its
 * SHA-256 fingerprint is the one the operator confirmed (the EMS prints it at start), and nothing else is.
 */
public final class PinnedTrust {
    private PinnedTrust() {
    }

    /** {@code AB:CD:...} (any case, ':' optional) to the canonical upper-case, colon-separated form. */
    public static String normalize(String fingerprint) {
        String hex = fingerprint.replace(":", "").replace("SHA256", "").replace("sha256", "").strip()
                .toUpperCase(Locale.ROOT);
        if (!hex.matches("[0-9A-F]{64}")) {
            throw new IllegalArgumentException("a SHA-256 fingerprint is 32 bytes in hex (AB:CD:...), not '"
                    + fingerprint + "'");
        }
        return HexFormat.ofDelimiter(":").withUpperCase().formatHex(HexFormat.of().parseHex(hex));
    }

    public static String fingerprint(X509Certificate c) {
        try {
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(c.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An SSL context that accepts exactly the server certificate with this fingerprint. */
    public static SSLContext context(String fingerprint) {
        String want = normalize(fingerprint);
        // an extended trust manager: the JDK then leaves the host name check to it, and a pin needs none (the
        // certificate is the identity, as an SSH host key is; an EMS behind NAT or a floating IP is reached by an
        // address its certificate does not name). A plain X509TrustManager gets the JDK's host name check on top
        javax.net.ssl.X509ExtendedTrustManager tm = new javax.net.ssl.X509ExtendedTrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                throw new CertificateException("client certificates are not checked here");
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, java.net.Socket socket)
                    throws CertificateException {
                checkClientTrusted(chain, authType);
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, javax.net.ssl.SSLEngine engine)
                    throws CertificateException {
                checkClientTrusted(chain, authType);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, java.net.Socket socket)
                    throws CertificateException {
                checkServerTrusted(chain, authType);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, javax.net.ssl.SSLEngine engine)
                    throws CertificateException {
                checkServerTrusted(chain, authType);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                if (chain == null || chain.length == 0) {
                    throw new CertificateException("no server certificate");
                }
                String got = fingerprint(chain[0]);
                if (!got.equals(want)) {
                    throw new CertificateException("the EMS's certificate has fingerprint " + got + ", not the "
                            + "trusted " + want);
                }
                chain[0].checkValidity();
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {tm}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The fingerprint of the certificate the server at {@code https://...} presents, read in a handshake that sends
     * nothing else (for the "not trusted; its fingerprint is ..." message).
     */
    public static String serverFingerprint(URI https) throws IOException {
        X509Certificate[] seen = new X509Certificate[1];
        X509TrustManager record = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                throw new CertificateException("not a server");
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
                seen[0] = chain.length > 0 ? chain[0] : null;
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {record}, null);
            int port = https.getPort() > 0 ? https.getPort() : 443;
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket()) {
                s.connect(new InetSocketAddress(https.getHost(), port), 5000);
                s.setSoTimeout(5000);
                s.startHandshake();
            }
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
        if (seen[0] == null) {
            throw new IOException("the server at " + https + " presented no certificate");
        }
        return fingerprint(seen[0]);
    }
}
