package org.hasm.status.internal;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.hasm.spi.storage.FenceAgent;

/**
 * Carries out the {@link Policy}'s calls to the fence agent: a probe ({@link FenceAgent#stopped}) or
 * a fence ({@link FenceAgent#fence}), each on a thread of its own, since an agent may block for
 * seconds and the receiver must keep counting. The answer goes back to the monitor's receiver
 * thread, which hands it to the policy.
 *
 * <p>One call at a time: the policy never asks for a second while one runs, and this class refuses
 * one if it did (an agent killing a process must not be asked about that process at the same time,
 * or a dying process could be read as no process at all). Closing interrupts the call in progress
 * and waits for it a bounded time.
 */
final class Fencing {
    /** Outcomes, as posted in the {@code outcome} property of the fence events. */
    static final String UNREACHABLE = "unreachable";
    static final String UNAVAILABLE = "unavailable";
    static final String FENCING = "fencing";
    static final String FENCED = "fenced";
    static final String STOPPED = "stopped";
    static final String REFUSED = "refused";
    static final String FAILED = "failed";
    static final String TIMEOUT = "timeout";
    static final String REACHABLE = "reachable";
    /** The agent that fences nothing. */
    static final String NONE = Settings.DEFAULT_FENCE_AGENT;

    private static final long JOIN_MS = 2000;

    /** Where an answer goes; called on the agent's thread. */
    interface Answers {
        void answer(long call, Policy.Answer answer, String detail);
    }

    private final Settings settings;
    private final Function<String, FenceAgent> agents;
    private final Answers answers;
    private final Monitor.Observer observer;
    private final Duration timeout;
    // Guarded by this: the thread of the last call, and whether that call has yet to answer.
    private Thread running;
    private boolean busy;

    /**
     * @param agents finds the registered agent of a name, {@code null} if there is none
     * @param answers where answers go
     */
    Fencing(Settings settings, Function<String, FenceAgent> agents, Answers answers, Monitor.Observer observer) {
        this.settings = settings;
        this.agents = agents;
        this.answers = answers;
        this.observer = observer;
        this.timeout = Duration.ofMillis(settings.fenceTimeoutMs());
    }

    /** Asks the agent whether the peer is certainly stopped. */
    void probe(long call) {
        start(call, false);
    }

    /** Asks the agent to fence the peer. */
    void fence(long call) {
        start(call, true);
    }

    private synchronized void start(long call, boolean fence) {
        if (busy) {
            // the policy awaits a call in progress; a second one beside it is a bug, never an overlap
            observer.log(Monitor.Level.ERROR, "fence agent call " + call + " refused: call in progress on "
                    + running.getName());
            answers.answer(call, Policy.Answer.FAILED, "another call to the agent is in progress");
            return;
        }
        FenceAgent agent = agents.apply(settings.fenceAgent());
        if (agent == null) {
            answers.answer(call, Policy.Answer.UNAVAILABLE, null);
            return;
        }
        Thread t = new Thread(() -> run(agent, call, fence), "hasm-status-fence" + (fence ? "" : "-probe") + "-"
                + settings.self());
        t.setDaemon(true);
        running = t;
        busy = true;
        t.start();
    }

    // On the call's own thread.
    private void run(FenceAgent agent, long call, boolean fence) {
        Policy.Answer answer;
        String detail = null;
        try {
            boolean stopped = fence ? agent.fence(settings.peer(), timeout) : agent.stopped(settings.peer());
            answer = stopped ? Policy.Answer.STOPPED : Policy.Answer.NOT_STOPPED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            answer = Policy.Answer.FAILED;
            detail = "interrupted";
        } catch (Exception e) {
            answer = Policy.Answer.FAILED;
            detail = String.valueOf(e);
        }
        synchronized (this) {
            busy = false; // before the answer: the policy may ask for the next call the moment it has it
        }
        answers.answer(call, answer, detail);
    }

    /** Interrupts the call in progress and waits for it, bounded. */
    void close() {
        Thread t;
        synchronized (this) {
            t = running;
            running = null;
        }
        if (t == null) {
            return;
        }
        t.interrupt();
        try {
            t.join(JOIN_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (t.isAlive()) {
            observer.log(Monitor.Level.WARN, "fence agent thread " + t.getName() + " did not stop within "
                    + TimeUnit.MILLISECONDS.toSeconds(JOIN_MS) + " s");
        }
    }
}
