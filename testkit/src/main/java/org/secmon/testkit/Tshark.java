package org.secmon.testkit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** tshark as an independent decoder of datagrams an encoder wrote, without sending them anywhere. */
public final class Tshark {
    private Tshark() {
    }

    /** A UDP payload to loopback port {@code port}. */
    public record Datagram(int port, byte[] payload) {
    }

    /**
     * Writes the datagrams into {@code dir/decode.pcap} (one loopback UDP frame each, a second apart) and returns
     * tshark's {@code -T fields} lines (separator {@code |}) for {@code fields}, with every datagram's port decoded as
     * {@code protocol} (e.g. {@code cflow}, {@code sflow}). Skips (or fails, under SECMON_REQUIRE_TOOLS=1) without
     * tshark; fails when tshark does.
     */
    public static List<String> fields(Path dir, String protocol, List<Datagram> datagrams, String... fields)
            throws Exception {
        Path tshark = Tools.require("tshark");
        Path pcap = dir.resolve("decode.pcap");
        long ts = 1_700_000_001_000_000_000L;
        try (CaptureWriter w = new CaptureWriter(pcap)) {
            for (int i = 0; i < datagrams.size(); i++) {
                FrameBuilder f = FrameBuilder.udp("127.0.0.1", "127.0.0.1", 40001 + i, datagrams.get(i).port());
                f.payloadBytes = datagrams.get(i).payload();
                w.write(f.build(), ts + i * 1_000_000_000L);
            }
        }
        List<String> cmd = new ArrayList<>(List.of(tshark.toString(), "-r", pcap.toString()));
        for (int port : new TreeSet<>(datagrams.stream().map(Datagram::port).toList())) {
            cmd.addAll(List.of("-d", "udp.port==" + port + "," + protocol));
        }
        cmd.addAll(List.of("-T", "fields", "-E", "separator=|"));
        for (String f : fields) {
            cmd.addAll(List.of("-e", f));
        }
        Tools.Result r = Tools.exec(cmd, 60);
        assertEquals(0, r.exitCode(), r.err());
        return r.lines();
    }
}
