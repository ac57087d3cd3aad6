package org.secmon.console.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.Test;

import org.secmon.console.core.Dispatch;
import org.secmon.ems.api.Json;

/** Rates from reported counters: per second over the reporting interval, no sample without a new report. */
class DashboardViewModelTest {
    private static ObjectNode report(String at, long rx, long flows, long datagrams, long forwarded) {
        ObjectNode r = Json.mapper().createObjectNode();
        r.put("reported_at", at);
        ObjectNode c = r.putObject("counters");
        c.put("rx_packets", rx).put("rx_bytes", rx * 100).put("malformed", 0);
        ObjectNode p = c.putObject("plugins");
        p.putObject("netflow").put("state", "running").put("flows_active", flows).put("datagrams", datagrams);
        p.putObject("rawforward").put("state", "running").put("packets_sent", forwarded);
        return r;
    }

    @Test
    void ratesFollowTheReports() {
        DashboardViewModel vm = new DashboardViewModel(Dispatch.direct(), null);
        ApplianceRow a = new ApplianceRow("a1", "edge", "demo", "up", 3L, 3L, "netflow 0.1", "");
        vm.appliances().add(a);
        vm.selectedProperty().set(a); // its counters fetch fails without an EMS: fed by hand below
        vm.addSample("a1", report("2026-11-22T10:00:00Z", 1000, 10, 5, 0));
        assertTrue(vm.rates().isEmpty(), "one report is not a rate yet");
        vm.addSample("a1", report("2026-11-22T10:00:05Z", 11000, 12, 25, 500));
        assertEquals(1, vm.rates().size());
        DashboardViewModel.Rate r = vm.rates().getFirst();
        assertEquals(5.0, r.t());
        assertEquals(2000.0, r.packetsPerSecond(), 1e-9);
        assertEquals(12, r.flows());
        assertEquals((20 + 500) / 5.0, r.exportsPerSecond(), 1e-9);
        vm.addSample("a1", report("2026-11-22T10:00:05Z", 11000, 12, 25, 500));
        assertEquals(1, vm.rates().size(), "the same report polled twice adds nothing");
        // the agent restarted: counters start again from 0, no negative rate
        vm.addSample("a1", report("2026-11-22T10:00:10Z", 500, 1, 1, 0));
        assertEquals(100.0, vm.rates().get(1).packetsPerSecond(), 1e-9);
        vm.addSample("other", report("2026-11-22T10:00:15Z", 9_000_000, 1, 1, 0));
        assertEquals(2, vm.rates().size(), "counters of an appliance no longer selected are ignored");
        assertTrue(vm.detailsProperty().get().contains("netflow: state running"), vm.detailsProperty().get());
    }

    @Test
    void detailsListTheMirrorTunnels() {
        DashboardViewModel vm = new DashboardViewModel(Dispatch.direct(), null);
        ApplianceRow a = new ApplianceRow("a1", "edge", "demo", "up", 3L, 3L, "netflow 0.1", "");
        vm.selectedProperty().set(a);
        ObjectNode r = report("2026-11-22T10:00:00Z", 1000, 10, 5, 0);
        ObjectNode c = (ObjectNode) r.get("counters");
        c.put("skipped", 2).put("duplicates_dropped", 40);
        c.putArray("observation_points").addObject().put("point", "erspan-ii 10.0.0.7 session 100")
                .put("packets", 600).put("bytes", 72000);
        vm.addSample("a1", r);
        String d = vm.detailsProperty().get();
        assertTrue(d.contains("skipped 2, duplicates dropped 40"), d);
        assertTrue(d.contains("tunnel erspan-ii 10.0.0.7 session 100: packets 600, bytes 72000"), d);
    }

    @Test
    void keepsABoundedHistory() {
        DashboardViewModel vm = new DashboardViewModel(Dispatch.direct(), null);
        ApplianceRow a = new ApplianceRow("a1", "edge", "demo", "up", 1L, 1L, "", "");
        vm.selectedProperty().set(a); // its counters fetch fails without an EMS: fed by hand below
        java.time.Instant t = java.time.Instant.parse("2026-11-22T10:00:00Z");
        for (int i = 0; i < DashboardViewModel.KEEP + 20; i++) {
            vm.addSample("a1", report(t.plusSeconds(5L * i).toString(), 100L * i, 1, i, 0));
        }
        assertEquals(DashboardViewModel.KEEP, vm.rates().size());
        assertEquals(5.0 * (DashboardViewModel.KEEP + 19), vm.rates().getLast().t());
    }

    @Test
    void syncColumnSaysWhetherTheApplianceCaughtUp() {
        assertEquals("in sync (4)", new ApplianceRow("i", "n", "s", "up", 4L, 4L, "", "").sync());
        assertEquals("behind: 3 of 4", new ApplianceRow("i", "n", "s", "up", 3L, 4L, "", "").sync());
        assertEquals("not applied yet (wants 4)", new ApplianceRow("i", "n", "s", "up", null, 4L, "", "").sync());
        ObjectNode a = Json.mapper().createObjectNode().put("id", "x").put("name", "edge").put("scope", "s1")
                .put("status", "up").put("applied_version", 2).put("desired_version", 2);
        a.putObject("capabilities").put("netflow", "0.1.0").put("sflow", "0.1.0");
        ApplianceRow r = ApplianceRow.of(a, Map.of("s1", "demo"));
        assertEquals("demo", r.scope());
        assertEquals("netflow 0.1.0, sflow 0.1.0", r.plugins());
    }
}
