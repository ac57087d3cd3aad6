package org.secmon.agent;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.testkit.Tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * docs/grafana/secmon-dashboard.json conforms to Grafana's own dashboard schema (@grafana/schema's Dashboard type,
 * checked by tsc: scripts/grafana-check); a copy with a wrong type or an unknown key does not — the check can fail.
 * (That its queries run and return data against a real Prometheus is PrometheusScrapeTest's.)
 */
class GrafanaDashboardSchemaTest {
    private static final Path DASHBOARD = Path.of("../docs/grafana/secmon-dashboard.json");

    @Test
    void theDashboardConformsToGrafanasSchema(@TempDir Path dir) throws Exception {
        Path check = Tools.require("grafana-dashboard-check");
        Tools.Result ok = Tools.exec(List.of(check.toString(), DASHBOARD.toString()), 180);
        assertEquals(0, ok.exitCode(), ok.out() + ok.err());

        String json = Files.readString(DASHBOARD);
        Path wrongType = dir.resolve("wrong-type.json");
        Files.writeString(wrongType, json.replaceFirst("\"h\": 4", "\"h\": \"tall\""));
        Tools.Result bad = Tools.exec(List.of(check.toString(), wrongType.toString()), 180);
        assertNotEquals(0, bad.exitCode(), "a string grid height passed: " + bad.out());

        Path unknownKey = dir.resolve("unknown-key.json");
        Files.writeString(unknownKey, json.replaceFirst("\"panels\":", "\"panelz\":"));
        Tools.Result unknown = Tools.exec(List.of(check.toString(), unknownKey.toString()), 180);
        assertNotEquals(0, unknown.exitCode(), "an unknown key passed: " + unknown.out());
    }
}
