package org.secmon.plugin;

/**
 * One of the appliance's receive ports (a DPDK port queue or a capture), as plugins see it: what sFlow's counter
 * samples report. Counters are read from any thread; they only grow.
 */
public interface RxPort {
    /** 1-based interface index (sFlow ifIndex / NetFlow input interface). */
    int ifIndex();

    String name();

    long packets();

    long bytes();

    /** Frames that could not be parsed (reported as input errors). */
    long errors();

    /** Frames the port dropped for lack of room (reported as discards); 0 when unknown. */
    default long discards() {
        return 0;
    }

    /** Nominal speed in bits/s; 0 when unknown. */
    default long speedBitsPerSecond() {
        return 0;
    }
}
