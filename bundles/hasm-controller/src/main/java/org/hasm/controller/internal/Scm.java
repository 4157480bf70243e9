package org.hasm.controller.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.hasm.controller.internal.Transitions.Action;
import org.hasm.controller.internal.Transitions.Decision;
import org.hasm.controller.internal.Transitions.Event;
import org.hasm.spi.Call;
import org.hasm.spi.CallRecord;
import org.hasm.spi.HaController;
import org.hasm.spi.ModuleInfo;
import org.hasm.spi.ModuleStatus;
import org.hasm.spi.OpMode;
import org.hasm.spi.Personality;
import org.hasm.spi.ScmState;
import org.hasm.spi.SysConfig;
import org.hasm.spi.Tier;

/**
 * The controller's core, free of OSGi. Events (from the whiteboard, the peer, the operator) are
 * queued to one thread, "hasm-controller", which feeds them to the pure state machine
 * ({@link Transitions}) and performs the actions it returns through the ordered invoker
 * ({@link Lifecycle}). One thread means transitions never interleave and a module is never called
 * twice at once.
 */
final class Scm {

    /** State, role and system configuration change together: one immutable snapshot. */
    record Snapshot(ScmState state, OpMode opMode, SysConfig sysConfig, String reason) {
    }

    private final Sink sink;
    private final Supplier<Settings> reload;
    private final ModuleRegistry registry = new ModuleRegistry();
    private final Journal journal;
    private final Invoker invoker;
    private final Lifecycle lifecycle;
    private final ExecutorService executor;
    private final ExecutorService sender;
    private final ScheduledExecutorService timer;
    private final AtomicLong askGeneration = new AtomicLong();
    private volatile PeerPort peer = PeerPort.NONE;
    private volatile Thread controllerThread;
    private volatile Settings settings;
    private volatile Machine machine;
    private volatile Snapshot snapshot = new Snapshot(ScmState.OFF, null, null, null);
    private volatile List<Personality> serving = List.of();
    private volatile boolean started;
    private volatile boolean closing;
    private volatile long transitionStart;

    /**
     * @param settings the configuration to boot with
     * @param sink the log and the event bus
     * @param reload reads the configuration again; a RESET boots with what it returns
     */
    Scm(Settings settings, Sink sink, Supplier<Settings> reload) {
        this.settings = settings;
        this.sink = sink;
        this.reload = reload;
        this.machine = Machine.off(settings.role(), settings.standalone());
        this.journal = new Journal(settings.journalSize());
        this.invoker = new Invoker(settings.scm(), journal, sink);
        this.lifecycle = new Lifecycle(this, registry, invoker, () -> this.settings);
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = daemon(r, "hasm-controller");
            controllerThread = t;
            return t;
        });
        this.sender = Executors.newSingleThreadExecutor(r -> daemon(r, "hasm-controller-send"));
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "hasm-controller-timer"));
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    // ---- views ----

    Settings settings() {
        return settings;
    }

    Sink sink() {
        return sink;
    }

    Snapshot snapshot() {
        return snapshot;
    }

    List<Personality> personalities() {
        return serving;
    }

    List<ModuleInfo> modules() {
        return registry.forward().stream().map(ModuleEntry::snapshot).toList();
    }

    List<CallRecord> journal(long after) {
        return journal.after(after);
    }

    void peerPort(PeerPort port) {
        this.peer = port == null ? PeerPort.NONE : port;
    }

    // ---- lifecycle of the core ----

    /** Powers on: BOOT, then INIT and the rest as events come. */
    void start() {
        started = true;
        long period = settings.readyRetry().toMillis();
        timer.scheduleWithFixedDelay(() -> {
            if (machine.awaitingProceed()) {
                post(new Event.Tick());
            }
        }, period, period, TimeUnit.MILLISECONDS);
        post(new Event.PowerOn());
    }

    /**
     * Runs SHUTDOWN (unless already HALTED) and stops the controller's threads; waits at most until
     * every module could have used its stop and shutDown deadlines.
     */
    void close() {
        if (!started || closing) {
            return;
        }
        Future<?> done = submit("SHUTDOWN", () -> dispatch(new Event.Shutdown("the controller is stopping")));
        closing = true;
        Settings s = settings;
        long bound = (s.deadline(Call.STOP).toMillis() + s.deadline(Call.SHUTDOWN).toMillis())
                * Math.max(1, registry.forward().size()) + 5_000;
        await(done, bound, "SHUTDOWN");
        askGeneration.incrementAndGet();
        timer.shutdownNow();
        executor.shutdownNow();
        sender.shutdown();
        try {
            // let the LEAVING message reach the peer so it takes over at once
            if (!sender.awaitTermination(2, TimeUnit.SECONDS)) {
                sender.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        invoker.close();
    }

    void updateDeadlines(Map<Call, Duration> deadlines) {
        settings = settings.withDeadlines(deadlines);
    }

    // ---- whiteboard ----

    void added(ModuleEntry entry) {
        registry.add(entry);
        if (entry.status == ModuleStatus.INVALID) {
            sink.warn("module registration " + entry + " is invalid and will not be called: " + entry.lastError);
        } else if (entry.status == ModuleStatus.CONFLICT) {
            sink.warn("module " + entry + " waits: " + entry.lastError);
        } else {
            sink.debug("module " + entry + " registered");
        }
        if (started && !closing) {
            submit("bring up " + entry.name(), () -> bringUp(entry));
        }
    }

    void modified(long serviceId, ModuleProperties properties) {
        ModuleEntry entry = registry.get(serviceId);
        if (entry == null) {
            return;
        }
        boolean sameIdentity = properties.error() == null && entry.status != ModuleStatus.INVALID
                && properties.name().equals(entry.name());
        if (sameIdentity) {
            registry.update(entry, properties);
            sink.info("module " + entry + ": tier and rank apply from the next transition");
            return;
        }
        // A new name or a broken registration is a different module: the old one leaves first.
        Runnable rename = () -> {
            if (started) {
                leave(entry);
            } else {
                registry.remove(serviceId);
            }
            entry.properties = properties;
            entry.status(properties.error() == null ? ModuleStatus.REGISTERED : ModuleStatus.INVALID, null,
                    properties.error());
            added(entry);
        };
        if (started && !closing) {
            runAndWait("re-register " + entry.name(), rename);
        } else {
            rename.run();
        }
    }

    /** A module's service goes away: stop and shut it down while it is still usable. */
    void removed(long serviceId) {
        ModuleEntry entry = registry.get(serviceId);
        if (entry == null) {
            return;
        }
        if (started && !closing) {
            runAndWait("remove " + entry.name(), () -> leave(entry));
        } else {
            registry.remove(serviceId);
        }
    }

    // ---- events from outside ----

    void reset(String reason) {
        post(new Event.Reset(reason));
    }

    void requestShutdown(String reason) {
        post(new Event.Shutdown(reason));
    }

    void surrender(String reason) {
        post(new Event.Surrender(reason));
    }

    /** What the status monitor says of the peer. */
    void peerChanged(boolean alive, ScmState state, OpMode mode, OpMode configured, long incarnation) {
        peerChanged(alive, state, mode, configured, incarnation, false);
    }

    /** What the status monitor says of the peer; {@code stopped}: it saw the peer's process stop. */
    void peerChanged(boolean alive, ScmState state, OpMode mode, OpMode configured, long incarnation, boolean stopped) {
        post(new Event.PeerInfo(alive, state, mode, configured, incarnation, false, stopped));
    }

    /** A message from the peer's controller, through the link; returns the answer. */
    byte[] onPeerMessage(byte[] payload) {
        Map<String, String> m = PeerMessages.decode(payload);
        String type = m.get(PeerMessages.TYPE);
        switch (type) {
            case "NOP":
                return PeerMessages.of("OK");
            case "GETSTATE": {
                Snapshot s = snapshot;
                Machine mc = machine;
                return PeerMessages.of("STATE", "scm", settings.scm(), "state", s.state().name(),
                        "opMode", mc.opMode() == null ? "" : mc.opMode().name(),
                        "sysConfig", s.sysConfig() == null ? "" : s.sysConfig().name(),
                        "configuredRole", settings.role().name());
            }
            case "READY":
                post(new Event.PeerReady());
                return PeerMessages.of("OK");
            case "PROCEED":
                post(new Event.Proceed());
                return PeerMessages.of("OK");
            case "LEAVING":
                post(new Event.PeerDown("the peer left: " + m.getOrDefault("reason", "?")));
                return PeerMessages.of("OK");
            default:
                throw new IllegalArgumentException("unknown controller message type '" + type + "'");
        }
    }

    void panic(ModuleEntry entry, ModuleContext context, String reason) {
        sink.error("module " + entry.name() + " panicked: " + reason, null);
        submit("panic of " + entry.name(), () -> {
            if (entry.context != context) {
                return; // an earlier incarnation's late panic
            }
            entry.status(ModuleStatus.FAILED, entry.lastCall, "panic: " + reason);
            Map<String, Object> props = new HashMap<>();
            props.put("scm", settings.scm());
            props.put("module", entry.name());
            props.put("reason", reason);
            sink.post("org/hasm/controller/PANIC", props);
            if (entry.tier() == Tier.HASM) {
                // the patent's PANIC: re-initialise the SCM; the peer serves meanwhile
                dispatch(new Event.Reset("HASM module " + entry.name() + " panicked: " + reason));
            }
        });
    }

    private void post(Event e) {
        if (started && !closing) {
            submit(e.getClass().getSimpleName(), () -> dispatch(e));
        }
    }

    // ---- the dispatcher (controller thread only) ----

    private void dispatch(Event first) {
        Deque<Event> pending = new ArrayDeque<>();
        pending.add(first);
        // Each action list yields at most one follow-up (Booted, Fault, PeerSilent), and no chain is
        // longer than a few steps; the bound only guards against a bug looping forever.
        for (int steps = 0; steps < 32 && !pending.isEmpty(); steps++) {
            Event e = pending.poll();
            Machine before = machine;
            Decision d = Transitions.next(before, e);
            machine = d.next();
            if (d.transition() != null) {
                transitionStart = System.nanoTime();
                sink.info("SCM " + settings.scm() + ": " + d.transition() + ": " + before.describe() + " -> "
                        + d.next().describe() + " (on " + e + ")");
            }
            // BOOT and INIT show while their actions run; every other state only once its actions are
            // done: the peer must not see MONITOR or HALTED (and take over) while our modules still serve.
            boolean passing = d.next().state() == ScmState.BOOT || d.next().state() == ScmState.INIT;
            if (passing) {
                publish();
            }
            Event followUp;
            try {
                followUp = perform(d.actions());
            } finally {
                publish(); // even if an action failed, the state shown is the state the machine is in
            }
            if (followUp != null) {
                pending.add(followUp);
            }
        }
    }

    private Event perform(List<Action> actions) {
        Event followUp = null;
        for (Action a : actions) {
            if (a instanceof Action.InitAndTest) {
                followUp = initAndTest();
            } else if (a instanceof Action.AskPeer) {
                followUp = askPeer();
            } else if (a instanceof Action.Serve s) {
                Settings st = settings;
                serving = switch (s.scope()) {
                    case NONE -> List.of();
                    case OWN -> st.own();
                    case ALL -> st.all();
                };
            } else if (a instanceof Action.OpModeCall c) {
                List<ModuleEntry> failed = lifecycle.opMode(c.mode(), c.config(), c.reverse());
                if (!failed.isEmpty() && followUp == null) {
                    followUp = new Event.Fault("HASM module " + Lifecycle.describe(failed) + " failed opMode("
                            + c.mode() + ", " + c.config() + ")");
                }
            } else if (a instanceof Action.StopAll) {
                lifecycle.stopAll();
            } else if (a instanceof Action.ShutDownAll) {
                lifecycle.shutDownAll();
            } else if (a instanceof Action.Send s) {
                send(s);
            }
        }
        return followUp;
    }

    private Event initAndTest() {
        Settings fresh = reload.get();
        // the journal keeps its size and the SCM its name and peer until the controller restarts
        settings = new Settings(settings.scm(), settings.role(), settings.peer(), fresh.deadlines(), fresh.initTimeout(),
                fresh.readyRetry(), settings.journalSize(), fresh.personalities(), fresh.problems());
        if (!settings.problems().isEmpty()) {
            return new Event.Booted(false, "configuration: " + String.join("; ", settings.problems()));
        }
        List<ModuleEntry> failed = lifecycle.initAndTest();
        return failed.isEmpty() ? new Event.Booted(true, null)
                : new Event.Booted(false, "HASM module " + Lifecycle.describe(failed) + " failed during boot");
    }

    /** NOP and GETSTATE until the peer answers or the INIT timeout passes; answers come back as events. */
    private Event askPeer() {
        if (settings.standalone()) {
            return new Event.PeerSilent();
        }
        long generation = askGeneration.incrementAndGet();
        Duration timeout = settings.initTimeout();
        Thread t = daemon(() -> {
            long deadline = System.nanoTime() + timeout.toNanos();
            String lastError = "no answer";
            while (askGeneration.get() == generation && System.nanoTime() < deadline) {
                long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
                try {
                    Duration each = Duration.ofMillis(Math.min(left, 1000));
                    peer.request(PeerMessages.of("NOP"), each);
                    Map<String, String> s = PeerMessages.decode(peer.request(PeerMessages.of("GETSTATE"), each));
                    if (askGeneration.get() == generation) {
                        post(new Event.PeerInfo(true, PeerMessages.state(s.get("state")),
                                PeerMessages.mode(s.get("opMode")), PeerMessages.mode(s.get("configuredRole")),
                                peer.peerIncarnation(), true));
                    }
                    return;
                } catch (IOException | RuntimeException e) {
                    lastError = e.getMessage();
                    // the link retries its channels itself; pause a little so a dead peer costs no CPU
                    java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(Math.min(left, 100)));
                }
            }
            if (askGeneration.get() == generation) {
                sink.info("INIT: the peer " + settings.peer() + " did not answer within " + timeout.toMillis()
                        + " ms (" + lastError + ")");
                post(new Event.PeerSilent());
            }
        }, "hasm-controller-init");
        t.start();
        return null;
    }

    private void send(Action.Send s) {
        byte[] message = s.detail() == null ? PeerMessages.of(s.message().name())
                : PeerMessages.of(s.message().name(), "reason", s.detail());
        try {
            sender.execute(() -> {
                try {
                    peer.send(message);
                    sink.debug("sent " + s.message() + " to the peer");
                } catch (IOException e) {
                    // READY is said again on every tick; PROCEED and LEAVING fall back on the status monitor
                    sink.warn("could not send " + s.message() + " to the peer: " + e.getMessage());
                }
            });
        } catch (RejectedExecutionException e) {
            sink.debug("controller stopped; " + s.message() + " not sent");
        }
    }

    private void bringUp(ModuleEntry e) {
        Machine m = machine;
        boolean running = m.state() == ScmState.INIT || m.state() == ScmState.DAC || m.state() == ScmState.DEGRADED;
        if (e.status != ModuleStatus.REGISTERED || !e.callable() || e.initialized || !running
                || registry.get(e.serviceId) != e) {
            return; // booted with the rest, waiting, invalid, gone, or nothing runs now
        }
        List<ModuleEntry> failed = lifecycle.bringUp(e, m.opMode(), m.sysConfig());
        sink.info("module " + e + " joined the running SCM: " + e.status);
        if (!failed.isEmpty()) {
            dispatch(new Event.Fault("HASM module " + Lifecycle.describe(failed) + " failed during a late start"));
        }
    }

    private void leave(ModuleEntry e) {
        lifecycle.leave(e);
        registry.remove(e.serviceId);
        sink.info("module " + e + " left");
        ModuleEntry next = registry.promote(e.name());
        if (next != null) {
            sink.info("module " + next + " takes the name " + e.name() + " over");
            bringUp(next);
        }
    }

    private void publish() {
        Machine m = machine;
        Snapshot before = snapshot;
        Snapshot now = new Snapshot(m.state(), m.opMode(), m.sysConfig(), m.reason());
        if (now.equals(before)) {
            return;
        }
        snapshot = now;
        Map<String, Object> props = new HashMap<>();
        props.put("scm", settings.scm());
        props.put("state", now.state().name());
        if (now.opMode() != null) {
            props.put("opMode", now.opMode().name());
        }
        if (now.sysConfig() != null) {
            props.put("sysConfig", now.sysConfig().name());
        }
        if (now.reason() != null) {
            props.put("reason", now.reason());
        }
        sink.post(HaController.TOPIC_STATE, props);
        String line = "SCM " + settings.scm() + " state=" + now.state() + " opMode=" + now.opMode() + " sysConfig="
                + now.sysConfig() + " modules=" + activeCount() + " active";
        if (now.state() == ScmState.MONITOR) {
            sink.error(line + " reason=" + now.reason(), null);
        } else if (now.state() == ScmState.DAC || now.state() == ScmState.DEGRADED) {
            sink.info(line + " in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - transitionStart) + " ms");
        } else {
            sink.info(line);
        }
    }

    private String activeCount() {
        List<ModuleEntry> all = registry.forward();
        long active = all.stream().filter(e -> e.status == ModuleStatus.ACTIVE).count();
        return active + "/" + all.size();
    }

    // ---- the controller thread ----

    private Future<?> submit(String what, Runnable task) {
        try {
            return executor.submit(() -> {
                try {
                    task.run();
                } catch (RuntimeException | Error e) {
                    // A bug in a sequence must not kill the one thread that runs them all.
                    sink.error("controller task '" + what + "' failed", e);
                }
            });
        } catch (RejectedExecutionException e) {
            sink.debug("controller stopped; '" + what + "' dropped");
            return CompletableFuture.completedFuture(null);
        }
    }

    private void runAndWait(String what, Runnable task) {
        if (Thread.currentThread() == controllerThread) {
            task.run(); // a module left from inside one of its own calls
            return;
        }
        Settings s = settings;
        long bound = s.deadline(Call.STOP).toMillis() + s.deadline(Call.SHUTDOWN).toMillis() + 5_000;
        await(submit(what, task), bound, what);
    }

    private void await(Future<?> future, long millis, String what) {
        try {
            future.get(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            sink.error("controller task '" + what + "' failed", e.getCause());
        } catch (TimeoutException e) {
            sink.warn("controller task '" + what + "' did not finish within " + millis + " ms; going on without it");
        }
    }
}
