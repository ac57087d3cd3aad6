package org.secmon.dataplane.source;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.secmon.dataplane.dpdk.Dpdk;
import org.secmon.dataplane.dpdk.DpdkPort;

/**
 * The one place where a source is named and opened: the agent's {@code --source}, replay's {@code --source} and
 * {@code --pcap}, the bench. A specification is parsed once into a {@link Spec}, checked (file readable, DPDK
 * available, a port named), and opened with its pacing.
 */
public final class Sources {
    private Sources() {
    }

    /** What frames come from. */
    public sealed interface Spec permits CaptureFile, DpdkDevice {
    }

    /** A capture file (pcap or pcapng) read {@code loops} times ({@link Long#MAX_VALUE}: for ever). */
    public record CaptureFile(Path file, long loops) implements Spec {
        public CaptureFile {
            if (loops < 1) {
                throw new IllegalArgumentException("a capture is read at least once, not " + loops + " times");
            }
        }
    }

    /**
     * A DPDK port: the EAL arguments, and the device — a name EAL knows (from {@code --vdev} or {@code -a}), or
     * virtual-device devargs to create it now ({@code net_pcap1,rx_pcap=FILE}). {@code idleEndMillis}: the source
     * ends after that long without a frame (0: never, as a NIC can be quiet for any time; replaying a capture
     * through net_pcap uses it to end).
     */
    public record DpdkDevice(List<String> eal, String device, long idleEndMillis) implements Spec {
        public DpdkDevice {
            eal = List.copyOf(eal);
        }
    }

    /**
     * Parses {@code pcap:FILE} (looped for ever) or {@code dpdk:EAL-ARGS} (the port named by {@code --vdev NAME,ARGS}
     * or {@code -a PCI-ADDRESS} among them). The error names what is wrong and shows the form expected.
     */
    public static Spec parse(String spec) {
        if (spec.startsWith("pcap:")) {
            return new CaptureFile(Path.of(spec.substring(5)), Long.MAX_VALUE);
        }
        if (spec.startsWith("dpdk:")) {
            List<String> eal = new ArrayList<>(List.of(spec.substring(5).trim().split("\\s+")));
            String device = null;
            for (int i = 0; i < eal.size() - 1; i++) {
                if (eal.get(i).equals("--vdev") || eal.get(i).equals("-a") || eal.get(i).equals("--allow")) {
                    device = eal.get(i + 1);
                }
            }
            if (device == null) {
                throw new IllegalArgumentException("--source dpdk: name the port in the EAL arguments: --vdev for a"
                        + " virtual device, e.g. 'dpdk:--no-huge --no-pci --vdev net_pcap0,rx_pcap=FILE,infinite_rx=1',"
                        + " or -a PCI-ADDRESS for a NIC bound to a DPDK driver, e.g. 'dpdk:-a 0000:00:04.0'");
            }
            // EAL created the device from its arguments: the port is opened by name
            return new DpdkDevice(eal, device.split(",")[0], 0);
        }
        throw new IllegalArgumentException("--source must be pcap:FILE or dpdk:EAL-ARGS, not '" + spec + "'");
    }

    /**
     * An open source and the port behind it (closed after the source), or none for a capture file.
     *
     * @param capture the capture file reader under any pacing (for its record counts), or null for DPDK
     */
    public record Opened(PacketSource source, CaptureFileSource capture, DpdkPort port) implements AutoCloseable {
        @Override
        public void close() {
            source.close();
            if (port != null) {
                port.close();
            }
        }
    }

    /**
     * Opens {@code spec}, played at {@code packetsPerSecond} with wall-clock timestamps when that is above 0 (paced in
     * bursts of {@code burst}); otherwise as fast as it comes, capture files with their own timestamps.
     */
    public static Opened open(Spec spec, long packetsPerSecond, int burst) throws IOException {
        return switch (spec) {
            case CaptureFile f -> {
                if (!Files.isReadable(f.file())) {
                    throw new IllegalArgumentException(f.file() + ": no such file or not readable");
                }
                CaptureFileSource file = new CaptureFileSource(f.file(), f.loops(), 0);
                yield new Opened(paced(file, packetsPerSecond, burst), file, null);
            }
            case DpdkDevice d -> {
                if (!Dpdk.isAvailable()) {
                    throw new IllegalArgumentException("--source dpdk: " + Dpdk.availability().reason());
                }
                Dpdk.init(d.eal());
                DpdkPort port = DpdkPort.open(d.device(), 1);
                try {
                    yield new Opened(paced(port.source(0, d.idleEndMillis()), packetsPerSecond, burst), null, port);
                } catch (RuntimeException e) {
                    port.close();
                    throw e;
                }
            }
        };
    }

    private static PacketSource paced(PacketSource s, long packetsPerSecond, int burst) {
        return packetsPerSecond > 0 ? new PacedSource(s, packetsPerSecond, burst) : s;
    }
}
