package org.secmon.dataplane;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The documented tunables are read, and a value out of range is refused with the property named. */
class ConfigurationTest {
    @Test
    void burstSizeAndScanIntervalAreReadAndChecked() {
        try {
            assertEquals(Configuration.BURST_SIZE_DEFAULT, Configuration.burstSize());
            assertEquals(Configuration.PLUGINS_SCAN_MS_DEFAULT, Configuration.pluginsScanMillis());
            System.setProperty(Configuration.BURST_SIZE_PROP_NAME, "64");
            System.setProperty(Configuration.PLUGINS_SCAN_MS_PROP_NAME, "500");
            assertEquals(64, Configuration.burstSize());
            assertEquals(500, Configuration.pluginsScanMillis());
            System.setProperty(Configuration.BURST_SIZE_PROP_NAME, "0");
            System.setProperty(Configuration.PLUGINS_SCAN_MS_PROP_NAME, "5");
            assertTrue(assertThrows(IllegalArgumentException.class, Configuration::burstSize).getMessage()
                    .contains("secmon.rx.burst=0: must be 1..512"));
            assertTrue(assertThrows(IllegalArgumentException.class, Configuration::pluginsScanMillis).getMessage()
                    .contains("secmon.plugins.scan.ms=5"));
        } finally {
            System.clearProperty(Configuration.BURST_SIZE_PROP_NAME);
            System.clearProperty(Configuration.PLUGINS_SCAN_MS_PROP_NAME);
        }
    }
}
