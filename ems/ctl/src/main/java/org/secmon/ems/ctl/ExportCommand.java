package org.secmon.ems.ctl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.secmon.ems.api.client.EmsClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "export", description = "Print the configuration in the form apply reads (references by name; "
        + "no ids, no passwords, no appliances).")
final class ExportCommand extends CtlCommand {
    @Option(names = {"-s", "--scope"}, description = "only these scopes and their contents (repeatable)")
    List<String> scopes = new ArrayList<>();
    @Option(names = {"-o", "--output"}, defaultValue = "yaml", description = "yaml or json")
    String output;
    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "write to FILE instead of stdout")
    Path file;

    @Override
    public Integer call() throws IOException {
        Output.Format f = Output.format(output);
        if (f != Output.Format.YAML && f != Output.Format.JSON) {
            throw new CtlException("export writes yaml or json, not " + output);
        }
        ObjectNode doc;
        try (EmsClient ems = ctl.client()) {
            doc = new ConfigSync(ems).export(scopes);
        }
        String text = f == Output.Format.YAML ? Output.yaml(doc) : Output.json(doc) + "\n";
        if (file == null) {
            ctl.out().print(text);
            ctl.out().flush();
        } else {
            Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".export", ".tmp");
            Files.writeString(tmp, text);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            ctl.err().println("exported to " + file);
        }
        return 0;
    }
}
