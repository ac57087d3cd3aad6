package org.secmon.ems.ctl;

import java.io.IOException;

import org.secmon.ems.api.client.EmsClient;
import org.secmon.ems.api.client.EmsException;
import picocli.CommandLine.Command;

@Command(name = "logout", description = "Revoke the saved token and forget it.")
final class LogoutCommand extends CtlCommand {
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
