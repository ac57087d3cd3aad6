package org.secmon.ems.server.store;

import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.secmon.testkit.ConsulServer;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The store contract against a real Consul agent ({@code consul agent -dev} on loopback). */
class ConsulStoreTest extends StoreContract {
    static ConsulServer consul;

    @BeforeAll
    static void startConsul() throws Exception {
        consul = ConsulServer.dev();
    }

    @AfterAll
    static void stopConsul() throws Exception {
        if (consul != null) {
            consul.close();
        }
    }

    private String prefix;

    @Override
    Store open() throws Exception {
        prefix = "secmon-test-" + UUID.randomUUID() + "/";
        return new ConsulStore(consul.url(), prefix, null);
    }

    @Override
    Store reopen(Store s) throws Exception {
        s.close();
        return new ConsulStore(consul.url(), prefix, null);
    }

    @Test
    void unreachableConsulIsAClearError() throws Exception {
        StoreException e = assertThrows(StoreException.class,
                () -> new ConsulStore("http://127.0.0.1:1", "x/", null));
        assertTrue(e.getMessage().contains("unreachable"), e.getMessage());
        StoreException bad = assertThrows(StoreException.class, () -> new ConsulStore("nonsense", "x/", null));
        assertTrue(bad.getMessage().contains("bad Consul URL"), bad.getMessage());
    }
}
