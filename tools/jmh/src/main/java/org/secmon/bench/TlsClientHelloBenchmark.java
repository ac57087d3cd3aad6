package org.secmon.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.secmon.plugins.netflow.meta.TlsClientHello;

/**
 * The TLS metadata of a flow's first segment: a Chrome-like ClientHello (15 ciphers, 16 extensions, SNI, ALPN,
 * GREASE) parsed ({@code parse}), and parsed with its JA4 ({@code parseAndJa4}: the same hello every time, so its two
 * hashes come from the table of those seen before; {@code parseAndJa4Unseen}: a different client program each time,
 * two SHA-256 of a few hundred bytes). Once per TLS flow, not per packet; the bar is still 0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1)
public class TlsClientHelloBenchmark {
    private final TlsClientHello hello = new TlsClientHello();
    private final byte[] out = new byte[TlsClientHello.JA4_LENGTH];
    private final byte[] record = chromeLike();

    @Benchmark
    public int parse() {
        return hello.parse(record, 0, record.length).ordinal() + hello.serverNameLength();
    }

    @Benchmark
    public byte parseAndJa4() {
        hello.parse(record, 0, record.length);
        hello.ja4(false, out, 0);
        return out[35];
    }

    private final TlsClientHello unseenHello = new TlsClientHello();
    private final byte[][] unseen = unseenHellos(1024);
    private int next;

    /**
     * Parsed with its JA4, the hellos of 1,024 different client programs in turn (each with another third cipher):
     * the hashes are rarely remembered (128 slots), so this is a JA4 computed in full, SHA-256 and all.
     */
    @Benchmark
    public byte parseAndJa4Unseen() {
        byte[] r = unseen[next++ & 1023];
        unseenHello.parse(r, 0, r.length);
        unseenHello.ja4(false, out, 0);
        return out[35];
    }

    private static byte[][] unseenHellos(int n) {
        byte[] base = chromeLike();
        int at = 5 + 4 + 2 + 32 + 1 + (base[43] & 0xff) + 2 + 4; // the third cipher (the first is GREASE)
        byte[][] out = new byte[n][];
        for (int i = 0; i < n; i++) {
            out[i] = base.clone();
            out[i][at] = (byte) (0x40 + (i >>> 8));
            out[i][at + 1] = (byte) i;
        }
        return out;
    }

    static byte[] chromeLike() {
        return org.secmon.tools.bench.MetaPayloads.chromeHello();
    }
}
