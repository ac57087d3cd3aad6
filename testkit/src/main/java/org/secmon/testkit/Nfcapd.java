package org.secmon.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.secmon.testkit.Tools;

/**
 * A real nfcapd (nfdump 1.7) on loopback for one test, and nfdump to read what it stored. Optionally repeats every
 * datagram it receives to a second port (nfcapd -R), so that one export can be decoded by tshark too.
 */
public final class Nfcapd implements AutoCloseable {
    /** One flow as nfdump decoded it (several records of one key are summed: active timeouts split flows). */
    public record Flow(long packets, long bytes, int tcpFlags, int records) {
    }

    public final int port;
    private final Path dir;
    private final Path log;
    private final Process process;

    public Nfcapd(Path dir, int repeatTo) throws Exception {
        this(dir, repeatTo, Ports.freeUdp());
    }

    public Nfcapd(Path dir, int repeatTo, int port) throws Exception {
        Path nfcapd = Tools.require("nfcapd");
        Tools.require("nfdump");
        this.dir = Files.createDirectories(dir);
        this.log = dir.resolveSibling(dir.getFileName() + ".log");
        this.port = port;
        List<String> cmd = new ArrayList<>(List.of(nfcapd.toString(), "-w", dir.toString(), "-p",
                Integer.toString(port), "-b", "127.0.0.1", "-t", "3600",
                // a large socket buffer (the kernel caps it at net.core.rmem_max): exporters flush in bursts
                "-B", Integer.toString(4 << 20)));
        if (repeatTo > 0) {
            cmd.addAll(List.of("-R", "127.0.0.1/" + repeatTo));
        }
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Await.started(process, log, "Startup", Duration.ofSeconds(20));
    }

    /** nfcapd's process id (for tests that pause it). */
    public long pid() {
        return process.pid();
    }

    public String logText() throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    /**
     * Waits until nfcapd has taken in every datagram it repeated to {@code copy} so far: sends it a NetFlow v9 header
     * without records (source id 0xDEAD) and waits for that to be repeated too. nfcapd handles datagrams one after
     * the other, so the earlier ones are then processed; stopping it right after the last repeat lost that last
     * datagram's flows now and then (seen in CI: 8 of 8 flows, or the second of two datagrams, missing).
     */
    public void drain(UdpCapture copy) throws Exception {
        int before = copy.count();
        java.nio.ByteBuffer v9 = java.nio.ByteBuffer.allocate(20).putShort((short) 9).putShort((short) 0)
                .putInt(0).putInt(0).putInt(0).putInt(0xDEAD);
        try (java.net.DatagramSocket s = new java.net.DatagramSocket()) {
            s.send(new java.net.DatagramPacket(v9.array(), 20, InetAddress.getLoopbackAddress(), port));
        }
        if (copy.await(before + 1, 10_000) < before + 1) {
            throw new IllegalStateException("nfcapd did not repeat the barrier datagram; log: " + logText());
        }
    }

    /**
     * Stop nfcapd (it writes its file on SIGTERM) and return the file — once it has read every datagram waiting in
     * its socket: a SIGTERM right after an exporter's last datagram left that datagram unread now and then (seen in
     * CI: one datagram's 28 flows, 362 packets, missing from a file after a flush at the agent's stop).
     */
    public Path stop() throws Exception {
        if (process.isAlive()) {
            awaitSocketRead(Duration.ofSeconds(10));
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("nfcapd did not stop");
            }
        }
        return collect(dir, logText());
    }

    /**
     * Waits until nfcapd's UDP socket (127.0.0.1:port) has nothing queued — /proc/net/udp's rx_queue is 0 twice,
     * 20 ms apart — or {@code limit} has passed (then the stop goes on: the test's own check says what is missing).
     */
    private void awaitSocketRead(Duration limit) throws Exception {
        Path udp = Path.of("/proc/net/udp");
        if (!Files.isReadable(udp)) {
            return;
        }
        String local = String.format("0100007F:%04X", port);
        long end = System.nanoTime() + limit.toNanos();
        int empty = 0;
        while (empty < 2 && System.nanoTime() < end) {
            long queued = -1;
            for (String line : Files.readAllLines(udp)) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 4 && f[1].equals(local)) {
                    queued = Long.parseLong(f[4].substring(f[4].indexOf(':') + 1), 16); // tx_queue:rx_queue
                }
            }
            if (queued < 0) {
                return; // no such socket (nfcapd bound elsewhere): nothing to wait for
            }
            empty = queued == 0 ? empty + 1 : 0;
            Thread.sleep(20);
        }
    }

    /**
     * The one file nfcapd wrote into {@code dir}; when it wrote several, one file merged from them all (see below).
     * {@code log} goes into the error when it wrote none.
     */
    public static Path collect(Path dir, String log) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> files = s.filter(p -> p.getFileName().toString().startsWith("nfcapd.")).sorted().toList();
            if (files.isEmpty()) {
                throw new IllegalStateException("nfcapd wrote no file into " + dir + "; log: " + log);
            }
            if (files.size() == 1) {
                return files.get(0);
            }
            // nfcapd rotates on the wall clock's interval boundary (-t 3600: every full hour), so a test that runs
            // across one gets two files (seen in CI at 22:00). nfdump reads the whole directory into one file.
            Path merged = dir.resolveSibling(dir.getFileName() + ".merged");
            // nfdump -w does not carry the files' sequence failure counts over: stats() sums them from the parts.
            run(List.of("nfdump", "-R", dir.toString(), "-w", merged.toString()));
            Files.write(parts(merged), files.stream().map(Path::toString).toList());
            return merged;
        }
    }

    /** Flows by key {@code ipVersion|proto|src|sport|dst|dport}, addresses in Java's canonical form. */
    public static Map<String, Flow> flows(Path file) throws Exception {
        Map<String, Flow> out = new HashMap<>();
        for (String line : run(List.of("nfdump", "-q", "-r", file.toString(), "-o", "csv", "-N"))) {
            if (line.isBlank() || line.startsWith("ts,")) {
                continue;
            }
            String[] f = line.split(",");
            // ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt,...
            String sa = canonical(f[3]);
            String da = canonical(f[4]);
            int ver = sa.indexOf(':') >= 0 ? 6 : 4;
            int proto = protocol(f[7].trim());
            String key = ver + "|" + proto + "|" + sa + "|" + Integer.parseInt(f[5].trim()) + "|" + da + "|"
                    + port(f[6].trim());
            Flow add = new Flow(Long.parseLong(f[11].trim()), Long.parseLong(f[12].trim()), flags(f[8].trim()), 1);
            out.merge(key, add, (a, b) -> new Flow(a.packets + b.packets, a.bytes + b.bytes,
                    a.tcpFlags | b.tcpFlags, a.records + b.records));
        }
        return out;
    }

    /** nfdump's statistics block ({@code -I}) as key -> value. */
    public static Map<String, String> stats(Path file) throws Exception {
        if (Files.exists(parts(file))) {
            // a merged file (stop() across a rotation): numbers summed over the files nfcapd wrote
            Map<String, String> sum = new HashMap<>();
            for (String part : Files.readAllLines(parts(file))) {
                stats(Path.of(part)).forEach((k, v) -> sum.merge(k, v, (a, b) -> a.matches("\\d+")
                        && b.matches("\\d+") ? Long.toString(Long.parseLong(a) + Long.parseLong(b)) : a));
            }
            return sum;
        }
        Map<String, String> out = new HashMap<>();
        for (String line : run(List.of("nfdump", "-r", file.toString(), "-I"))) {
            int c = line.indexOf(':');
            if (c > 0) {
                out.put(line.substring(0, c).trim(), line.substring(c + 1).trim());
            }
        }
        return out;
    }

    private static Path parts(Path merged) {
        return merged.resolveSibling(merged.getFileName() + ".parts");
    }

    public static String canonical(String addr) throws Exception {
        return InetAddress.getByName(addr.trim()).getHostAddress();
    }

    public static int protocol(String p) {
        return switch (p) {
            case "TCP" -> 6;
            case "UDP" -> 17;
            case "ICMP" -> 1;
            case "ICMP6" -> 58;
            case "SCTP" -> 132;
            default -> Integer.parseInt(p);
        };
    }

    /** nfdump prints ICMP type.code in the destination port column. */
    private static int port(String p) {
        int dot = p.indexOf('.');
        if (dot >= 0) {
            return Integer.parseInt(p.substring(0, dot)) << 8 | Integer.parseInt(p.substring(dot + 1));
        }
        return Integer.parseInt(p);
    }

    /** nfdump's flag string, e.g. {@code ...AP.SF} (C E U A P R S F) back to bits. */
    public static int flags(String s) {
        if (s.startsWith("0x")) {
            return Integer.parseInt(s.substring(2), 16);
        }
        String order = "CEUAPRSF";
        int v = 0;
        int off = order.length() - s.length();
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) != '.') {
                v |= 1 << (7 - (i + off));
            }
        }
        return v;
    }

    /** Run a command; its standard output lines (standard error only goes into the exception on failure). */
    public static List<String> run(List<String> cmd) throws Exception {
        Tools.Result r = Tools.exec(cmd, 120);
        if (r.exitCode() != 0) {
            throw new IllegalStateException(cmd + " exited " + r.exitCode() + ": " + r.out() + r.err());
        }
        return r.lines();
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
