package org.secmon.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.secmon.dataplane.parse.PacketParser;
import org.secmon.dataplane.parse.ParsedPacket;
import org.secmon.plugins.netflow.meta.MetaExtractor;
import org.secmon.plugins.netflow.meta.MetaField;

/**
 * The NetFlow plugin's layer-7 metadata extraction ({@link MetaExtractor}, every field on) of one parsed packet in
 * native memory: a TLS application-data segment that is not looked at ({@code miss}: what most packets cost), a
 * Chrome-like ClientHello with its JA4 ({@code tlsHello}), an HTTP/1.1 GET ({@code http}), a DNS response with two
 * answers ({@code dns}), a QUIC v1 client Initial ({@code quic}). The bar: 0 B/op under {@code -prof gc}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class MetaExtractorBenchmark {
    private Arena arena;
    private final MetaExtractor extractor = new MetaExtractor(EnumSet.allOf(MetaField.class), 64);
    private final byte[] slot = new byte[extractor.slotSize()];
    private ParsedPacket appData;
    private ParsedPacket hello;
    private ParsedPacket http;
    private ParsedPacket dns;
    private ParsedPacket quic;

    @Setup
    public void setUp() {
        arena = Arena.ofShared();
        byte[] data = new byte[1200];
        data[0] = 23;
        data[1] = 3;
        data[2] = 3;
        appData = packet(6, 443, data);
        hello = packet(6, 443, TlsClientHelloBenchmark.chromeLike());
        http = packet(6, 80, ("GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: Mozilla/5.0 (X11;"
                + " Linux x86_64)\r\nAccept: */*\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        dns = packet(17, 53, dnsResponse());
        quic = packet(17, 443, org.secmon.tools.bench.MetaPayloads.quicInitial());
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }

    /** An Ethernet/IPv4 frame from port 53 or to {@code port}, in native memory, parsed. */
    private ParsedPacket packet(int proto, int port, byte[] payload) {
        int l4 = proto == 6 ? 20 : 8;
        ByteBuffer f = ByteBuffer.allocate(14 + 20 + l4 + payload.length);
        f.put(new byte[] {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 8, 0});
        f.put((byte) 0x45).put((byte) 0).putShort((short) (20 + l4 + payload.length)).putInt(0)
                .put((byte) 64).put((byte) proto).putShort((short) 0).putInt(0x0a000001).putInt(0xc0000201);
        boolean server = port == 53;
        f.putShort((short) (server ? 53 : 40000)).putShort((short) (server ? 40000 : port));
        if (proto == 6) {
            f.putInt(1).putInt(1).put((byte) 0x50).put((byte) 0x18).putShort((short) 65535).putInt(0);
        } else {
            f.putShort((short) (8 + payload.length)).putShort((short) 0);
        }
        f.put(payload);
        MemorySegment m = arena.allocate(f.capacity(), 64);
        MemorySegment.copy(MemorySegment.ofArray(f.array()), 0, m, 0, f.capacity());
        ParsedPacket p = new ParsedPacket().wrap(m, 0, f.capacity(), f.capacity(), 1, 0);
        if (PacketParser.parse(p) != PacketParser.OK) {
            throw new IllegalStateException("frame does not parse");
        }
        return p;
    }

    private static byte[] dnsResponse() {
        ByteBuffer b = ByteBuffer.allocate(512);
        b.putShort((short) 7).putShort((short) 0x8180).putShort((short) 1).putShort((short) 2).putInt(0);
        for (String l : "mail.example.com".split("\\.")) {
            b.put((byte) l.length()).put(l.getBytes(StandardCharsets.US_ASCII));
        }
        b.put((byte) 0).putShort((short) 1).putShort((short) 1);
        for (int i = 0; i < 2; i++) {
            b.putShort((short) 0xc00c).putShort((short) 1).putShort((short) 1).putInt(300).putShort((short) 4)
                    .putInt(0xc0000219 + i);
        }
        byte[] out = new byte[b.position()];
        b.flip().get(out);
        return out;
    }

    @Benchmark
    public boolean miss() {
        return extractor.extract(appData, slot, 0);
    }

    @Benchmark
    public boolean tlsHello() {
        return extractor.extract(hello, slot, 0);
    }

    @Benchmark
    public boolean http() {
        return extractor.extract(http, slot, 0);
    }

    /** A QUIC v1 client Initial (1,200 bytes): keys derived, header protection off, AES-GCM opened, hello read. */
    @Benchmark
    public boolean quic() {
        return extractor.extract(quic, slot, 0);
    }

    @Benchmark
    public boolean dns() {
        return extractor.extract(dns, slot, 0);
    }
}
