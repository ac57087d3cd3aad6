package org.secmon.bench;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
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
        int[] ciphers = {0x2a2a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013,
            0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
        int[] exts = {0x1a1a, 0x002d, 0x0033, 0x0010, 0xfe0d, 0x0017, 0x44cd, 0x0000, 0x000b, 0x000a, 0x002b,
            0xff01, 0x0023, 0x0012, 0x0005, 0x000d, 0x001b};
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        for (int x : exts) {
            byte[] d = switch (x) {
                case 0x0000 -> {
                    byte[] n = "www.example.com".getBytes(StandardCharsets.US_ASCII);
                    byte[] s = new byte[5 + n.length];
                    s[1] = (byte) (n.length + 3);
                    s[4] = (byte) n.length;
                    System.arraycopy(n, 0, s, 5, n.length);
                    yield s;
                }
                case 0x0010 -> new byte[] {0, 12, 2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
                case 0x002b -> new byte[] {4, 0x03, 0x04, 0x03, 0x03};
                case 0x000d -> new byte[] {0, 8, 4, 3, 8, 4, 4, 1, 5, 3};
                default -> new byte[0];
            };
            u16(e, x);
            u16(e, d.length);
            e.writeBytes(d);
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        u16(b, 0x0303);
        b.writeBytes(new byte[32]);
        b.write(0);
        u16(b, ciphers.length * 2);
        for (int c : ciphers) {
            u16(b, c);
        }
        b.write(1);
        b.write(0);
        u16(b, e.size());
        b.writeBytes(e.toByteArray());
        ByteArrayOutputStream r = new ByteArrayOutputStream();
        r.write(22);
        u16(r, 0x0301);
        u16(r, b.size() + 4);
        r.write(1);
        r.write(0);
        u16(r, b.size());
        r.writeBytes(b.toByteArray());
        return r.toByteArray();
    }

    private static void u16(ByteArrayOutputStream o, int v) {
        o.write(v >>> 8);
        o.write(v & 0xff);
    }
}
