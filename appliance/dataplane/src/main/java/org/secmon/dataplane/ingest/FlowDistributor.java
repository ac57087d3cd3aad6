package org.secmon.dataplane.ingest;

import org.secmon.plugin.Packet;

/**
 * Symmetric flow placement in software, for sources that spread nothing themselves (net_pcap, af_packet, capture
 * files, the pure-Java reader) or whose spreading sees only the outer header (tunnel ingest): both directions of a
 * conversation get the same queue, because the hash combines the two endpoints (address, port) with an addition,
 * which does not care which one is the source. On a decapsulated packet the endpoints are the inner packet's.
 * Non-IP frames are placed by their two MAC addresses, the same way. No allocation; a few multiplications per
 * packet ({@code FlowDistributorBenchmark}).
 *
 * <p>NICs with RSS do this in hardware when given a symmetric Toeplitz key ({@link #SYMMETRIC_RSS_KEY_PATTERN});
 * the distributor is for everything else.
 */
public final class FlowDistributor {
    /**
     * The two bytes whose repetition makes a symmetric Toeplitz key (Woo and Park, "Scalable TCP session monitoring
     * with symmetric receive-side scaling", 2012): a key with a 16-bit period gives the same hash when the source and
     * destination (addresses, then ports) are swapped. The DPDK shim (secmon_dpdk.c) repeats the same two bytes to the
     * NIC's key size.
     */
    public static final byte[] SYMMETRIC_RSS_KEY_PATTERN = {0x6d, 0x5a};

    private static final long K1 = 0x9E3779B97F4A7C15L;
    private static final long K2 = 0xC2B2AE3D27D4EB4FL;
    private static final long K3 = 0x165667B19E3779F9L;

    private final int queues;

    public FlowDistributor(int queues) {
        if (queues < 1 || queues > 4096) {
            throw new IllegalArgumentException("queues must be 1..4096, not " + queues);
        }
        this.queues = queues;
    }

    public int queues() {
        return queues;
    }

    /** The queue of {@code p}'s conversation: 0..queues-1, the same for both directions. */
    public int queueOf(Packet p) {
        return queues == 1 ? 0 : (int) (((symmetricHash(p) & 0xFFFF_FFFFL) * queues) >>> 32);
    }

    /** A 32-bit hash of the conversation that does not depend on its direction. */
    public static int symmetricHash(Packet p) {
        long a;
        long b;
        if (p.ipVersion() == 0) {
            a = endpoint(p.srcMac(), 0, 0);
            b = endpoint(p.dstMac(), 0, 0);
        } else {
            a = endpoint(p.srcHi(), p.srcLo(), p.srcPort());
            b = endpoint(p.dstHi(), p.dstLo(), p.dstPort());
        }
        long h = (a + b) ^ (p.protocol() * K3);
        // murmur3's 64-bit finalizer: every input bit reaches the low 32 bits the queue is taken from
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (int) h;
    }

    private static long endpoint(long hi, long lo, int port) {
        long e = (hi * K1 ^ lo) * K2 ^ (port + 1L) * K1;
        return e ^ (e >>> 29);
    }
}
