package org.secmon.dataplane.source;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.secmon.testkit.CaptureWriter;
import org.secmon.testkit.FrameBuilder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CaptureFileSourceTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(CaptureWriter.Format.class)
    void readsEveryFormat(CaptureWriter.Format format) throws IOException {
        Path f = dir.resolve("c." + format);
        byte[][] frames = new byte[70][];
        long[] ts = new long[frames.length];
        try (CaptureWriter w = new CaptureWriter(f, format, 100)) {
            for (int i = 0; i < frames.length; i++) {
                frames[i] = FrameBuilder.udp("10.0.0.1", "10.0.0.2", i, 2).payload(i * 3).build();
                ts[i] = 1_600_000_000_123_456_000L + i * 1_000_000L + (format.name().contains("NANOS")
                        || format.name().contains("PCAPNG") ? 789 : 0);
                w.write(frames[i], ts[i]);
            }
        }
        try (CaptureFileSource src = new CaptureFileSource(f)) {
            Burst b = new Burst(32);
            int seen = 0;
            int n;
            while ((n = src.poll(b)) != PacketSource.END_OF_STREAM) {
                for (int i = 0; i < n; i++, seen++) {
                    byte[] expected = frames[seen];
                    int incl = Math.min(100, expected.length);
                    assertEquals(incl, b.captureLength[i], "captured length of record " + seen);
                    assertEquals(expected.length, b.wireLength[i], "wire length of record " + seen);
                    assertEquals(ts[seen], b.timestampNanos[i], "timestamp of record " + seen);
                    byte[] got = b.segment.asSlice(b.offset[i], incl).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                    assertArrayEquals(Arrays.copyOf(expected, incl), got);
                }
            }
            assertEquals(frames.length, seen);
            assertEquals(frames.length, src.records());
            assertEquals(0, src.badRecords());
        }
    }

    @Test
    void loopsReplayTheFile() throws IOException {
        Path f = dir.resolve("loop.pcap");
        try (CaptureWriter w = new CaptureWriter(f)) {
            for (int i = 0; i < 10; i++) {
                w.write(FrameBuilder.udp("10.0.0.1", "10.0.0.2", i, 2).build(), i);
            }
        }
        try (CaptureFileSource src = new CaptureFileSource(f, 3, 0)) {
            Burst b = new Burst(4);
            long total = 0;
            int n;
            while ((n = src.poll(b)) != PacketSource.END_OF_STREAM) {
                total += n;
            }
            assertEquals(30, total);
        }
    }

    @Test
    void damagedTailIsCountedNotThrown() throws IOException {
        Path f = dir.resolve("cut.pcap");
        try (CaptureWriter w = new CaptureWriter(f)) {
            for (int i = 0; i < 5; i++) {
                w.write(FrameBuilder.udp("10.0.0.1", "10.0.0.2", i, 2).payload(50).build(), i);
            }
        }
        byte[] all = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(all, all.length - 30)); // last record cut in its data
        try (CaptureFileSource src = new CaptureFileSource(f)) {
            Burst b = new Burst(32);
            assertEquals(4, src.poll(b));
            assertEquals(PacketSource.END_OF_STREAM, src.poll(b));
            assertEquals(1, src.badRecords());
            assertTrue(src.damage().contains("beyond the file"), src.damage());
        }
        Files.write(f, Arrays.copyOf(all, 24 + 8)); // only half a record header
        try (CaptureFileSource src = new CaptureFileSource(f)) {
            Burst b = new Burst(32);
            assertEquals(PacketSource.END_OF_STREAM, src.poll(b));
            assertEquals(1, src.badRecords());
        }
    }

    @Test
    void rejectsWhatIsNotACapture() throws IOException {
        Path f = dir.resolve("x.txt");
        Files.writeString(f, "hello, this is not a capture file");
        CaptureFormatException e = assertThrows(CaptureFormatException.class, () -> new CaptureFileSource(f));
        assertTrue(e.getMessage().contains("not a pcap or pcapng file"), e.getMessage());
        Files.write(f, new byte[0]);
        assertThrows(CaptureFormatException.class, () -> new CaptureFileSource(f));
        // a pcap with link type 105 (802.11)
        byte[] hdr = {(byte) 0xd4, (byte) 0xc3, (byte) 0xb2, (byte) 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                (byte) 0xff, (byte) 0xff, 0, 0, 105, 0, 0, 0};
        Files.write(f, hdr);
        e = assertThrows(CaptureFormatException.class, () -> new CaptureFileSource(f));
        assertTrue(e.getMessage().contains("link type IEEE802_11 (105) is not decoded"), e.getMessage());
    }
}
