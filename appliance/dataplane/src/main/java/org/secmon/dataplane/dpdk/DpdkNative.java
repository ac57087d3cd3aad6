package org.secmon.dataplane.dpdk;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The only class that calls native code: one {@code static final MethodHandle} per shim function. Loading this
 * class loads the shim and, through it, DPDK's libraries; it fails (and {@link Dpdk#availability()} says why)
 * where they are missing.
 */
final class DpdkNative {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIB = SymbolLookup.libraryLookup(DpdkLibrary.locate(), Arena.global());
    /** Fast-path calls: no heap access, no upcalls, short: skip the thread state transition. */
    private static final Linker.Option CRITICAL = Linker.Option.critical(false);

    static final int EXPECTED_ABI = 1;

    static final MethodHandle SHIM_ABI = h("secmon_shim_abi", FunctionDescriptor.of(JAVA_INT));
    static final MethodHandle DPDK_VERSION = h("secmon_dpdk_version", FunctionDescriptor.of(ADDRESS));
    static final MethodHandle EAL_INIT = h("secmon_eal_init", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    static final MethodHandle EAL_CLEANUP = h("secmon_eal_cleanup", FunctionDescriptor.of(JAVA_INT));
    static final MethodHandle ERRNO = h("secmon_errno", FunctionDescriptor.of(JAVA_INT));
    static final MethodHandle STRERROR = h("secmon_strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    static final MethodHandle THREAD_REGISTER = h("secmon_thread_register", FunctionDescriptor.of(JAVA_INT));
    static final MethodHandle THREAD_UNREGISTER = h("secmon_thread_unregister", FunctionDescriptor.ofVoid());
    static final MethodHandle VDEV_CREATE = h("secmon_vdev_create",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle VDEV_REMOVE = h("secmon_vdev_remove", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle PORT_BY_NAME = h("secmon_port_by_name", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle POOL_CREATE = h("secmon_pool_create",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT));
    static final MethodHandle POOL_AVAIL = h("secmon_pool_avail", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle POOL_IN_USE = h("secmon_pool_in_use", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle POOL_FREE = h("secmon_pool_free", FunctionDescriptor.ofVoid(ADDRESS));
    static final MethodHandle PORT_START = h("secmon_port_start",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, JAVA_SHORT, JAVA_SHORT, ADDRESS));
    static final MethodHandle PORT_STOP = h("secmon_port_stop", FunctionDescriptor.of(JAVA_INT, JAVA_SHORT));
    /** 1: the last port start set the symmetric RSS key; 0: the device refused it; -1: no RSS. */
    static final MethodHandle RSS_SYMMETRIC = h("secmon_rss_symmetric", FunctionDescriptor.of(JAVA_INT));
    static final MethodHandle PORT_STATS = h("secmon_port_stats",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, ADDRESS));
    static final MethodHandle RX_BURST = h("secmon_rx_burst",
            FunctionDescriptor.of(JAVA_SHORT, JAVA_SHORT, JAVA_SHORT, ADDRESS, JAVA_SHORT), CRITICAL);
    static final MethodHandle FREE_BULK = h("secmon_free_bulk",
            FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT), CRITICAL);
    static final MethodHandle MBUF_LAYOUT = h("secmon_mbuf_layout",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle RX_LOOP = h("secmon_rx_loop",
            FunctionDescriptor.of(JAVA_LONG, JAVA_SHORT, JAVA_SHORT, JAVA_LONG, JAVA_LONG, ADDRESS));

    private DpdkNative() {
    }

    private static MethodHandle h(String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment sym = LIB.find(name).orElseThrow(() ->
                new UnsupportedOperationException("DPDK shim lacks symbol " + name + " (stale build?)"));
        return LINKER.downcallHandle(sym, fd, options);
    }

    static String string(MemorySegment cstr) {
        return cstr.equals(MemorySegment.NULL) ? "" : cstr.reinterpret(4096).getString(0);
    }

    static String lastError() {
        try {
            int e = (int) ERRNO.invokeExact();
            return string((MemorySegment) STRERROR.invokeExact(e)) + " (rte_errno " + e + ")";
        } catch (Throwable t) {
            return t.toString();
        }
    }

    static String strerror(int rc) {
        try {
            return string((MemorySegment) STRERROR.invokeExact(Math.abs(rc)));
        } catch (Throwable t) {
            return "error " + rc;
        }
    }

    /** All of native memory, for reading mbufs by absolute address. */
    static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    static final ValueLayout.OfShort U16_NATIVE = ValueLayout.JAVA_SHORT_UNALIGNED;
    static final ValueLayout.OfInt U32_NATIVE = ValueLayout.JAVA_INT_UNALIGNED;
    static final ValueLayout.OfLong U64_NATIVE = ValueLayout.JAVA_LONG_UNALIGNED;
}
