package org.secmon.plugin.ring;

/** Written by the consumer only. */
abstract class ConsumerFields extends CursorsPad2 {
    /** Next position to read; released (release) for the producer. */
    long consumed;
}
