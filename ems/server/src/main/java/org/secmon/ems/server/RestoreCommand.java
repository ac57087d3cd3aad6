package org.secmon.ems.server;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.secmon.ems.server.store.Backup;
import org.secmon.ems.server.store.Schema;
import org.secmon.ems.server.store.Store;
import org.secmon.ems.server.store.StoreException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code secmon ems restore}: a backup into an empty store (or, with --force, in place of everything in it). */
@Command(name = "restore", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Restore a file written by 'secmon ems backup' into the store (embedded: --data-dir; Consul:"
                + " --store consul ...), which must be empty unless --force. Stop every EMS on the store first. The"
                + " data is then migrated to this release's schema. An interrupted restore leaves a mark the EMS"
                + " refuses to start on: run the restore again."})
final class RestoreCommand implements Callable<Integer> {
    @ParentCommand
    Main parent;

    @Option(names = {"-i", "--in"}, required = true, paramLabel = "FILE", description = "the backup file")
    Path in;

    @Option(names = "--force", description = "replace everything in a store that is not empty")
    boolean force;

    @Override
    public Integer call() {
        Backup.Contents c;
        try {
            c = Backup.read(in); // checked whole before the store is touched
        } catch (StoreException e) {
            System.err.println("secmon ems restore: " + e.getMessage());
            return 2;
        }
        try (Store s = parent.openStore()) {
            Backup.Summary r = Backup.restore(s, c, force);
            System.out.printf("restored %d keys (backup of revision %d, made %s, schema version %d%s) into %s%n",
                    r.keys(), r.revision(), c.createdAt(), r.schemaVersion(), r.schemaVersion() < Schema.CURRENT
                            ? ", migrated to " + Schema.CURRENT : "", s.describe());
            return 0;
        } catch (StoreException e) {
            System.err.println("secmon ems restore: " + e.getMessage());
            return 3;
        }
    }
}
