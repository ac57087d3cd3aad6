package org.secmon.plugin.ring;

/*
 * The field layout of SpscCursors, as a class hierarchy: CursorsPad0 > ProducerFields > CursorsPad1 > PublishedFields
 * > CursorsPad2 > ConsumerFields > CursorsPad3 > SpscCursors. HotSpot lays out a superclass's fields before its
 * subclass's and groups the fields of one class by size, so padding declared inside one class does not stay where it
 * is written (flags written by different threads end up on one cache line). Each region here is its own class,
 * between 128 bytes of padding (two cache lines: the adjacent-line prefetcher pulls pairs), as Agrona and JCTools do.
 * Three regions, not two: what the producer writes for every item (its next position) must not share a line with
 * what the consumer polls (the published position), or every item costs the producer a cache miss.
 * SpscCursorsTest checks the offsets with JOL.
 */

/** Padding before the producer's fields (and after whatever object precedes this one). */
abstract class CursorsPad0 {
    @SuppressWarnings("unused")
    long p000, p001, p002, p003, p004, p005, p006, p007, p008, p009, p010, p011, p012, p013, p014, p015;
}
