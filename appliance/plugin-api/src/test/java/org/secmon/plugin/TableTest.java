package org.secmon.plugin;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A table's total, and the default merge of per-queue answers: rows up to the limit, totals added up. */
class TableTest {
    private static final SecmonPlugin PLUGIN = new SecmonPlugin() {
        @Override
        public PluginDescriptor descriptor() {
            return new PluginDescriptor("t", "1", 1, "", DeliveryMode.DIRECT, "");
        }

        @Override
        public void init(PluginContext context) {
        }

        @Override
        public void onPacket(Packet p) {
        }

        @Override
        public void stop() {
        }
    };

    private static Table part(long total, Object... values) {
        return new Table("note", List.of("v"), java.util.Arrays.stream(values).map(v -> List.<Object>of(v)).toList(),
                total);
    }

    @Test
    void theDefaultMergeAddsUpTheTotals() {
        Table m = PLUGIN.merge("x", List.of(part(5, 1, 2), part(7, 3)), 2);
        assertEquals(List.of(List.of(1), List.of(2)), m.rows(), "rows up to the limit");
        assertEquals(12, m.total());
        assertEquals("note", m.note());
    }

    @Test
    void anUncountedPartMakesTheMergeUncounted() {
        assertEquals(-1, PLUGIN.merge("x", List.of(part(5, 1), new Table("n", List.of("v"), List.of())), 10)
                .total());
    }

    @Test
    void aTotalBelowMinusOneIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> part(-2));
    }
}
