package org.secmon.dataplane.source;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.secmon.dataplane.parse.LinkTypes;
import org.secmon.plugin.Counter;

/**
 * Pure-Java reader of capture files, memory-mapped and zero-copy: classic libpcap (both byte orders, micro- and
 * nanosecond timestamps, snaplen-truncated records) and pcapng (section header, interface description with
 * {@code if_tsresol}, enhanced and simple packet blocks, several sections of either byte order, interfaces of
 * different link types). Every frame carries its link type ({@link Burst#linkType}); a classic pcap file of a link
 * type the parser does not read is refused when opened, a pcapng interface of one has its records skipped and
 * counted ({@link #skippedRecords()}, {@link #unsupportedInterfaces()}).
 *
 * <p>A damaged record (length beyond the file, captured length above the limit) ends the file and is counted in
 * {@link #badRecords()}; it never throws out of {@link #poll}.
 */
public final class CaptureFileSource implements PacketSource {
    /** Records claiming more than this are treated as damage (libpcap's own maximum snaplen). */
    public static final int MAX_RECORD_LENGTH = 262_144;

    private static final int PCAP_MAGIC_MICROS = 0xa1b2c3d4;
    private static final int PCAP_MAGIC_NANOS = 0xa1b23c4d;
    private static final int PCAP_GLOBAL_HEADER_LENGTH = 24;
    private static final int PCAP_RECORD_HEADER_LENGTH = 16;
    private static final int PCAPNG_SHB = 0x0A0D0D0A;
    private static final int PCAPNG_BYTE_ORDER_MAGIC = 0x1A2B3C4D;
    private static final int PCAPNG_IDB = 1;
    private static final int PCAPNG_SPB = 3;
    private static final int PCAPNG_EPB = 6;
    private static final int PCAPNG_MAX_INTERFACES = 64;

    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt BE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final Arena arena;
    private final MemorySegment file;
    private final long size;
    private final boolean pcapng;
    private final int port;
    private final long loops;
    private long loopsLeft;

    // classic pcap state
    // the file's byte order as a flag: fields are read through the constant LE32/LE16 and swapped (a layout held in
    // a field is not a constant to the JIT, and every read through it was a VarHandle call that was not inlined)
    private boolean pcapBigEndian;
    private long tsMultiplier;
    private int snaplen;
    private int pcapLinkType;

    // pcapng state (per section)
    private boolean ngBigEndian;
    private final long[] ifTsUnitsPerSecond = new long[PCAPNG_MAX_INTERFACES];
    private final int[] ifSnaplen = new int[PCAPNG_MAX_INTERFACES];
    private final int[] ifLinkType = new int[PCAPNG_MAX_INTERFACES];
    private final boolean[] ifSupported = new boolean[PCAPNG_MAX_INTERFACES];
    private int section;
    private final java.util.Set<String> unsupported = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private int interfaces;

    private long position;
    private final Counter records = new Counter("records");
    private final Counter badRecords = new Counter("bad_records");
    private final Counter skippedRecords = new Counter("skipped_records");
    private String damage;

    /** Open {@code path}, replayed {@code loops} times (1 = once). */
    public CaptureFileSource(Path path, long loops, int port) throws IOException {
        if (loops < 1) {
            throw new IllegalArgumentException("loops must be >= 1");
        }
        this.path = path;
        this.port = port;
        this.loops = loops;
        this.loopsLeft = loops;
        this.arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            this.size = ch.size();
            this.file = size == 0 ? MemorySegment.NULL : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
        try {
            if (size < 4) {
                throw new CaptureFormatException(path + ": too short to be a capture file (" + size + " bytes)");
            }
            int magic = file.get(BE32, 0);
            if (magic == PCAPNG_SHB) {
                pcapng = true;
                position = 0;
            } else {
                pcapng = false;
                openPcap(magic);
            }
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    public CaptureFileSource(Path path) throws IOException {
        this(path, 1, 0);
    }

    private void openPcap(int magicBe) throws CaptureFormatException {
        if (size < PCAP_GLOBAL_HEADER_LENGTH) {
            throw new CaptureFormatException(path + ": truncated pcap global header");
        }
        int magic = magicBe;
        if (magic == PCAP_MAGIC_MICROS || magic == PCAP_MAGIC_NANOS) {
            pcapBigEndian = true;
        } else {
            magic = Integer.reverseBytes(magicBe);
            if (magic != PCAP_MAGIC_MICROS && magic != PCAP_MAGIC_NANOS) {
                throw new CaptureFormatException(String.format(
                        "%s: not a pcap or pcapng file (magic 0x%08x)", path, magicBe));
            }
        }
        tsMultiplier = magic == PCAP_MAGIC_NANOS ? 1 : 1000;
        snaplen = i32(file, 16, pcapBigEndian);
        int linkType = i32(file, 20, pcapBigEndian) & 0x03ffffff; // upper bits: FCS information
        if (!LinkTypes.supported(linkType)) {
            throw new CaptureFormatException(path + ": link type " + LinkTypes.name(linkType) + " (" + linkType
                    + ") is not decoded; SecMon reads " + LinkTypes.supportedList());
        }
        pcapLinkType = linkType;
        position = PCAP_GLOBAL_HEADER_LENGTH;
    }

    @Override
    public int poll(Burst burst) {
        burst.segment = file;
        burst.port = port;
        int n = pcapng ? pollPcapng(burst) : pollPcap(burst);
        if (n == 0 && atEnd()) {
            if (--loopsLeft > 0) {
                position = pcapng ? 0 : PCAP_GLOBAL_HEADER_LENGTH;
                n = pcapng ? pollPcapng(burst) : pollPcap(burst);
            }
        }
        burst.count = n;
        return n == 0 ? END_OF_STREAM : n;
    }

    /** A 32-bit field in the file's byte order, read through a constant layout. */
    private static int i32(MemorySegment f, long at, boolean bigEndian) {
        int v = f.get(LE32, at);
        return bigEndian ? Integer.reverseBytes(v) : v;
    }

    /** A 16-bit field in the file's byte order, unsigned. */
    private static int u16(MemorySegment f, long at, boolean bigEndian) {
        short v = f.get(LE16, at);
        return (bigEndian ? Short.reverseBytes(v) : v) & 0xffff;
    }

    private boolean atEnd() {
        return position >= size;
    }

    private int pollPcap(Burst b) {
        final MemorySegment f = file;
        final boolean swap = pcapBigEndian;
        final int max = b.capacity();
        long pos = position;
        int n = 0;
        while (n < max && pos + PCAP_RECORD_HEADER_LENGTH <= size) {
            long sec = i32(f, pos, swap) & 0xffffffffL;
            long frac = i32(f, pos + 4, swap) & 0xffffffffL;
            int incl = i32(f, pos + 8, swap);
            int orig = i32(f, pos + 12, swap);
            long data = pos + PCAP_RECORD_HEADER_LENGTH;
            if (incl < 0 || incl > MAX_RECORD_LENGTH || data + incl > size) {
                damage(pos, "record length " + Integer.toUnsignedString(incl) + " beyond the file or limit");
                pos = size;
                break;
            }
            b.offset[n] = data;
            b.captureLength[n] = incl;
            b.wireLength[n] = orig < incl ? incl : orig;
            b.timestampNanos[n] = sec * 1_000_000_000L + frac * tsMultiplier;
            b.linkType[n] = pcapLinkType;
            n++;
            pos = data + incl;
        }
        if (n == 0 && pos < size && pos + PCAP_RECORD_HEADER_LENGTH > size) {
            damage(pos, "truncated record header");
            pos = size;
        }
        position = pos;
        records.add(n);
        return n;
    }

    private int pollPcapng(Burst b) {
        final MemorySegment f = file;
        final int max = b.capacity();
        long pos = position;
        int n = 0;
        while (n < max && pos + 12 <= size) {
            int typeBe = f.get(BE32, pos);
            if (typeBe == PCAPNG_SHB) {
                if (!readSectionHeader(pos)) {
                    pos = size;
                    break;
                }
            }
            int type = i32(f, pos, ngBigEndian);
            long len = i32(f, pos + 4, ngBigEndian) & 0xffffffffL;
            if (len < 12 || (len & 3) != 0 || pos + len > size) {
                damage(pos, "pcapng block length " + len + " invalid or beyond the file");
                pos = size;
                break;
            }
            if (type == PCAPNG_IDB) {
                readInterface(pos, len);
            } else if (type == PCAPNG_EPB && len >= 32) {
                int ifc = i32(f, pos + 8, ngBigEndian);
                long ts = ((i32(f, pos + 12, ngBigEndian) & 0xffffffffL) << 32)
                        | (i32(f, pos + 16, ngBigEndian) & 0xffffffffL);
                int incl = i32(f, pos + 20, ngBigEndian);
                int orig = i32(f, pos + 24, ngBigEndian);
                if (ifc < 0 || ifc >= interfaces || incl < 0 || 28 + (long) incl + 4 > len) {
                    damage(pos, "enhanced packet block with bad interface or length");
                    pos = size;
                    break;
                }
                if (ifSupported[ifc]) {
                    records.increment();
                    b.offset[n] = pos + 28;
                    b.captureLength[n] = incl;
                    b.wireLength[n] = orig < incl ? incl : orig;
                    b.timestampNanos[n] = toNanos(ts, ifTsUnitsPerSecond[ifc]);
                    b.linkType[n] = ifLinkType[ifc];
                    n++;
                } else {
                    skippedRecords.increment();
                }
            } else if (type == PCAPNG_SPB && len >= 16 && interfaces > 0) {
                int orig = i32(f, pos + 8, ngBigEndian);
                int incl = (int) Math.min(Integer.toUnsignedLong(orig), len - 16);
                if (ifSnaplen[0] > 0) {
                    incl = Math.min(incl, ifSnaplen[0]);
                }
                if (ifSupported[0]) {
                    records.increment();
                    b.offset[n] = pos + 12;
                    b.captureLength[n] = incl;
                    b.wireLength[n] = orig < incl ? incl : orig;
                    b.timestampNanos[n] = 0;
                    b.linkType[n] = ifLinkType[0];
                    n++;
                } else {
                    skippedRecords.increment();
                }
            }
            pos += len;
        }
        if (n == 0 && pos < size && pos + 12 > size) {
            damage(pos, "truncated pcapng block");
            pos = size;
        }
        position = pos;
        return n;
    }

    private boolean readSectionHeader(long pos) {
        if (pos + 28 > size) {
            damage(pos, "truncated section header block");
            return false;
        }
        int bom = file.get(BE32, pos + 8);
        if (bom == PCAPNG_BYTE_ORDER_MAGIC) {
            ngBigEndian = true;
        } else if (Integer.reverseBytes(bom) == PCAPNG_BYTE_ORDER_MAGIC) {
            ngBigEndian = false;
        } else {
            damage(pos, "section header with bad byte-order magic");
            return false;
        }
        interfaces = 0;
        section++;
        return true;
    }

    private void readInterface(long pos, long len) {
        if (interfaces >= PCAPNG_MAX_INTERFACES) {
            return;
        }
        int linkType = u16(file, pos + 8, ngBigEndian);
        int snap = i32(file, pos + 12, ngBigEndian);
        long unitsPerSecond = 1_000_000L;
        long opt = pos + 16;
        long end = pos + len - 4;
        while (opt + 4 <= end) {
            int code = u16(file, opt, ngBigEndian);
            int olen = u16(file, opt + 2, ngBigEndian);
            if (code == 0 || opt + 4 + olen > end) {
                break;
            }
            if (code == 9 && olen >= 1) { // if_tsresol
                int r = file.get(ValueLayout.JAVA_BYTE, opt + 4) & 0xff;
                int exp = r & 0x7f;
                if ((r & 0x80) == 0) {
                    unitsPerSecond = exp <= 18 ? pow10(exp) : 1_000_000_000L;
                } else {
                    unitsPerSecond = exp < 63 ? 1L << exp : 1_000_000_000L;
                }
            }
            opt += 4 + ((olen + 3) & ~3);
        }
        ifLinkType[interfaces] = linkType;
        ifSupported[interfaces] = LinkTypes.supported(linkType);
        if (!ifSupported[interfaces]) {
            unsupported.add("interface " + interfaces + (section > 1 ? " of section " + section : "") + " ("
                    + LinkTypes.name(linkType) + ", link type " + linkType + ")");
        }
        ifSnaplen[interfaces] = snap;
        ifTsUnitsPerSecond[interfaces] = unitsPerSecond;
        interfaces++;
    }

    private static long pow10(int e) {
        long v = 1;
        for (int i = 0; i < e; i++) {
            v *= 10;
        }
        return v;
    }

    private static long toNanos(long ts, long unitsPerSecond) {
        if (unitsPerSecond == 1_000_000L) {
            return ts * 1000;
        }
        if (unitsPerSecond == 1_000_000_000L) {
            return ts;
        }
        long sec = ts / unitsPerSecond;
        long rem = ts % unitsPerSecond;
        return sec * 1_000_000_000L + (long) (rem * (1e9 / unitsPerSecond));
    }

    private void damage(long pos, String what) {
        badRecords.increment();
        if (damage == null) {
            damage = path + " at byte " + pos + ": " + what;
        }
    }

    @Override
    public void release(Burst burst) {
        // memory-mapped: nothing to give back
    }

    @Override
    public boolean captureTime() {
        return true;
    }

    @Override
    public String describe() {
        return (pcapng ? "pcapng:" : "pcap:") + path;
    }

    /**
     * How far the replay has come, 0 to 1, from the read position and the loops done (any thread: a racy but
     * untorn read, good for a progress line), or -1 when the capture is looped for ever.
     */
    public double progress() {
        if (loops == Long.MAX_VALUE) {
            return -1;
        }
        double done = loops - loopsLeft + (size == 0 ? 1 : (double) position / size);
        return Math.max(0, Math.min(1, done / loops));
    }

    public long records() {
        return records.get();
    }

    public long badRecords() {
        return badRecords.get();
    }

    /** Records of interfaces whose link type is not decoded (pcapng), skipped. */
    public long skippedRecords() {
        return skippedRecords.get();
    }

    /**
     * The pcapng interfaces seen so far whose link type is not decoded, e.g. {@code interface 1
     * (IEEE802_11_RADIOTAP, link type 127)}; their records are {@link #skippedRecords()}.
     */
    public java.util.List<String> unsupportedInterfaces() {
        return unsupported.stream().sorted().toList();
    }

    /** The first damage found, or null. */
    public String damage() {
        return damage;
    }

    /** Snap length of a classic pcap file (0 for pcapng). */
    public int snaplen() {
        return snaplen;
    }

    @Override
    public void close() {
        arena.close();
    }
}
