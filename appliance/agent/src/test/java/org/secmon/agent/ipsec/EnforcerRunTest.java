package org.secmon.agent.ipsec;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Security issue, finding 9: the enforcer read a command's whole output before waiting for it with a timeout, so a
 * hung swanctl or nft held the agent's control thread for ever. The JUnit timeout bounds the old behaviour (a 600 s
 * sleep) so that the test fails instead of hanging.
 */
class EnforcerRunTest {
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aHungCommandIsStoppedAtItsTimeout() {
        IOException e = assertThrows(IOException.class,
                () -> Enforcer.run(List.of("/bin/sh", "-c", "echo started; sleep 600"), null, Map.of(), 1));
        assertTrue(e.getMessage().contains("did not finish in 1 s"), e.getMessage());
    }

    @Test
    void outputInputAndExitCodeAsBefore() throws Exception {
        Enforcer.Result r = Enforcer.run(List.of("/bin/sh", "-c", "cat; echo err >&2; exit 3"), "in\n", Map.of(), 10);
        assertEquals(3, r.code());
        assertEquals("in\nerr\n", r.out());
    }
}
