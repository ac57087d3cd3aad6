package org.secmon.dataplane.ingest;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TunnelInterfacesTest {
    @Test
    void looksUpWhatWasMappedAndNothingElse() {
        TunnelInterfaces t = TunnelInterfaces.parse(List.of("100=1", "101=2", "4294967295=65535", "0=7"));
        assertEquals(1, t.lookup(100));
        assertEquals(2, t.lookup(101));
        assertEquals(65535, t.lookup(4294967295L));
        assertEquals(7, t.lookup(0));
        assertEquals(-1, t.lookup(102));
        assertEquals(-1, TunnelInterfaces.NONE.lookup(100));
        // many entries: the probe wraps and still finds each
        Map<Long, Integer> many = new java.util.HashMap<>();
        for (long i = 0; i < 500; i++) {
            many.put(i * 7919, (int) i);
        }
        TunnelInterfaces m = TunnelInterfaces.of(many);
        for (long i = 0; i < 500; i++) {
            assertEquals((int) i, m.lookup(i * 7919));
        }
        assertEquals(-1, m.lookup(3));
    }

    @Test
    void refusesWhatCannotBeExported() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TunnelInterfaces.parse(List.of("100:1")));
        assertTrue(e.getMessage().contains("TUNNEL-ID=IFINDEX"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TunnelInterfaces.parse(List.of("100=70000")));
        assertThrows(IllegalArgumentException.class, () -> TunnelInterfaces.parse(List.of("-1=1")));
        assertThrows(IllegalArgumentException.class, () -> TunnelInterfaces.parse(List.of("5=1", "5=2")));
    }
}
