package org.secmon.ems.server.store;

import java.nio.file.Path;

import org.junit.jupiter.api.io.TempDir;

class EmbeddedStoreTest extends StoreContract {
    @TempDir
    Path dir;

    @Override
    Store open() throws Exception {
        return new EmbeddedStore(dir.resolve("ems.mv"), true);
    }

    @Override
    Store reopen(Store s) throws Exception {
        s.close();
        return new EmbeddedStore(dir.resolve("ems.mv"), true);
    }
}
