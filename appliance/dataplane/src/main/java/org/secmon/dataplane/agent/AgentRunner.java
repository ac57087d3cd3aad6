package org.secmon.dataplane.agent;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Runs one {@link Agent} on its own named thread until closed, done, or failed. */
public final class AgentRunner implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AgentRunner.class.getName());

    private final Agent agent;
    private final IdleStrategy idle;
    private final Thread thread;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile Throwable failure;

    public AgentRunner(Agent agent, IdleStrategy idle) {
        this.agent = agent;
        this.idle = idle;
        this.thread = Thread.ofPlatform().name(agent.roleName()).daemon(true).unstarted(this::run);
    }

    public AgentRunner start() {
        thread.start();
        return this;
    }

    private void run() {
        try {
            agent.onStart();
            while (running && !agent.isDone()) {
                idle.idle(agent.doWork());
            }
        } catch (Throwable t) {
            failure = t;
            LOG.log(System.Logger.Level.ERROR, "agent " + agent.roleName() + " failed", t);
        } finally {
            try {
                agent.onClose();
            } catch (Throwable t) {
                LOG.log(System.Logger.Level.WARNING, "agent " + agent.roleName() + " failed to close", t);
            } finally {
                finished.countDown();
            }
        }
    }

    public Agent agent() {
        return agent;
    }

    /** The exception that stopped the agent, or null. */
    public Throwable failure() {
        return failure;
    }

    public boolean isRunning() {
        return finished.getCount() > 0;
    }

    /** Wait until the agent finished by itself (or was closed). */
    public boolean awaitFinished(long timeout, TimeUnit unit) throws InterruptedException {
        return finished.await(timeout, unit);
    }

    @Override
    public void close() {
        running = false;
        if (Thread.currentThread() != thread) {
            try {
                if (!finished.await(10, TimeUnit.SECONDS)) {
                    LOG.log(System.Logger.Level.WARNING, "agent " + agent.roleName() + " did not stop within 10 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
