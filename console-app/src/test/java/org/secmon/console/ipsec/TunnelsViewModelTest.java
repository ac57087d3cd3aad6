package org.secmon.console.ipsec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.secmon.ems.api.Json;

/** A tunnel's row takes the SA state its enforcer reported under the tunnel's strongSwan connection name. */
class TunnelsViewModelTest {
    private static JsonNode json(String s) throws Exception {
        return Json.mapper().readTree(s);
    }

    @Test
    void rowsShowTheStateReportedUnderTheConnectionName() throws Exception {
        JsonNode tunnel = json("""
                {"name": "to analytics", "appliance": "a1", "local_address": "10.0.0.1",
                 "remote_address": "10.0.0.2", "dscp": 46}""");
        JsonNode report = json("""
                {"name": "gw", "reported_at": "2026-11-22T10:00:00Z", "counters": {"ipsec": {"tunnels": {
                  "secmon-to_analytics": {"ike": "established", "child": "installed", "esp": "AES_GCM_16-128",
                                          "bytes_in": 120, "bytes_out": 4500}}}}}""");
        TunnelRow r = TunnelsViewModel.row(tunnel, Map.of("a1", "appliance-1"), report);
        assertEquals("established", r.ike());
        assertEquals("installed", r.child());
        assertEquals(4500, r.bytesOut());
        assertEquals("appliance-1", r.appliance());
        assertEquals("46", r.dscp());

        // run by a registered enforcer, not reported yet; unknown without a report
        JsonNode byEnforcer = json("""
                {"name": "t2", "enforcer": "e1", "local_address": "10.0.0.3", "remote_address": "10.0.0.4"}""");
        assertEquals("e1", TunnelsViewModel.runBy(byEnforcer));
        assertEquals("not reported", TunnelsViewModel.row(byEnforcer, Map.of(), report).ike());
        assertEquals("unknown", TunnelsViewModel.row(byEnforcer, Map.of(), null).ike());
        assertEquals("all", TunnelsViewModel.row(byEnforcer, Map.of(), null).dscp());
    }
}
