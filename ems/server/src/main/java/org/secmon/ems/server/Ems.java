package org.secmon.ems.server;

import java.time.Duration;

import org.secmon.ems.server.auth.Auth;
import org.secmon.ems.server.http.Entities;
import org.secmon.ems.server.store.Repository;
import org.secmon.ems.server.store.Store;
import org.secmon.ems.server.store.StoreException;

/** The EMS's parts, wired once and shared by the HTTP services. */
public final class Ems implements AutoCloseable {
    private final Repository repository;
    private final Entities entities;
    private final Auth auth;
    private final Metrics metrics = new Metrics();

    public Ems(Store store, Duration tokenTtl) throws StoreException {
        this.repository = new Repository(store);
        this.entities = new Entities(repository);
        this.auth = new Auth(repository, tokenTtl);
    }

    public Repository repository() {
        return repository;
    }

    public Entities entities() {
        return entities;
    }

    public Auth auth() {
        return auth;
    }

    public Metrics metrics() {
        return metrics;
    }

    @Override
    public void close() {
        repository.close();
    }
}
