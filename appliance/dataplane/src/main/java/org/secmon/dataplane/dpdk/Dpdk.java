package org.secmon.dataplane.dpdk;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * DPDK for the SecMon data plane: availability, the once-per-process EAL initialisation, and ports.
 *
 * <p>Runs without NICs and without hugepages through virtual devices, e.g.
 * {@code --no-huge --no-pci --vdev net_pcap0,rx_pcap=FILE}; ports can also be created after initialisation with
 * {@link DpdkPort#open}, which probes a virtual device by its devargs.
 */
public final class Dpdk {
    /** EAL arguments that work on any Linux machine: no hugepages, no PCI, no shared config, no telemetry. */
    public static final List<String> DEFAULT_EAL_ARGS = List.of(
            "--no-shconf", "--no-telemetry", "--no-huge", "--no-pci", "-m", "512", "--log-level=5");

    private static final Availability AVAILABILITY = probe();
    private static Thread initThread;
    private static int cpusAtInit = -1;
    private static List<String> initArgs;

    /** Whether DPDK can be used in this process, and if not, why. */
    public record Availability(boolean available, String reason, String version) {
    }

    private Dpdk() {
    }

    private static Availability probe() {
        try {
            int abi = (int) DpdkNative.SHIM_ABI.invokeExact();
            if (abi != DpdkNative.EXPECTED_ABI) {
                return new Availability(false, "DPDK shim ABI " + abi + ", expected " + DpdkNative.EXPECTED_ABI, "");
            }
            String version = DpdkNative.string((MemorySegment) DpdkNative.DPDK_VERSION.invokeExact());
            MbufLayout.describe(); // loads and checks the layout
            return new Availability(true, "", version);
        } catch (UnsupportedOperationException e) {
            return new Availability(false, e.getMessage(), "");
        } catch (ExceptionInInitializerError e) {
            Throwable c = e.getCause() == null ? e : e.getCause();
            return new Availability(false, String.valueOf(c.getMessage()), "");
        } catch (Throwable t) {
            return new Availability(false, t.toString(), "");
        }
    }

    public static Availability availability() {
        return AVAILABILITY;
    }

    public static boolean isAvailable() {
        return AVAILABILITY.available();
    }

    /** The mbuf layout line, for logs. */
    public static String mbufLayout() {
        requireAvailable();
        return MbufLayout.describe();
    }

    private static void requireAvailable() {
        if (!AVAILABILITY.available()) {
            throw new UnsupportedOperationException("DPDK unavailable: " + AVAILABILITY.reason());
        }
    }

    /**
     * Initialise the EAL once per process (a second call with the same arguments is a no-op; with different ones
     * it fails, since DPDK cannot be re-initialised). The calling thread becomes the EAL main thread.
     */
    public static synchronized void init(List<String> ealArgs) {
        requireAvailable();
        if (initArgs != null) {
            if (!initArgs.equals(ealArgs)) {
                throw new IllegalStateException("DPDK EAL already initialised with " + initArgs
                        + "; it cannot be initialised again with " + ealArgs);
            }
            return;
        }
        List<String> argv = new ArrayList<>();
        argv.add("secmon");
        argv.addAll(ealArgs);
        Arena arena = Arena.global(); // EAL may keep pointers into argv
        MemorySegment arr = arena.allocate(ValueLayout.ADDRESS, argv.size() + 1L);
        for (int i = 0; i < argv.size(); i++) {
            arr.setAtIndex(ValueLayout.ADDRESS, i, arena.allocateFrom(argv.get(i)));
        }
        arr.setAtIndex(ValueLayout.ADDRESS, argv.size(), MemorySegment.NULL);
        int rc;
        // EAL pins the calling thread to the main lcore's CPU, and every thread it starts later (rx queues, plugin
        // workers, GC) would inherit that one CPU: unless the operator chose the cores (-l, -c, --lcores), the
        // thread's own affinity is put back after rte_eal_init
        boolean keepAffinity = ealArgs.stream().noneMatch(a -> a.equals("-l") || a.equals("-c")
                || a.startsWith("--lcores") || (a.startsWith("-l") && a.length() > 2 && Character.isDigit(a.charAt(2))));
        MemorySegment cpus = keepAffinity ? Affinity.get(arena) : null;
        cpusAtInit = Affinity.count();
        try {
            rc = (int) DpdkNative.EAL_INIT.invokeExact(argv.size(), arr);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (rc < 0) {
            throw new IllegalStateException("rte_eal_init(" + String.join(" ", ealArgs) + ") failed: "
                    + DpdkNative.lastError());
        }
        if (cpus != null) {
            Affinity.set(cpus);
        }
        initArgs = List.copyOf(ealArgs);
        initThread = Thread.currentThread();
    }

    public static synchronized boolean isInitialised() {
        return initArgs != null;
    }

    /** CPUs the initialising thread could run on before rte_eal_init (-1: unknown or not initialised). */
    static synchronized int cpusAtInit() {
        return cpusAtInit;
    }

    static synchronized boolean isInitThread(Thread t) {
        return t == initThread;
    }
}
