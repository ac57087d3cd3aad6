package org.secmon.transport;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class KeptNumbersTest {
    @Test
    void aKeySeenBeforeGetsItsCellBack() {
        KeptNumbers n = new KeptNumbers(3);
        long[][] first = n.cells(List.of("a", "b"));
        first[0][2] = 42;
        long[][] second = n.cells(List.of("c", "a"));
        assertSame(first[0], second[1], "a goes on");
        assertEquals(42, second[1][2]);
        assertEquals(3, second[0].length);
        assertEquals(0, second[0][0], "c is new");
        // b was not in the second configuration: remembered, should it come back
        assertSame(first[1], n.cells(List.of("b"))[0]);
    }

    @Test
    void oneKeyTwiceIsOneCell() {
        long[][] c = new KeptNumbers(1).cells(List.of("a", "a"));
        assertSame(c[0], c[1]);
    }

    @Test
    void pastTheBoundOnlyTheNewestAreRemembered() {
        KeptNumbers n = new KeptNumbers(1);
        long[] a = n.cells(List.of("a"))[0];
        for (int i = 0; i < KeptNumbers.MAX_REMEMBERED + 10; i++) {
            n.cells(List.of("k" + i));
        }
        assertNotSame(a, n.cells(List.of("a"))[0], "forgotten: the map does not grow without bound");
        long[] k = n.cells(List.of("k5"))[0];
        assertSame(k, n.cells(List.of("k5"))[0], "the newest are kept");
        assertThrows(IllegalArgumentException.class, () -> new KeptNumbers(0));
    }
}
