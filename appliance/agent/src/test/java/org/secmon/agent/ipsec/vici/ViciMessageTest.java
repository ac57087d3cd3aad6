package org.secmon.agent.ipsec.vici;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The VICI message codec against the encoding example of strongSwan's own protocol description
 * ({@code src/libcharon/plugins/vici/README.md}), hostile values, and malformed input.
 */
class ViciMessageTest {
    /** The README's example, byte for byte as it writes it (lengths in decimal, strings as text). */
    private static byte[] readmeExample() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        Object[] parts = {3, 4, "key1", 0, 6, "value1",
            1, 8, "section1",
            1, 11, "sub-section",
            3, 4, "key2", 0, 6, "value2",
            2,
            4, 5, "list1",
            5, 0, 5, "item1",
            5, 0, 5, "item2",
            6,
            2};
        for (Object p : parts) {
            if (p instanceof Integer i) {
                b.write(i);
            } else {
                b.writeBytes(((String) p).getBytes(StandardCharsets.US_ASCII));
            }
        }
        return b.toByteArray();
    }

    @Test
    void encodesAndDecodesTheReadmeExample() throws Exception {
        ViciMessage m = new ViciMessage().put("key1", "value1");
        ViciMessage s1 = m.section("section1");
        s1.section("sub-section").put("key2", "value2");
        s1.list("list1", List.of("item1", "item2"));
        assertArrayEquals(readmeExample(), m.encode());

        ViciMessage d = ViciMessage.decode(ByteBuffer.wrap(readmeExample()));
        assertEquals(m, d);
        assertEquals("value1", d.text("key1"));
        assertEquals("value2", d.sub("section1").sub("sub-section").text("key2"));
        assertEquals(List.of("item1", "item2"), d.sub("section1").textList("list1"));
    }

    /** What ended a line or a block in swanctl.conf is just bytes of one value here. */
    @Test
    void aHostileValueStaysOneValue() throws Exception {
        String hostile = "peer\n    }\n    children {\n      x {\n        updown = /bin/sh -c \"id>pwned\"\n";
        ViciMessage m = new ViciMessage();
        m.section("secmon-t").section("remote").put("id", hostile);
        ViciMessage d = ViciMessage.decode(ByteBuffer.wrap(m.encode()));
        assertEquals(hostile, d.sub("secmon-t").sub("remote").text("id"));
        assertEquals(List.of("secmon-t"), List.copyOf(d.keys()));
        assertEquals(List.of("remote"), List.copyOf(d.sub("secmon-t").keys()));
    }

    @Test
    void limitsAreEnforcedWhenBuilding() {
        assertThrows(IllegalArgumentException.class, () -> new ViciMessage().put("k".repeat(256), "v"));
        assertThrows(IllegalArgumentException.class, () -> new ViciMessage().put("", "v"));
        assertThrows(IllegalArgumentException.class, () -> new ViciMessage().put("k", new byte[65536]));
        new ViciMessage().put("k".repeat(255), new byte[65535]); // the largest allowed
    }

    @Test
    void malformedMessagesAreRefusedWithAReason() {
        byte[][] bad = {
            {9},                                    // unknown element
            {2},                                    // section end without a section
            {1, 1, 's'},                            // unterminated section
            {3, 4, 'k', 'e'},                       // name past the end
            {3, 1, 'k', 0, 9, 'v'},                 // value past the end
            {4, 1, 'l', 5, 0, 1, 'a'},              // unterminated list
            {4, 1, 'l', 3, 1, 'k', 0, 0, 6},        // key/value inside a list
            {5, 0, 0},                              // list item outside a list
            {6},                                    // list end without a list
        };
        for (byte[] b : bad) {
            ViciException e = assertThrows(ViciException.class, () -> ViciMessage.decode(ByteBuffer.wrap(b)));
            assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
        }
        ByteArrayOutputStream deep = new ByteArrayOutputStream();
        for (int i = 0; i <= ViciMessage.MAX_DEPTH; i++) {
            deep.writeBytes(new byte[] {1, 1, 's'});
        }
        ViciException e = assertThrows(ViciException.class,
                () -> ViciMessage.decode(ByteBuffer.wrap(deep.toByteArray())));
        assertTrue(e.getMessage().contains("deeper"), e.getMessage());
    }

    /** Random bytes and one-byte mutations of a valid message: a message or a ViciException, nothing else. */
    @Test
    void fuzzedInputGivesAMessageOrAViciException() {
        Random r = new Random(20261202);
        byte[] valid = readmeExample();
        int refused = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] b;
            if (i % 2 == 0) {
                b = new byte[r.nextInt(64)];
                r.nextBytes(b);
            } else {
                b = valid.clone();
                b[r.nextInt(b.length)] = (byte) r.nextInt(256);
            }
            try {
                ViciMessage m = ViciMessage.decode(ByteBuffer.wrap(b));
                // what decodes encodes to a message that decodes the same
                assertEquals(m, ViciMessage.decode(ByteBuffer.wrap(m.encode())));
            } catch (ViciException e) {
                refused++;
            }
        }
        assertTrue(refused > 10_000, "most random input is refused: " + refused);
    }
}
