package org.secmon.plugin.ring;

abstract class CursorsPad3 extends ConsumerFields {
    @SuppressWarnings("unused")
    long p300, p301, p302, p303, p304, p305, p306, p307, p308, p309, p310, p311, p312, p313, p314, p315;
}
