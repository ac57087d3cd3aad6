package org.secmon.console.login;

import java.net.URI;
import java.time.Duration;
import java.util.function.Consumer;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;

import org.secmon.console.core.Dispatch;
import org.secmon.console.core.Session;
import org.secmon.console.core.ViewModel;
import org.secmon.ems.api.client.EmsClient;
import org.secmon.ems.api.client.EmsException;
import org.secmon.ems.api.client.PinnedTrust;

/**
 * Login: EMS URL, user and password. An HTTPS EMS whose certificate the JDK does not trust (the EMS's self-signed
 * one) raises a trust prompt with the certificate's SHA-256 fingerprint, to compare with the one the EMS printed at
 * start; accepting pins it (remembered in {@link KnownEms}), rejecting stops.
 */
public final class LoginViewModel extends ViewModel {
    private final StringProperty url = new SimpleStringProperty("http://127.0.0.1:8080");
    private final StringProperty user = new SimpleStringProperty("admin");
    private final StringProperty password = new SimpleStringProperty("");
    private final ReadOnlyStringWrapper trustPrompt = new ReadOnlyStringWrapper("");
    private final KnownEms known;
    private final Consumer<Session> loggedIn;
    private String pendingFingerprint;

    public LoginViewModel(Dispatch dispatch, KnownEms known, Consumer<Session> loggedIn) {
        super(dispatch);
        this.known = known;
        this.loggedIn = loggedIn;
    }

    public StringProperty urlProperty() {
        return url;
    }

    public StringProperty userProperty() {
        return user;
    }

    public StringProperty passwordProperty() {
        return password;
    }

    /** Non-empty while the operator must decide whether to trust a certificate: the question, with the fingerprint. */
    public ReadOnlyStringProperty trustPromptProperty() {
        return trustPrompt.getReadOnlyProperty();
    }

    // ---- commands ----------------------------------------------------------------------------------------------

    public void login() {
        URI base;
        try {
            base = parseUrl(url.get());
        } catch (IllegalArgumentException e) {
            setError(e.getMessage());
            return;
        }
        if (user.get() == null || user.get().isBlank()) {
            setError("user: enter your EMS user name");
            return;
        }
        if (password.get() == null || password.get().isEmpty()) {
            setError("password: enter your password");
            return;
        }
        String name = user.get().strip();
        String pw = password.get();
        String pinned = "https".equals(base.getScheme()) ? known.get(hostPort(base)) : null;
        async("Logging in to " + base, () -> connect(base, pinned, name, pw), s -> {
            password.set("");
            loggedIn.accept(s);
        }, e -> {
            if (pinned == null && "https".equals(base.getScheme()) && isTls(e)) {
                askTrust(base);
            } else if (pinned != null && isTls(e)) {
                setError("the EMS at " + hostPort(base) + " no longer presents the certificate you accepted ("
                        + pinned + "). If it was replaced on purpose, remove its line from " + KnownEms.defaultFile()
                        + "; otherwise someone may be intercepting the connection.");
            } else {
                setError(describe(e));
            }
        });
    }

    /** The operator compared the fingerprint and trusts it: pin it and log in again. */
    public void acceptTrust() {
        URI base = parseUrl(url.get());
        String fp = pendingFingerprint;
        trustPrompt.set("");
        pendingFingerprint = null;
        if (fp == null) {
            return;
        }
        try {
            known.put(hostPort(base), fp);
        } catch (java.io.IOException e) {
            setError("could not remember the certificate (" + e.getMessage() + "); it is trusted for this session");
        }
        login();
    }

    public void rejectTrust() {
        trustPrompt.set("");
        pendingFingerprint = null;
        setError("not logged in: the EMS's certificate was not accepted");
    }

    private void askTrust(URI base) {
        async("Fetching the certificate of " + hostPort(base), () -> PinnedTrust.serverFingerprint(base), fp -> {
            pendingFingerprint = fp;
            trustPrompt.set("The EMS at " + hostPort(base) + " presents a certificate this machine does not trust.\n"
                    + "SHA-256 fingerprint:\n" + fp + "\n"
                    + "Trust it only if it is the fingerprint the EMS printed when it started.");
        });
    }

    private static Session connect(URI base, String fingerprint, String name, String pw) {
        SSLContext ssl = fingerprint == null ? null : PinnedTrust.context(fingerprint);
        EmsClient c = EmsClient.create(base, ssl, Duration.ofSeconds(5), Duration.ofSeconds(30));
        try {
            c.login(name, pw);
            return new Session(c, c.whoami());
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    static URI parseUrl(String s) {
        if (s == null || s.isBlank()) {
            throw new IllegalArgumentException("EMS URL: enter the EMS address, e.g. https://ems.example:8443");
        }
        URI u;
        try {
            u = URI.create(s.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("EMS URL: not a URL: " + s.strip());
        }
        if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https"))
                || u.getHost() == null) {
            throw new IllegalArgumentException("EMS URL: must be http://HOST:PORT or https://HOST:PORT, not "
                    + s.strip());
        }
        return u;
    }

    static String hostPort(URI u) {
        int port = u.getPort() > 0 ? u.getPort() : "https".equals(u.getScheme()) ? 443 : 80;
        return u.getHost() + ":" + port;
    }

    private static boolean isTls(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SSLException || t instanceof java.security.cert.CertificateException) {
                return true;
            }
        }
        return e instanceof EmsException x && x.unreachable() && String.valueOf(x.getMessage()).contains("PKIX");
    }
}
