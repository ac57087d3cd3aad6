package org.secmon.plugin.ring;

/** The producer's own fields: written for every item, read by no other thread (but the counters, rarely). */
abstract class ProducerFields extends CursorsPad0 {
    /** Next position to write. */
    long next;
    /** The consumer's position as the producer last read it. */
    long consumedSeen;
    /** Times the producer waited for room (opaque). */
    long fullWaits;
    /** Items the producer skipped instead of writing (opaque), e.g. frames a flow cache does not take. */
    long skipped;
}
