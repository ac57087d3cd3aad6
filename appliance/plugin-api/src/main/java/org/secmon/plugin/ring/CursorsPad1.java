package org.secmon.plugin.ring;

abstract class CursorsPad1 extends ProducerFields {
    @SuppressWarnings("unused")
    long p100, p101, p102, p103, p104, p105, p106, p107, p108, p109, p110, p111, p112, p113, p114, p115;
}
