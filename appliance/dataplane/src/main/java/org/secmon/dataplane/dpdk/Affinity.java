package org.secmon.dataplane.dpdk;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** The calling thread's CPU affinity (Linux {@code sched_getaffinity}/{@code sched_setaffinity} through FFM). */
final class Affinity {
    private static final long CPU_SET_BYTES = 128; // cpu_set_t: 1024 CPUs
    private static final MethodHandle GET;
    private static final MethodHandle SET;

    static {
        Linker linker = Linker.nativeLinker();
        FunctionDescriptor fd = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                ValueLayout.ADDRESS);
        GET = linker.defaultLookup().find("sched_getaffinity").map(a -> linker.downcallHandle(a, fd)).orElse(null);
        SET = linker.defaultLookup().find("sched_setaffinity").map(a -> linker.downcallHandle(a, fd)).orElse(null);
    }

    private Affinity() {
    }

    /** The calling thread's CPU set, or null when it cannot be read. */
    static MemorySegment get(Arena arena) {
        if (GET == null || SET == null) {
            return null;
        }
        MemorySegment set = arena.allocate(CPU_SET_BYTES);
        try {
            return (int) GET.invokeExact(0, CPU_SET_BYTES, set) == 0 ? set : null;
        } catch (Throwable t) {
            return null;
        }
    }

    /** Sets the calling thread's CPU set; false when the kernel refused. */
    static boolean set(MemorySegment set) {
        try {
            return (int) SET.invokeExact(0, CPU_SET_BYTES, set) == 0;
        } catch (Throwable t) {
            return false;
        }
    }

    /** CPUs in the calling thread's set (what {@link Runtime#availableProcessors()} reports). */
    static int count() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = get(a);
            if (s == null) {
                return -1;
            }
            int n = 0;
            for (long i = 0; i < CPU_SET_BYTES; i += 8) {
                n += Long.bitCount(s.get(ValueLayout.JAVA_LONG_UNALIGNED, i));
            }
            return n;
        }
    }
}
