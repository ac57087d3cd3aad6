package org.secmon.ems.ctl;

import java.io.Console;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.secmon.ems.api.client.EmsClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "login", description = "Log in to an EMS and remember the token (file readable only by you).")
final class LoginCommand extends CtlCommand {
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
        } else if (ctl.env("SECMON_PASSWORD") != null) {
            password = ctl.env("SECMON_PASSWORD");
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
        try (EmsClient ems = Ctl.open(url, fp)) {
            EmsClient.Login l = ems.login(user, password);
            new Session(url, user, l.token(), l.expiresAt(), fp).save(ctl.sessionFile());
            ctl.out().println("logged in to " + url + " as " + user + " (token expires " + l.expiresAt() + ")");
        }
        return 0;
    }
}
