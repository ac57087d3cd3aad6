package org.secmon.plugins.sflow.codec;

import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.dataplane.parse.PacketParser;
import org.secmon.dataplane.parse.ParsedPacket;
import org.secmon.testkit.FrameBuilder;
import org.secmon.testkit.RecordingSink;
import org.secmon.testkit.Tshark;
import org.secmon.transport.Collector;
import org.secmon.transport.CollectorSet;
import org.secmon.transport.CollectorType;
import org.secmon.transport.LoadBalancer;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The exact bytes of an sFlow v5 datagram (sflow.org "sFlow Version 5", July 2004) holding one flow sample (a raw
 * packet header record of a 74-byte TCP frame, sampling 1-in-100) and one generic interface counter sample, without
 * sockets. Decoded once by tshark 4.0 before being written here; {@link #tsharkReadsTheGoldenDatagramAsExpected}
 * repeats that check wherever tshark is installed.
 */
class GoldenBytesTest {
    static final long S = 1_000_000_000L;
    static final long MS = 1_000_000L;
    static final long T0 = 1_700_000_000L * S;

    static List<byte[]> export() throws Exception {
        CollectorSet set = CollectorSet.of(new Collector("c", "127.0.0.1", 6343, CollectorType.SFLOW, 1));
        RecordingSink sink = new RecordingSink(1);
        SflowExporter ex = new SflowExporter(set, new SflowExporter.Settings(InetAddress.getByName("192.0.2.1"), 3,
                1400, S, 1), sink, new LoadBalancer(set, 1000, 600 * S));
        ex.boot(T0);
        byte[] frame = FrameBuilder.tcp("10.0.0.1", "192.0.2.10", 40000, 443).payload(20).build();
        ParsedPacket p = new ParsedPacket().wrap(MemorySegment.ofArray(frame), 0, frame.length, frame.length,
                T0 + 10 * MS, 0);
        assertEquals(PacketParser.OK, PacketParser.parse(p));
        ex.flowSample(p, Math.min(128, frame.length), 100, 1234, 5, 1, 0x3fffffff, T0 + 10 * MS);
        ex.counterSample(1, 10_000_000_000L, 123_456_789L, 98_765L, 4, 2, T0 + 20 * MS);
        ex.flush(T0 + 30 * MS);
        return sink.datagrams(0);
    }

    // header: version 5, agent IPv4 192.0.2.1, sub-agent 3, sequence 1, uptime 10 ms, 2 samples;
    // flow sample (enterprise 0, format 1): sequence 1, source ifIndex 1, rate 100, pool 1234, drops 5, input 1,
    // output 0x3fffffff (unknown), one record: raw packet header (format 1), protocol Ethernet, frame 74 bytes,
    // stripped 0, the 74 header bytes padded to 76;
    // counter sample (format 2): sequence 1, ifIndex 1, one generic interface record (format 1).
    static final String SFLOW =
            "0000000500000001c000020100000003000000010000000a000000020000000100000084000000010000000100000064"
            + "000004d200000005000000013fffffff00000001000000010000005c000000010000004a000000000000004a02000000"
            + "000202000000000108004500003c1234000040069c7d0a000001c000020a9c4001bb000003e8000007d05018ffff0000"
            + "0000030a11181f262d343b424950575e656c737a81880000000000020000006c00000001000000010000000100000001"
            + "00000058000000010000000600000002540be400000000010000000300000000075bcd15000181cd0000000000000000"
            + "0000000400000002000000000000000000000000000000000000000000000000000000000000000000000001";

    @Test
    void sflowDatagramIsExactlyTheGoldenOne() throws Exception {
        List<byte[]> d = export();
        assertEquals(1, d.size(), "one datagram");
        assertEquals(SFLOW, RecordingSink.hex(d.get(0)));
    }

    @Test
    void tsharkReadsTheGoldenDatagramAsExpected(@TempDir Path dir) throws Exception {
        List<String> lines = Tshark.fields(dir, "sflow", List.of(new Tshark.Datagram(6343,
                        HexFormat.of().parseHex(SFLOW))), "sflow_245.version", "sflow_245.agent",
                "sflow_245.sub_agent_id", "sflow_245.numsamples", "sflow.flow_sample.sampling_rate",
                "sflow.flow_sample.sample_pool", "ip.src", "tcp.dstport", "sflow_245.ifindex", "sflow_245.ifinoct",
                "_ws.expert");
        // version | agent | sub-agent | samples | rate | pool | IP sources (the UDP datagram's, then the sampled
        // header's, which tshark dissects) | sampled TCP port | counter ifIndex | ifInOctets | expert info (none)
        assertEquals(List.of("5|192.0.2.1|3|2|100|1234|127.0.0.1,10.0.0.1|443|1|123456789|"), lines);
    }
}
