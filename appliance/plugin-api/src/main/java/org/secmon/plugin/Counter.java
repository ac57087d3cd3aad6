package org.secmon.plugin;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A single-writer counter: one data-plane thread increments it with plain-cost ordered writes, any thread reads
 * it. Padded against false sharing with neighbouring counters.
 */
public final class Counter {
    private static final VarHandle VALUE;

    static {
        try {
            VALUE = MethodHandles.lookup().findVarHandle(Counter.class, "value", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    @SuppressWarnings("unused")
    private long p1, p2, p3, p4, p5, p6, p7;
    private long value;
    @SuppressWarnings("unused")
    private long q1, q2, q3, q4, q5, q6, q7;

    public Counter(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    /** Single writer only. */
    public void increment() {
        VALUE.setOpaque(this, value + 1);
    }

    /** Single writer only. */
    public void add(long delta) {
        VALUE.setOpaque(this, value + delta);
    }

    /** Single writer only. */
    public void set(long v) {
        VALUE.setOpaque(this, v);
    }

    /** Any thread. */
    public long get() {
        return (long) VALUE.getOpaque(this);
    }

    @Override
    public String toString() {
        return name + "=" + get();
    }
}
