package org.secmon.dataplane.agent;

/** A unit of data-plane work run by an {@link AgentRunner} (Agrona's model). */
public interface Agent {
    /** Do a bounded amount of work; return how much (0 lets the idle strategy back off). */
    int doWork() throws Exception;

    /** Role name; the thread is named after it, e.g. {@code rx-p0q0}. */
    String roleName();

    default void onStart() {
    }

    default void onClose() {
    }

    /** True when the agent has finished (a replayed capture ended) and the runner may stop. */
    default boolean isDone() {
        return false;
    }
}
