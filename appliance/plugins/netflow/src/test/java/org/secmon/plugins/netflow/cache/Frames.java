package org.secmon.plugins.netflow.cache;

import java.lang.foreign.MemorySegment;

import org.secmon.dataplane.parse.PacketParser;
import org.secmon.dataplane.parse.ParsedPacket;
import org.secmon.plugin.Packet;
import org.secmon.testkit.FrameBuilder;

/** Builds parsed packets for flow-cache tests. */
public final class Frames {
    private Frames() {
    }

    public static Packet parse(byte[] frame, long tsNanos) {
        ParsedPacket p = new ParsedPacket().wrap(MemorySegment.ofArray(frame), 0, frame.length, frame.length,
                tsNanos, 0);
        int status = PacketParser.parse(p);
        if (status != PacketParser.OK) {
            throw new IllegalStateException("test frame does not parse: " + status);
        }
        return p;
    }

    public static Packet udp(String src, String dst, int sport, int dport, int payload, long ts) {
        return parse(FrameBuilder.udp(src, dst, sport, dport).payload(payload).build(), ts);
    }

    public static Packet tcp(String src, String dst, int sport, int dport, int flags, long ts) {
        return parse(FrameBuilder.tcp(src, dst, sport, dport).flags(flags).build(), ts);
    }

    public static Packet tcp(String src, String dst, int sport, int dport, int flags, int payload, long ts) {
        return parse(FrameBuilder.tcp(src, dst, sport, dport).flags(flags).payload(payload).build(), ts);
    }
}
