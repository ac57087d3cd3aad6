package org.secmon.ems.server;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.secmon.ems.server.store.Backup;
import org.secmon.ems.server.store.Store;
import org.secmon.ems.server.store.StoreException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code secmon ems backup}: every key of the store, at one revision, into a file. */
@Command(name = "backup", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write every key of the EMS's store (embedded: --data-dir; Consul: --store consul"
                + " --consul-url ...) at one revision to a JSON file, mode 0600 (it holds password and token hashes"
                + " and the appliance CA's key: keep it as you keep the store). Consul: safe while EMS instances"
                + " run (one consistent read). Embedded: stop the EMS first (it locks its store file).",
            "Restore it with: secmon ems restore --in FILE"})
final class BackupCommand implements Callable<Integer> {
    @ParentCommand
    Main parent;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE", description = "the backup file to write")
    Path out;

    @Override
    public Integer call() {
        try (Store s = parent.openStore()) {
            Backup.Summary r = Backup.write(s, out);
            System.out.printf("backed up %d keys of %s at revision %d (schema version %d) to %s%n", r.keys(),
                    s.describe(), r.revision(), r.schemaVersion(), out);
            return 0;
        } catch (StoreException e) {
            System.err.println("secmon ems backup: " + e.getMessage());
            return 3;
        } catch (java.io.IOException e) {
            System.err.println("secmon ems backup: cannot write " + out + ": " + e.getMessage());
            return 3;
        }
    }
}
