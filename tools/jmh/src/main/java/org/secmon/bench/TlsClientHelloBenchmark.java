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
 * GREASE) parsed ({@code parse}), and parsed with its JA4 computed ({@code parseAndJa4}: two SHA-256 of a few
 * hundred bytes). Once per TLS flow, not per packet; the bar is still 0 B/op.
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

    static byte[] chromeLike() {
        return org.secmon.tools.bench.MetaPayloads.chromeHello();
    }
}
