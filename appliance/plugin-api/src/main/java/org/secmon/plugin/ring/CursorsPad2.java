package org.secmon.plugin.ring;

abstract class CursorsPad2 extends PublishedFields {
    @SuppressWarnings("unused")
    long p200, p201, p202, p203, p204, p205, p206, p207, p208, p209, p210, p211, p212, p213, p214, p215;
}
