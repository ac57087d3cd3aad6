package org.secmon.plugin.ring;

/** Written by the producer only. */
abstract class ProducerFields extends CursorsPad0 {
    /** Next position to write. */
    long next;
    /** The consumer's position as the producer last read it. */
    long consumedSeen;
    /** Published position (release); read by the consumer. */
    long published;
    /** A value published with the position (release), e.g. the producer's clock. */
    long stamp;
    /** Times the producer waited for room (opaque). */
    long fullWaits;
    /** Items the producer skipped instead of writing (opaque), e.g. frames a flow cache does not take. */
    long skipped;
}
