package org.secmon.testkit;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes classic pcap (either byte order, micro- or nanosecond) or pcapng captures for tests and benchmarks. */
public final class CaptureWriter implements AutoCloseable {
    public enum Format { PCAP_LE_MICROS, PCAP_BE_MICROS, PCAP_LE_NANOS, PCAP_BE_NANOS, PCAPNG_LE, PCAPNG_BE }

    private final OutputStream out;
    private final Format format;
    private final ByteOrder order;
    private final int snaplen;
    private final ByteBuffer hdr = ByteBuffer.allocate(64);
    private long records;

    public CaptureWriter(Path path, Format format, int snaplen) throws IOException {
        this(path, format, snaplen, 1);
    }

    /**
     * A capture of the given link types (tcpdump.org LINKTYPE numbers): a classic pcap file has the first; a pcapng
     * file gets one interface per link type, numbered in that order ({@link #write(byte[], long, int)}).
     */
    public CaptureWriter(Path path, Format format, int snaplen, int... linkTypes) throws IOException {
        this.out = new BufferedOutputStream(Files.newOutputStream(path), 1 << 20);
        this.format = format;
        this.snaplen = snaplen;
        this.order = switch (format) {
            case PCAP_BE_MICROS, PCAP_BE_NANOS, PCAPNG_BE -> ByteOrder.BIG_ENDIAN;
            default -> ByteOrder.LITTLE_ENDIAN;
        };
        hdr.order(order);
        if (format == Format.PCAPNG_LE || format == Format.PCAPNG_BE) {
            // section header block (28 bytes)
            hdr.clear();
            hdr.putInt(0x0A0D0D0A).putInt(28).putInt(0x1A2B3C4D).putShort((short) 1).putShort((short) 0)
                    .putLong(-1L).putInt(28);
            write();
            // interface description blocks with if_tsresol = 9 (nanoseconds): 20 + 8 option + 4 end = 32
            for (int linkType : linkTypes) {
                hdr.clear();
                hdr.putInt(1).putInt(32).putShort((short) linkType).putShort((short) 0).putInt(snaplen)
                        .putShort((short) 9).putShort((short) 1).put((byte) 9).put(new byte[3])
                        .putShort((short) 0).putShort((short) 0).putInt(32);
                write();
            }
        } else {
            boolean nanos = format == Format.PCAP_LE_NANOS || format == Format.PCAP_BE_NANOS;
            hdr.clear();
            hdr.putInt(nanos ? 0xa1b23c4d : 0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0)
                    .putInt(snaplen).putInt(linkTypes[0]);
            write();
        }
    }

    public CaptureWriter(Path path) throws IOException {
        this(path, Format.PCAP_LE_MICROS, 65535);
    }

    private void write() throws IOException {
        out.write(hdr.array(), 0, hdr.position());
    }

    /** Write a frame captured at {@code tsNanos}, cut to the snap length. */
    public void write(byte[] frame, long tsNanos) throws IOException {
        write(frame, tsNanos, 0);
    }

    /** Write a frame of pcapng interface {@code iface} (0 for classic pcap). */
    public void write(byte[] frame, long tsNanos, int iface) throws IOException {
        int incl = Math.min(frame.length, snaplen);
        hdr.clear();
        switch (format) {
            case PCAPNG_LE, PCAPNG_BE -> {
                int pad = (4 - (incl & 3)) & 3;
                int len = 32 + incl + pad;
                hdr.putInt(6).putInt(len).putInt(iface).putInt((int) (tsNanos >>> 32)).putInt((int) tsNanos)
                        .putInt(incl).putInt(frame.length);
                write();
                out.write(frame, 0, incl);
                out.write(new byte[pad]);
                hdr.clear();
                hdr.putInt(len);
                write();
            }
            case PCAP_LE_NANOS, PCAP_BE_NANOS -> {
                hdr.putInt((int) (tsNanos / 1_000_000_000L)).putInt((int) (tsNanos % 1_000_000_000L))
                        .putInt(incl).putInt(frame.length);
                write();
                out.write(frame, 0, incl);
            }
            default -> {
                hdr.putInt((int) (tsNanos / 1_000_000_000L)).putInt((int) (tsNanos % 1_000_000_000L / 1000))
                        .putInt(incl).putInt(frame.length);
                write();
                out.write(frame, 0, incl);
            }
        }
        records++;
    }

    public long records() {
        return records;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
