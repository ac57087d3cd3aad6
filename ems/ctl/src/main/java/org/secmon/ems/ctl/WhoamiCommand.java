package org.secmon.ems.ctl;

import org.secmon.ems.api.client.EmsClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "whoami", description = "Who the token belongs to: user, roles, permissions, projects.")
final class WhoamiCommand extends CtlCommand {
    @Mixin
    OutputOption output;

    @Override
    public Integer call() {
        try (EmsClient ems = ctl.client()) {
            Output.printOne(ctl.out(), output.format(), ems.whoami());
        }
        return 0;
    }
}
