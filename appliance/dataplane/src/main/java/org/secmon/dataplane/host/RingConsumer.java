package org.secmon.dataplane.host;

import org.secmon.dataplane.agent.Agent;
import org.secmon.plugin.Packet;

/** The thread of a RING-mode plugin: drains its rings (one per rx thread) and runs its housekeeping. */
final class RingConsumer implements Agent {
    private static final int BATCH = 256;

    private final LoadedPlugin owner;
    private final SlotState[] states;
    private final RxAgent.FailureListener listener;
    private final RxAgent[] clocks;
    private boolean ended;
    private volatile boolean done;

    RingConsumer(LoadedPlugin owner, SlotState[] states, RxAgent[] clocks, RxAgent.FailureListener listener) {
        this.owner = owner;
        this.states = states;
        this.clocks = clocks;
        this.listener = listener;
    }

    @Override
    public String roleName() {
        return "plugin-" + owner.name();
    }

    @Override
    public boolean isDone() {
        return done;
    }

    @Override
    public int doWork() {
        if (ended) {
            return 0;
        }
        int work = 0;
        boolean allEnded = true;
        long now = 0;
        for (int r = 0; r < states.length; r++) {
            SlotState st = states[r];
            now = Math.max(now, clocks[r].now());
            if (st.failed) {
                return 0;
            }
            PacketRing ring = st.ring;
            for (int i = 0; i < BATCH; i++) {
                Packet p = ring.peek();
                if (p == null) {
                    break;
                }
                try {
                    owner.plugin().onPacket(p);
                } catch (Throwable t) {
                    fail(st, t);
                    return work;
                } finally {
                    ring.release();
                }
                work++;
            }
            allEnded &= ring.drainedToEnd();
        }
        try {
            work += owner.plugin().poll(now) + owner.mailboxes[0].answer(owner.plugin());
            if (allEnded && states.length > 0) {
                owner.plugin().endOfStream(now);
                ended = true;
                done = true;
            }
        } catch (Throwable t) {
            fail(states[0], t);
        }
        return work;
    }

    private void fail(SlotState st, Throwable t) {
        st.errors.increment();
        for (SlotState s : states) {
            s.failed = true;
        }
        done = true;
        listener.onPluginFailure(owner, t);
    }
}
