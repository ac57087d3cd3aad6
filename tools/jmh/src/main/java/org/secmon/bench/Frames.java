package org.secmon.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

import org.secmon.dataplane.parse.PacketParser;
import org.secmon.dataplane.parse.ParsedPacket;
import org.secmon.tools.bench.BenchCapture;

/** {@code count} 64-byte frames of distinct flows laid out back to back in native memory, as mbuf data would be. */
final class Frames {
    final MemorySegment memory;
    final int count;

    Frames(Arena arena, int count) {
        this.count = count;
        this.memory = arena.allocate((long) count * BenchCapture.FRAME, 64);
        byte[] f = new byte[BenchCapture.FRAME];
        ByteBuffer fb = ByteBuffer.wrap(f);
        for (int i = 0; i < count; i++) {
            BenchCapture.buildFrame(fb, i * 7919);
            MemorySegment.copy(MemorySegment.ofArray(f), 0, memory, (long) i * BenchCapture.FRAME, f.length);
        }
    }

    long offset(int i) {
        return (long) i * BenchCapture.FRAME;
    }

    /** Every frame parsed once, in a packet of its own (for benchmarks of what comes after the parser). */
    ParsedPacket[] parsed() {
        ParsedPacket[] all = new ParsedPacket[count];
        for (int k = 0; k < count; k++) {
            all[k] = new ParsedPacket();
            all[k].wrap(memory, offset(k), BenchCapture.FRAME, BenchCapture.FRAME, 0, 0);
            if (PacketParser.parse(all[k]) != PacketParser.OK) {
                throw new IllegalStateException("bench frame " + k + " does not parse");
            }
        }
        return all;
    }
}
