package org.secmon.console.flows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.secmon.ems.api.Json;

/** The flows an appliance reported become rows by column name, with the server or query name beside the tuple. */
class FlowsViewModelTest {
    private static JsonNode json(String s) throws Exception {
        return Json.mapper().readTree(s);
    }

    @Test
    void rowsTakeTheirValuesByColumnName() throws Exception {
        JsonNode report = json("""
                {"name": "edge-1", "reported_at": "2026-12-03T01:19:00Z", "flows": {
                  "netflow": {"note": "top 2 of 35 flows in the cache by bytes since their last export",
                    "columns": ["proto", "source", "destination", "name", "packets", "bytes", "flags", "age s",
                                "idle s"],
                    "rows": [["TCP", "10.1.0.12:40212", "10.2.0.43:443", "api.intranet.example.org", 5, 1100,
                              "SPA", "0.3", "0.0"],
                             ["UDP", "10.2.0.53:53", "10.1.0.12:40222", "-", 116, 9976, "-", "38.3", "0.3"]]},
                  "other": {"error": "plugin other's data-plane thread did not answer within 1000 ms"}}}""");
        List<FlowRow> rows = FlowsViewModel.rows(report);
        assertEquals(2, rows.size());
        FlowRow tls = rows.get(0);
        assertEquals("api.intranet.example.org", tls.name());
        assertEquals("10.2.0.43:443", tls.destination());
        assertEquals(1100, tls.bytes());
        assertEquals(5, tls.packets());
        assertEquals("netflow", tls.plugin());
        assertEquals("0.3", tls.age());
        assertEquals("netflow: top 2 of 35 flows in the cache by bytes since their last export; other: not listed:"
                + " plugin other's data-plane thread did not answer within 1000 ms; reported 2026-12-03T01:19:00Z",
                FlowsViewModel.describe(report));

        // a cache that lists other columns: what it has, blanks for the rest
        JsonNode fewer = json("""
                {"flows": {"netflow": {"columns": ["bytes", "source"], "rows": [[7, "10.0.0.1"]]}}}""");
        FlowRow r = FlowsViewModel.rows(fewer).getFirst();
        assertEquals(7, r.bytes());
        assertEquals("10.0.0.1", r.source());
        assertEquals("", r.name());
        assertTrue(FlowsViewModel.describe(json("{}")).startsWith("no flows reported"));
    }

    @Test
    void theFilterLooksAtTupleAndName() {
        FlowRow r = new FlowRow("netflow", "TCP", "10.1.0.12:40212", "10.2.0.43:443", "api.intranet.example.org", 5,
                1100, "SPA", "0.3", "0.0");
        assertTrue(r.matches(""));
        assertTrue(r.matches("INTRANET"));
        assertTrue(r.matches(":443"));
        assertTrue(r.matches("tcp"));
        assertFalse(r.matches("udp"));
        assertFalse(r.matches("shop.example"));
    }
}
