package org.hasm.status.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.hasm.spi.storage.FenceAgent;

/**
 * What the monitor does when the peer is cut off on every network while its storage heartbeat goes
 * on: that is a partition, not a death, so no takeover. It says so once per outage, and asks the
 * configured {@link FenceAgent} once per outage to stop the peer for good; only an agent's
 * {@code true} lets the peer be declared dead before its storage lease runs out.
 *
 * <p>Everything here but the agent call belongs to the monitor's receiver thread. The agent runs on
 * a thread of its own (it may block for seconds, and the receiver must keep counting); its answer
 * comes back through {@link #answer} and is applied by {@link #poll} on the receiver thread. An
 * answer after the timeout, or for an outage that has ended meanwhile, is ignored.
 */
final class Fencing {
    /** Outcomes, as posted in the {@code outcome} property of the fence events. */
    static final String UNREACHABLE = "unreachable";
    static final String UNAVAILABLE = "unavailable";
    static final String FENCING = "fencing";
    static final String FENCED = "fenced";
    static final String REFUSED = "refused";
    static final String FAILED = "failed";
    static final String TIMEOUT = "timeout";
    static final String REACHABLE = "reachable";

    private static final long JOIN_MS = 2000;

    private record Answer(long outage, long life, boolean stopped, String failure, boolean probe) {
    }

    private final Settings settings;
    private final Function<String, FenceAgent> agents;
    private final Monitor.Observer observer;
    private final Runnable wake;
    private final Duration timeout;
    // answers of probes and fence attempts, in the order they came; the receiver thread applies them
    private final java.util.concurrent.ConcurrentLinkedQueue<Answer> answers = new java.util.concurrent.ConcurrentLinkedQueue<>();
    // Guarded by itself: the receiver starts attempts, close() joins them.
    private final List<Thread> attempts = new ArrayList<>();

    // Receiver thread only.
    private boolean outage;
    // the outage's fence attempt was made; when it is due
    private boolean attempted;
    private long fenceAt;
    private long outageNumber;
    // counts the peer's lives seen; a fence answer counts only for the life it was aimed at
    private long life;
    private boolean pending;
    private long deadline;
    private boolean fenced;
    private boolean stillSendingReported;

    /**
     * @param agents finds the registered agent of a name, {@code null} if there is none
     * @param wake wakes the receiver thread when an answer is in
     */
    Fencing(Settings settings, Function<String, FenceAgent> agents, Monitor.Observer observer, Runnable wake) {
        this.settings = settings;
        this.agents = agents;
        this.observer = observer;
        this.wake = wake;
        this.timeout = Duration.ofMillis(settings.fenceTimeoutMs());
    }

    /** @return whether the peer was fenced in its current incarnation: dead whatever arrives */
    boolean fenced() {
        return fenced;
    }

    /**
     * Starts or ends an outage, from the channels' status.
     *
     * @param networkGood some network channel is GOOD
     * @param storageBeating some storage channel is GOOD and has carried a heartbeat of the peer
     */
    void judge(boolean networkGood, boolean storageBeating) {
        if (fenced) {
            return; // over until the peer's next incarnation
        }
        if (networkGood) {
            if (outage) {
                outage = false;
                pending = false; // an answer still coming is for an outage that is over
                observer.log(Monitor.Level.INFO, "the peer " + settings.peer() + " is reachable on the network again");
                observer.fence(settings.fenceAgent(), REACHABLE);
            }
            return;
        }
        if (!outage) {
            if (!storageBeating) {
                return;
            }
            outage = true;
            outageNumber++;
            attempted = false;
            // The configured SLAVE waits twice as long: in a true partition both SCMs see an outage at
            // the same moment, and only one of them must fence the other.
            long delay = settings.fenceDelayMs() * (settings.role() == org.hasm.spi.OpMode.SLAVE ? 2 : 1);
            fenceAt = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(delay);
            observer.log(Monitor.Level.WARN, "the peer " + settings.peer() + " is unreachable on every network but its"
                    + " storage heartbeat goes on: no takeover" + (delay > 0 ? " (fencing in " + delay
                    + " ms if it stays unreachable)" : ""));
            observer.fence(settings.fenceAgent(), UNREACHABLE);
            startProbe();
        }
        if (attempted) {
            return;
        }
        if (!storageBeating) {
            // The storage lease ran out before the fence delay: the peer is dead without anybody
            // killing anything, and a fence now could only hit its next life, already starting.
            attempted = true;
            observer.log(Monitor.Level.INFO, "the storage heartbeat of the peer " + settings.peer()
                    + " stopped before its fence delay: no fencing needed");
        } else if (System.nanoTime() - fenceAt >= 0) {
            attempted = true;
            startAttempt();
        }
    }

    /**
     * Asks the agent, without it doing anything, whether the peer is certainly stopped already: a
     * crashed peer is then taken over at once, without waiting for the fence delay or the lease.
     */
    private void startProbe() {
        FenceAgent agent = agents.apply(settings.fenceAgent());
        if (agent == null) {
            return;
        }
        long number = outageNumber;
        long probeLife = life;
        Thread t = new Thread(() -> {
            Answer a;
            try {
                a = new Answer(number, probeLife, agent.stopped(settings.peer()), null, true);
            } catch (Exception e) {
                a = new Answer(number, probeLife, false, String.valueOf(e), true);
            }
            answers.add(a);
            wake.run();
        }, "hasm-status-fence-probe-" + settings.self());
        t.setDaemon(true);
        synchronized (attempts) {
            attempts.removeIf(x -> !x.isAlive());
            attempts.add(t);
        }
        t.start();
    }

    private void startAttempt() {
        String name = settings.fenceAgent();
        FenceAgent agent = agents.apply(name);
        if (agent == null) {
            observer.log(Settings.DEFAULT_FENCE_AGENT.equals(name) ? Monitor.Level.INFO : Monitor.Level.WARN,
                    "no fence agent '" + name + "' is registered: the peer's storage lease decides");
            observer.fence(name, UNAVAILABLE);
            return;
        }
        observer.log(Monitor.Level.WARN, "fencing the peer " + settings.peer() + " with agent " + name + " (timeout "
                + timeout.toMillis() + " ms)");
        observer.fence(name, FENCING);
        long number = outageNumber;
        long attemptLife = life;
        pending = true;
        deadline = System.nanoTime() + timeout.toNanos();
        Thread t = new Thread(() -> call(agent, number, attemptLife), "hasm-status-fence-" + settings.self());
        t.setDaemon(true);
        synchronized (attempts) {
            attempts.removeIf(a -> !a.isAlive());
            attempts.add(t);
        }
        t.start();
    }

    // On the attempt's own thread.
    private void call(FenceAgent agent, long number, long attemptLife) {
        Answer a;
        try {
            a = new Answer(number, attemptLife, agent.fence(settings.peer(), timeout), null, false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            a = new Answer(number, attemptLife, false, "interrupted", false);
        } catch (Exception e) {
            a = new Answer(number, attemptLife, false, String.valueOf(e), false);
        }
        answers.add(a);
        wake.run();
    }

    /**
     * Applies an agent's answer, or its timeout. Receiver thread.
     *
     * @return whether the peer has just been fenced (its view must be published)
     */
    boolean poll() {
        boolean changed = false;
        for (int i = 0; i < 16; i++) { // bounded: at most a probe and an attempt per outage are out
            Answer a = answers.poll();
            if (a == null) {
                break;
            }
            changed |= apply(a);
        }
        return checkTimeout() || changed;
    }

    private boolean apply(Answer a) {
        String name = settings.fenceAgent();
        if (a.probe()) {
            if (a.stopped() && outage && a.outage() == outageNumber && a.life() == life && !fenced) {
                fenced = true;
                pending = false;
                attempted = true; // nothing left to fence
                observer.log(Monitor.Level.WARN, "the peer " + settings.peer() + " is certainly stopped (agent "
                        + name + "): it is dead");
                observer.fence(name, FENCED);
                return true;
            }
            return false;
        }
        {
            if (!pending || a.outage() != outageNumber) {
                if (a.stopped() && a.life() == life && !fenced) {
                    // Late, but a fence cannot be undone: the life it was aimed at is stopped, so it
                    // is dead, even if it answered on the network in the meantime.
                    pending = false;
                    fenced = true;
                    observer.log(Monitor.Level.WARN, "the peer " + settings.peer() + " was fenced by " + name
                            + " (the answer came late): it is dead");
                    observer.fence(name, FENCED);
                    return true;
                }
                observer.log(Monitor.Level.INFO, "fence agent " + name + " answered " + a.stopped()
                        + " too late (after its timeout, its outage or the peer's restart): ignored");
                return false;
            }
            pending = false;
            if (a.stopped()) {
                fenced = true;
                observer.log(Monitor.Level.WARN, "the peer " + settings.peer() + " was fenced by " + name
                        + ": it is dead");
                observer.fence(name, FENCED);
                return true;
            }
            if (a.failure() == null) {
                observer.log(Monitor.Level.WARN, "fence agent " + name + " cannot say that the peer "
                        + settings.peer() + " is stopped: its storage lease decides");
                observer.fence(name, REFUSED);
            } else {
                observer.log(Monitor.Level.WARN, "fence agent " + name + " failed (" + a.failure()
                        + "): the peer's storage lease decides");
                observer.fence(name, FAILED);
            }
            return false;
        }
    }

    private boolean checkTimeout() {
        if (pending && System.nanoTime() - deadline >= 0) {
            pending = false;
            observer.log(Monitor.Level.WARN, "fence agent " + settings.fenceAgent() + " did not answer within "
                    + timeout.toMillis() + " ms: the peer's storage lease decides");
            observer.fence(settings.fenceAgent(), TIMEOUT);
        }
        return false;
    }

    /** A frame of the fenced incarnation arrived on a network channel: the agent was wrong. Receiver thread. */
    void stillSending(String channel, long incarnation) {
        if (fenced && !stillSendingReported) {
            stillSendingReported = true;
            observer.log(Monitor.Level.ERROR, "the peer " + settings.peer() + " was fenced by " + settings.fenceAgent()
                    + " but incarnation " + incarnation + " still sends on " + channel
                    + ": it stays dead until it restarts");
        }
    }

    /** The peer restarted: a fence or an outage of its former life no longer counts. Receiver thread. */
    void newIncarnation() {
        life++;
        if (fenced) {
            observer.log(Monitor.Level.INFO, "the fenced peer " + settings.peer() + " restarted");
        }
        fenced = false;
        stillSendingReported = false;
        outage = false;
        pending = false;
    }

    /** Interrupts the agents still running; bounded. */
    void close() {
        List<Thread> running;
        synchronized (attempts) {
            running = new ArrayList<>(attempts);
            attempts.clear();
        }
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(JOIN_MS);
        for (Thread t : running) {
            t.interrupt();
            try {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (t.isAlive()) {
                observer.log(Monitor.Level.WARN, "fence agent thread " + t.getName() + " did not stop");
            }
        }
    }
}
