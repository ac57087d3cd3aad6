package org.secmon.plugin.ring;

/** Written by the producer when it publishes (release); polled by the consumer. */
abstract class PublishedFields extends CursorsPad1 {
    /** Published position. */
    long published;
    /** A value published with the position, e.g. the producer's clock. */
    long stamp;
}
