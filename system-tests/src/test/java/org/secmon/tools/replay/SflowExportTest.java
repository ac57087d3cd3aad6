package org.secmon.tools.replay;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.testkit.Await;
import org.secmon.testkit.CaptureWriter;
import org.secmon.testkit.Nfcapd;
import org.secmon.testkit.Ports;
import org.secmon.testkit.SampleCapture;
import org.secmon.testkit.Tools;
import org.secmon.testkit.TrafficGenerator;
import org.secmon.testkit.UdpCapture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code secmon replay --sflow} checked by independent decoders: tshark decodes every datagram (flow and counter
 * samples) without a warning, every sampled header is the first bytes of the very packet its sample pool points at,
 * the number of samples is within 4 standard deviations of M/N and the pool adds up to M; pmacct's sfacctd accounts
 * exactly the samples sent.
 */
class SflowExportTest {
    @TempDir
    Path dir;

    private static final int N = 10;
    private static final long SEED = 7;

    @Test
    void tsharkDecodesEverySampleAndTheSamplingIsUnbiased() throws Exception {
        Path tshark = Tools.require("tshark");
        Path pcap = dir.resolve("in.pcap");
        TrafficGenerator.Expected exp = TrafficGenerator.generate(pcap, 3000, 12, 42, false,
                CaptureWriter.Format.PCAP_LE_MICROS);
        List<byte[]> frames = readPcap(pcap);
        long m = frames.size();
        assertEquals(exp.packets(), m);
        ReplayCommand.Summary r;
        int port;
        try (UdpCapture cap = new UdpCapture()) {
            port = cap.port;
            r = replay(port);
            assertEquals(0, r.exitCode(), r.out() + r.err());
            long sent = r.plugin("sflow").collectorCounter("datagrams");
            assertEquals(sent, cap.await((int) sent, 10_000), "datagrams received");
            cap.writePcap(dir.resolve("sflow.pcap"));
        }
        assertEquals(m, r.counter("sflow", "sample_pool"), "the pool counts every packet given to the plugin");
        long samples = r.counter("sflow", "flow_samples");
        assertEquals(samples, r.counter("sflow", "flow_samples_sent"));

        // unbiased 1-in-N: binomial(M, 1/N)
        double mean = m / (double) N;
        double sd = Math.sqrt(m * (1.0 / N) * (1 - 1.0 / N));
        assertTrue(Math.abs(samples - mean) <= 4 * sd, samples + " samples of " + m + " packets at 1:" + N
                + ": expected " + mean + " +- " + 4 * sd);

        List<String> lines = Nfcapd.run(List.of(tshark.toString(), "-r", dir.resolve("sflow.pcap").toString(),
                // the sampled headers are cut at 128 bytes: their own dissection would warn about the truncated
                // inner packets, which says nothing about the sFlow encoding; the header bytes are compared below
                "-o", "sflow.enable_dissection:FALSE",
                "-d", "udp.port==" + port + ",sflow", "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a",
                "-E", "aggregator=;",
                "-e", "frame.number", "-e", "sflow_245.version", "-e", "sflow_245.sequence_number",
                "-e", "sflow_245.numsamples", "-e", "sflow.flow_sample.sample_pool",
                "-e", "sflow.flow_sample.sampling_rate", "-e", "sflow_245.header",
                "-e", "sflow_245.header.frame_length", "-e", "sflow_245.ifinpkt",
                "-e", "_ws.expert.message", "-e", "_ws.malformed"));
        long decodedSamples = 0;
        long expectedSeq = 1;
        long lastPool = 0;
        long counterSamples = 0;
        long lastIfInPkts = 0;
        List<String> problems = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.split("\t", -1);
            assertEquals("5", f[1], "sFlow version, frame " + f[0]);
            assertEquals(expectedSeq++, Long.parseLong(f[2]), "datagram sequence, frame " + f[0]);
            if (!f[9].isEmpty() || !f[10].isEmpty()) {
                fail("tshark warns on frame " + f[0] + ": " + f[9] + f[10]);
            }
            int inDatagram = 0;
            if (!f[4].isEmpty()) {
                String[] pools = f[4].split(";");
                String[] rates = f[5].split(";");
                String[] headers = f[6].split(";");
                String[] lengths = f[7].split(";");
                for (int i = 0; i < pools.length; i++) {
                    long pool = Long.parseLong(pools[i]);
                    assertEquals(N, Long.parseLong(rates[i]));
                    assertTrue(pool > lastPool && pool <= m, "pool " + pool + " after " + lastPool);
                    lastPool = pool;
                    byte[] frame = frames.get((int) pool - 1);
                    byte[] want = java.util.Arrays.copyOf(frame, Math.min(128, frame.length));
                    byte[] got = HexFormat.of().parseHex(headers[i].replace(":", ""));
                    // the opaque header is padded to 4 bytes with zeros (XDR); tshark shows the padding too
                    assertEquals((want.length + 3) & ~3, got.length, "padded header, pool " + pool);
                    for (int k = want.length; k < got.length; k++) {
                        assertEquals(0, got[k], "padding, pool " + pool);
                    }
                    got = java.util.Arrays.copyOf(got, want.length);
                    if (!java.util.Arrays.equals(want, got) || Long.parseLong(lengths[i]) != frame.length) {
                        problems.add("sample with pool " + pool + " is not packet " + pool + " (frame length "
                                + lengths[i] + " vs " + frame.length + ")");
                    }
                }
                inDatagram += pools.length;
                decodedSamples += pools.length;
            }
            if (!f[8].isEmpty()) {
                for (String v : f[8].split(";")) {
                    long in = Long.parseLong(v);
                    assertTrue(in >= lastIfInPkts, "interface counters only grow");
                    lastIfInPkts = in;
                    counterSamples++;
                    inDatagram++;
                }
            }
            assertEquals(Integer.parseInt(f[3]), inDatagram, "samples in frame " + f[0]);
        }
        assertTrue(problems.isEmpty(), problems.size() + " headers differ, e.g. " + problems.subList(0,
                Math.min(5, problems.size())));
        assertEquals(samples, decodedSamples, "flow samples decoded by tshark");
        assertTrue(counterSamples >= 2, "counter samples: " + counterSamples);
        assertEquals(m, lastIfInPkts, "the last counter sample has every received packet");
        assertTrue(m - lastPool < 20L * N, "the last sample's pool is near M: " + lastPool);

    }

    /**
     * On two rx queues the plugin runs as two sFlow sub-agents (sub_agent_id 0 and 1) of one agent: tshark decodes
     * both streams, each with its own gap-free datagram sequence and a sample pool that counts its queue's packets,
     * every sampled header is the packet its pool points at among that queue's packets (the queue a packet goes to
     * computed independently here, by the same symmetric hash), the pools add up to every packet, and the interface
     * counters (sub-agent 0 only) count every packet of the port.
     */
    @Test
    void twoQueuesAreTwoSubAgents() throws Exception {
        Path tshark = Tools.require("tshark");
        Path pcap = dir.resolve("in.pcap");
        TrafficGenerator.generate(pcap, 3000, 12, 42, false, CaptureWriter.Format.PCAP_LE_MICROS);
        List<byte[]> frames = readPcap(pcap);
        List<List<byte[]>> perQueue = List.of(new ArrayList<>(), new ArrayList<>());
        org.secmon.dataplane.ingest.FlowDistributor placement = new org.secmon.dataplane.ingest.FlowDistributor(2);
        org.secmon.dataplane.parse.ParsedPacket pp = new org.secmon.dataplane.parse.ParsedPacket();
        for (byte[] f : frames) {
            pp.wrap(java.lang.foreign.MemorySegment.ofArray(f), 0, f.length, f.length, 0, 0,
                    org.secmon.plugin.Packet.LINK_ETHERNET);
            if (org.secmon.dataplane.parse.PacketParser.parse(pp) == org.secmon.dataplane.parse.PacketParser.OK) {
                perQueue.get(placement.queueOf(pp)).add(f);
            }
        }
        ReplayCommand.Summary r;
        int port;
        try (UdpCapture cap = new UdpCapture()) {
            port = cap.port;
            r = replay(port, "--queues", "2");
            assertEquals(0, r.exitCode(), r.out() + r.err());
            long sent = r.plugin("sflow").collectorCounter("datagrams");
            assertEquals(sent, cap.await((int) sent, 10_000), "datagrams received");
            cap.writePcap(dir.resolve("sflow.pcap"));
        }
        assertEquals(2, r.plugin("sflow").instances(), r.out());
        assertEquals(frames.size(), r.counter("sflow", "sample_pool"), "the pools add up to every packet");
        assertEquals(List.of((long) perQueue.get(0).size(), (long) perQueue.get(1).size()), r.queuePackets());
        List<String> lines = Nfcapd.run(List.of(tshark.toString(), "-r", dir.resolve("sflow.pcap").toString(),
                "-o", "sflow.enable_dissection:FALSE", "-d", "udp.port==" + port + ",sflow", "-T", "fields",
                "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=;",
                "-e", "frame.number", "-e", "sflow_245.sub_agent_id", "-e", "sflow_245.sequence_number",
                "-e", "sflow.flow_sample.sample_pool", "-e", "sflow_245.header", "-e", "sflow_245.ifinpkt",
                "-e", "_ws.expert.message", "-e", "_ws.malformed"));
        long[] nextSeq = {1, 1};
        long[] lastPool = {0, 0};
        long decoded = 0;
        long lastIfInPkts = 0;
        List<String> problems = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.split("\t", -1);
            int sub = Integer.parseInt(f[1]);
            assertTrue(sub == 0 || sub == 1, "sub-agent " + sub + ", frame " + f[0]);
            assertEquals(nextSeq[sub]++, Long.parseLong(f[2]), "sub-agent " + sub + "'s sequence, frame " + f[0]);
            if (!f[6].isEmpty() || !f[7].isEmpty()) {
                fail("tshark warns on frame " + f[0] + ": " + f[6] + f[7]);
            }
            if (!f[3].isEmpty()) {
                String[] pools = f[3].split(";");
                String[] headers = f[4].split(";");
                for (int i = 0; i < pools.length; i++) {
                    long pool = Long.parseLong(pools[i]);
                    assertTrue(pool > lastPool[sub], "sub-agent " + sub + ": pool " + pool + " after "
                            + lastPool[sub]);
                    lastPool[sub] = pool;
                    byte[] frame = perQueue.get(sub).get((int) pool - 1);
                    byte[] want = java.util.Arrays.copyOf(frame, Math.min(128, frame.length));
                    byte[] got = java.util.Arrays.copyOf(HexFormat.of().parseHex(headers[i].replace(":", "")),
                            want.length);
                    if (!java.util.Arrays.equals(want, got)) {
                        problems.add("sub-agent " + sub + ": the sample with pool " + pool + " is not its queue's"
                                + " packet " + pool);
                    }
                    decoded++;
                }
            }
            if (!f[5].isEmpty()) {
                assertEquals(0, sub, "interface counters come from sub-agent 0 alone, frame " + f[0]);
                for (String v : f[5].split(";")) {
                    lastIfInPkts = Math.max(lastIfInPkts, Long.parseLong(v));
                }
            }
        }
        assertTrue(problems.isEmpty(), problems.size() + " headers differ, e.g. " + problems.subList(0,
                Math.min(5, problems.size())));
        assertTrue(nextSeq[0] > 5 && nextSeq[1] > 5, "both sub-agents sent: " + java.util.Arrays.toString(nextSeq));
        assertEquals(r.counter("sflow", "flow_samples"), decoded, "flow samples decoded by tshark");
        assertEquals(frames.size(), lastIfInPkts, "the last counter sample counts the port's every packet");
    }

    /**
     * pmacct's sfacctd accounts every sample. (It does not account samples of QinQ frames or of IPv6 with extension
     * headers, which the generated capture above has; this uses the plain IPv4 sample capture, looped.)
     */
    @Test
    void sfacctdAccountsEverySample() throws Exception {
        Path sample = dir.resolve("sample.pcap");
        SampleCapture.write(sample);
        long[] samplesAndAccounted = sfacctd(sample);
        assertTrue(samplesAndAccounted[0] > 500, "samples: " + samplesAndAccounted[0]);
        assertEquals(samplesAndAccounted[0], samplesAndAccounted[1],
                "packets accounted by sfacctd (without renormalization) = flow samples sent");
    }

    private ReplayCommand.Summary replay(int port, String... more) {
        return replay(dir.resolve("in.pcap"), port, more);
    }

    private static ReplayCommand.Summary replay(Path pcap, int port, String... more) {
        List<String> args = new ArrayList<>(List.of("--pcap", pcap.toString(), "--sflow",
                "127.0.0.1:" + port, "--sampling", Integer.toString(N), "--seed", Long.toString(SEED),
                "--polling-interval", "1", "--plugins", NetflowExportTest.PLUGINS.toString(), "--no-count"));
        args.addAll(List.of(more));
        return ReplayCommand.replay(args.toArray(String[]::new));
    }

    private long[] sfacctd(Path pcap) throws Exception {
        Path bin = Tools.require("sfacctd");
        int port = Ports.freeUdp();
        Path out = dir.resolve("sfacctd.csv");
        Path conf = dir.resolve("sfacctd.conf");
        Files.writeString(conf, """
                daemonize: false
                sfacctd_ip: 127.0.0.1
                sfacctd_port: %d
                sfacctd_renormalize: false
                plugins: print[out]
                aggregate[out]: src_host, dst_host, proto, src_port, dst_port
                print_output[out]: csv
                print_output_file[out]: %s
                print_output_file_append[out]: true
                print_refresh_time[out]: 1
                """.formatted(port, out));
        Path log = dir.resolve("sfacctd.log");
        Process p = new ProcessBuilder(bin.toString(), "-f", conf.toString()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        try {
            Await.started(p, log, "waiting for sFlow data", Duration.ofSeconds(20));
            // paced (20,000 packets/s: ~2 s), so that sfacctd's socket buffer never overflows whatever the host's
            // net.core.rmem_max; the samples are the same (same seed, same packets)
            ReplayCommand.Summary r = replay(pcap, port, "--rate", "20000", "--loop", "20");
            assertEquals(0, r.exitCode(), r.out() + r.err());
            long samples = r.counter("sflow", "flow_samples");
            Await.until(Duration.ofSeconds(20), "sfacctd accounted all " + samples + " samples", () -> sum(out),
                    a -> a >= samples);
            Thread.sleep(1500); // one more refresh: nothing more may come
            return new long[] {samples, sum(out)};
        } finally {
            p.descendants().forEach(ProcessHandle::destroy); // its plugin processes
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    /** Sum of the PACKETS column over every refresh sfacctd appended. */
    private static long sum(Path csv) throws IOException {
        if (!Files.exists(csv)) {
            return 0;
        }
        long total = 0;
        int col = -1;
        for (String line : Files.readAllLines(csv)) {
            String[] f = line.split(",");
            if (line.startsWith("SRC_IP")) {
                col = List.of(f).indexOf("PACKETS");
                continue;
            }
            if (col >= 0 && f.length > col) {
                total += Long.parseLong(f[col].trim());
            }
        }
        return total;
    }

    /** The frames of a little-endian microsecond pcap, in order. */
    static List<byte[]> readPcap(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(0) != 0xa1b2c3d4) {
            throw new IOException(file + ": not a little-endian microsecond pcap");
        }
        b.position(24);
        List<byte[]> out = new ArrayList<>();
        while (b.remaining() >= 16) {
            b.getInt();
            b.getInt();
            int incl = b.getInt();
            b.getInt();
            byte[] f = new byte[incl];
            b.get(f);
            out.add(f);
        }
        return out;
    }
}
