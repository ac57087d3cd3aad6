package org.secmon.dataplane.dpdk;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One started DPDK port with its mbuf pool: by default 8192 mbufs of 2048 bytes of data room (plus headroom), rx
 * queues of 1024 descriptors, as the original appliance.
 */
public final class DpdkPort implements AutoCloseable {
    public static final int DEFAULT_MBUFS = 8192;
    public static final int DEFAULT_DATA_ROOM = 2048;
    public static final int DEFAULT_RX_DESCRIPTORS = 1024;
    private static final AtomicInteger POOLS = new AtomicInteger();

    private final String name;
    private final int portId;
    private final int rxQueues;
    private final MemorySegment pool;
    private final int poolSize;
    private final boolean createdVdev;
    private boolean closed;

    private DpdkPort(String name, int portId, int rxQueues, MemorySegment pool, int poolSize, boolean createdVdev) {
        this.name = name;
        this.portId = portId;
        this.rxQueues = rxQueues;
        this.pool = pool;
        this.poolSize = poolSize;
        this.createdVdev = createdVdev;
    }

    /** Open a port with the default pool and descriptors. */
    public static DpdkPort open(String device, int rxQueues) {
        return open(device, rxQueues, DEFAULT_MBUFS, DEFAULT_DATA_ROOM, DEFAULT_RX_DESCRIPTORS);
    }

    /**
     * Open and start a port.
     *
     * @param device a port name known to EAL (e.g. {@code net_pcap0} from {@code --vdev}), or virtual-device devargs
     *               to create it now ({@code net_pcap1,rx_pcap=/tmp/a.pcap}, {@code net_af_packet0,iface=veth1})
     * @param mbufs  mbufs in the pool (replaying a capture from memory with net_pcap {@code infinite_rx=1} needs at
     *               least as many mbufs as the capture has packets)
     */
    public static DpdkPort open(String device, int rxQueues, int mbufs, int dataRoom, int rxDescriptors) {
        if (!Dpdk.isInitialised()) {
            Dpdk.init(Dpdk.DEFAULT_EAL_ARGS);
        }
        if (rxQueues < 1 || rxQueues > 64) {
            throw new IllegalArgumentException("rx queues must be 1..64: " + rxQueues);
        }
        int comma = device.indexOf(',');
        String name = comma < 0 ? device : device.substring(0, comma);
        String args = comma < 0 ? "" : device.substring(comma + 1);
        try (Arena a = Arena.ofConfined()) {
            int port = (int) DpdkNative.PORT_BY_NAME.invokeExact(a.allocateFrom(name));
            boolean created = false;
            if (port < 0) {
                if (!name.startsWith("net_")) {
                    throw new IllegalArgumentException("no DPDK port named '" + name + "' (EAL found none; virtual"
                            + " devices are named net_pcapN, net_af_packetN...)");
                }
                int rc = (int) DpdkNative.VDEV_CREATE.invokeExact(a.allocateFrom(name), a.allocateFrom(args));
                if (rc < 0) {
                    throw new IllegalStateException("cannot create DPDK virtual device '" + device + "': "
                            + DpdkNative.strerror(rc));
                }
                created = true;
                port = (int) DpdkNative.PORT_BY_NAME.invokeExact(a.allocateFrom(name));
                if (port < 0) {
                    throw new IllegalStateException("virtual device '" + name + "' created but has no port");
                }
            }
            int cache = Math.min(256, Math.max(0, mbufs / 8));
            MemorySegment pool = (MemorySegment) DpdkNative.POOL_CREATE.invokeExact(
                    a.allocateFrom("secmon_pool_" + POOLS.incrementAndGet()), mbufs, cache,
                    dataRoom + MbufLayout.HEADROOM);
            if (pool.equals(MemorySegment.NULL)) {
                if (created) {
                    int ignored = (int) DpdkNative.VDEV_REMOVE.invokeExact(a.allocateFrom(name));
                }
                throw new IllegalStateException("cannot create a pool of " + mbufs + " mbufs: "
                        + DpdkNative.lastError() + " (raise EAL -m or use hugepages)");
            }
            int rc = (int) DpdkNative.PORT_START.invokeExact((short) port, (short) rxQueues, (short) rxDescriptors,
                    pool);
            if (rc != 0) {
                int ignored = (int) DpdkNative.PORT_STOP.invokeExact((short) port);
                if (created) {
                    ignored = (int) DpdkNative.VDEV_REMOVE.invokeExact(a.allocateFrom(name));
                }
                DpdkNative.POOL_FREE.invokeExact(pool);
                throw new IllegalStateException("cannot start DPDK port " + name + ": " + DpdkNative.strerror(rc));
            }
            int rss = (int) DpdkNative.RSS_SYMMETRIC.invokeExact();
            if (rss == 0) {
                System.getLogger(DpdkPort.class.getName()).log(System.Logger.Level.WARNING, "DPDK port " + name
                        + " refused the symmetric RSS key: its " + rxQueues + " rx queues hash with the device's "
                        + "default key, and the two directions of a conversation may land on different queues");
            }
            DpdkPort p = new DpdkPort(name, port, rxQueues, pool, mbufs, created);
            p.rssSymmetric = rss;
            return p;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** 1: rx queues spread by RSS with the symmetric key; 0: by the device's default key; -1: no RSS. */
    private int rssSymmetric = -1;

    public int rssSymmetric() {
        return rssSymmetric;
    }

    public String name() {
        return name;
    }

    public int portId() {
        return portId;
    }

    public int rxQueues() {
        return rxQueues;
    }

    public int poolSize() {
        return poolSize;
    }

    /** mbufs currently in the pool (not held by the device or by us). */
    public int poolAvailable() {
        try {
            return (int) DpdkNative.POOL_AVAIL.invokeExact(pool);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Port statistics: ipackets, ibytes, imissed, ierrors, rx_nombuf. */
    public long[] stats() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.JAVA_LONG, 5);
            int rc = (int) DpdkNative.PORT_STATS.invokeExact((short) portId, out);
            if (rc != 0) {
                throw new IllegalStateException("rte_eth_stats_get: " + DpdkNative.strerror(rc));
            }
            return out.toArray(ValueLayout.JAVA_LONG);
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** An rx source for {@code queue}; a replay of a file-backed device ends after {@code idleEndMillis} idle. */
    public DpdkSource source(int queue, long idleEndMillis) {
        if (queue < 0 || queue >= rxQueues) {
            throw new IllegalArgumentException("queue " + queue + " not in 0.." + (rxQueues - 1));
        }
        return new DpdkSource(this, queue, idleEndMillis);
    }

    /**
     * The C baseline: receive and free in C until {@code maxPackets} or {@code maxIdlePolls} empty polls; must run
     * on an EAL-registered thread. Returns {packets, bytes}.
     */
    public long[] cRxLoop(int queue, long maxPackets, long maxIdlePolls) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment bytes = a.allocate(ValueLayout.JAVA_LONG);
            long n = (long) DpdkNative.RX_LOOP.invokeExact((short) portId, (short) queue, maxPackets, maxIdlePolls,
                    bytes);
            return new long[] {n, bytes.get(ValueLayout.JAVA_LONG, 0)};
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Register the calling thread with EAL (needed to receive on any thread but the one that initialised EAL). */
    public static void registerThread() {
        if (Dpdk.isInitThread(Thread.currentThread())) {
            return;
        }
        try {
            int rc = (int) DpdkNative.THREAD_REGISTER.invokeExact();
            if (rc != 0) {
                throw new IllegalStateException("rte_thread_register failed: " + DpdkNative.lastError());
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public static void unregisterThread() {
        if (Dpdk.isInitThread(Thread.currentThread())) {
            return;
        }
        try {
            DpdkNative.THREAD_UNREGISTER.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try (Arena a = Arena.ofConfined()) {
            int rc = (int) DpdkNative.PORT_STOP.invokeExact((short) portId);
            if (createdVdev) {
                rc = (int) DpdkNative.VDEV_REMOVE.invokeExact(a.allocateFrom(name));
            }
            // the pool is freed only if every mbuf came back; otherwise it is leaked rather than corrupted
            if (poolAvailable() == poolSize) {
                DpdkNative.POOL_FREE.invokeExact(pool);
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public String toString() {
        return "dpdk:" + name + " (port " + portId + ", " + rxQueues + " rx queue(s), " + poolSize + " mbufs)";
    }
}
