package org.secmon.dataplane.parse;

import java.lang.foreign.MemorySegment;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.secmon.plugin.Packet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The parsed fields are listed once (declaration) and copied once (copyParsed): both uses must cover every field. */
class ParsedPacketTest {
    private static final MemorySegment FRAME = MemorySegment.ofArray(new byte[64]);

    /** Every instance field of ParsedPacket set to a value none has by default. */
    private static ParsedPacket everyFieldSet() throws IllegalAccessException {
        ParsedPacket p = new ParsedPacket().wrap(FRAME, 0, 60, 60, 1, 1);
        int n = 2;
        for (Field f : instanceFields()) {
            Class<?> t = f.getType();
            if (t == int.class) {
                f.setInt(p, 1000 + n++);
            } else if (t == long.class) {
                f.setLong(p, 1_000_000_000_000L + n++);
            } else if (t == boolean.class) {
                f.setBoolean(p, true);
            }
        }
        return p;
    }

    private static List<Field> instanceFields() {
        List<Field> out = new ArrayList<>();
        for (Field f : ParsedPacket.class.getDeclaredFields()) {
            if (!Modifier.isStatic(f.getModifiers()) && f.getType() != MemorySegment.class) {
                f.setAccessible(true);
                out.add(f);
            }
        }
        return out;
    }

    /** What a plugin can read: every no-argument method of the Packet interface, by name. */
    private static List<String> readable(Packet p) throws Exception {
        List<String> out = new ArrayList<>();
        for (Method m : Packet.class.getMethods()) {
            if (m.getParameterCount() == 0 && !m.getName().equals("segment")) {
                out.add(m.getName() + "=" + m.invoke(p));
            }
        }
        out.sort(null);
        return out;
    }

    @Test
    void aCopyCarriesEveryField() throws Exception {
        ParsedPacket src = everyFieldSet();
        src.deliverLength(src.captureLength()); // a ring slot holds the delivered bytes, all of them usable
        ParsedPacket dst = new ParsedPacket();
        dst.copyFrom(src, FRAME, src.offset(), src.captureLength());
        assertEquals(readable(src), readable(dst));
        for (Field f : instanceFields()) {
            assertEquals(f.get(src), f.get(dst), "field " + f.getName() + " copied");
        }
    }

    @Test
    void wrapClearsEveryParsedField() throws Exception {
        ParsedPacket fresh = new ParsedPacket().wrap(FRAME, 4, 50, 70, 9, 3);
        ParsedPacket reused = everyFieldSet().wrap(FRAME, 4, 50, 70, 9, 3);
        for (Field f : instanceFields()) {
            assertEquals(f.get(fresh), f.get(reused), "field " + f.getName() + " cleared by wrap");
        }
        assertEquals(Packet.NO_VLAN, reused.outerVlan());
        assertEquals(Packet.DIRECTION_INGRESS, reused.direction());
        assertEquals(50, reused.deliverLength(), "a new frame may be delivered whole");
    }

    /** The inner frame starts clean: every header field as a new frame's, the frame re-pointed, the tunnel kept. */
    @Test
    void enterTunnelClearsEveryHeaderField() throws Exception {
        ParsedPacket fresh = new ParsedPacket().wrap(FRAME, 4, 50, 70, 9, 3);
        ParsedPacket p = everyFieldSet();
        Field depth = ParsedPacket.class.getDeclaredField("tunnelDepth");
        depth.setAccessible(true);
        depth.setInt(p, 0); // not inside a tunnel yet: this one becomes the packet's tunnel
        long srcHi = p.srcHi();
        long srcLo = p.srcLo();
        long offset = p.offset();
        p.enterTunnel(30, LinkTypes.RAW, 20, 25, Packet.TUNNEL_VXLAN, 77);
        List<String> frame = List.of("offset", "captureLength", "wireLength", "deliverLength", "timestampNanos",
                "inputPort", "linkType", "tunnelType", "tunnelId", "tunnelSrcHi", "tunnelSrcLo", "tunnelDepth");
        for (Field f : instanceFields()) {
            if (!frame.contains(f.getName())) {
                assertEquals(f.get(fresh), f.get(p), "field " + f.getName() + " cleared by enterTunnel");
            }
        }
        assertEquals(offset + 30, p.offset());
        assertEquals(20, p.captureLength());
        assertEquals(25, p.wireLength());
        assertEquals(LinkTypes.RAW, p.linkType());
        assertEquals(Packet.TUNNEL_VXLAN, p.tunnelType());
        assertEquals(77, p.tunnelId());
        assertEquals(srcHi, p.tunnelSrcHi());
        assertEquals(srcLo, p.tunnelSrcLo());
        assertEquals(1, p.tunnelDepth());
    }

    @Test
    void pluginsCannotWrite() {
        for (Method m : Packet.class.getMethods()) {
            assertTrue(m.getParameterCount() == 0 || m.getName().equals("byteAt") || m.getName().equals("copyBytes"),
                    "Packet." + m.getName() + " takes arguments: plugins only read");
            assertNotEquals(Packet.class, m.getReturnType(), "Packet." + m.getName() + " returns a Packet: a setter");
        }
    }
}
