package org.hasm.controller.internal;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.hasm.controller.internal.Transitions.Action;
import org.hasm.controller.internal.Transitions.Decision;
import org.hasm.controller.internal.Transitions.Event;
import org.hasm.spi.Call;
import org.hasm.spi.CallRecord;
import org.hasm.spi.HaContext;
import org.hasm.spi.ModuleInfo;
import org.hasm.spi.MasterAdmin;
import org.hasm.spi.ModuleStatus;
import org.hasm.spi.OpMode;
import org.hasm.spi.Personality;
import org.hasm.spi.ScmState;
import org.hasm.spi.Tier;

/**
 * The controller's core, free of OSGi: events (from the whiteboard, the peer, the operator) are
 * queued to the controller thread ({@link EventLoop}), which feeds them to the pure state machine
 * ({@link Transitions}) and performs the actions it returns: module calls through {@link Lifecycle},
 * messages through {@link PeerClient}, the state through {@link StatePublisher}. The peer's messages
 * arrive through {@link PeerServer}, registrations through {@link Whiteboard}.
 *
 * <p>{@link #settings} has one writer, the controller thread (after construction): at every boot it
 * takes the configuration as it is then, and on {@link #reconfigured()} the values that apply live.
 */
final class Scm {
    /** Posted when personality parameters were applied live: {@code scm}, {@code changed} (by personality). */
    static final String PARAMETERS_TOPIC = "org/hasm/controller/PARAMETERS";

    private final Sink sink;
    private final Supplier<Settings> source;
    private final ModuleRegistry registry = new ModuleRegistry();
    private final Journal journal;
    private final EventLoop loop;
    private final ScheduledExecutorService timer;
    private final Lifecycle lifecycle;
    private final Whiteboard whiteboard;
    private final PeerClient peerClient;
    private final PeerServer peerServer;
    /** The pair configuration's fingerprint in GETSTATE (CTCM): set once, read on the link's and the INIT thread. */
    private final ConfigFingerprint configFingerprint = new ConfigFingerprint();
    private final StatePublisher publisher;
    private final Restarts restarts;
    private volatile PeerPort peer = PeerPort.NONE;
    // written by the controller thread only (and the constructor)
    private volatile Settings settings;
    // written by the controller thread only
    private volatile Machine machine;
    // written by the controller thread only
    private volatile List<Personality> serving = List.of();
    private volatile boolean started;
    private volatile boolean closing;
    // controller thread only
    private long transitionStart;
    // when a status message of the peer last arrived, as the status monitor said last; any thread writes
    private volatile Instant peerLastHeard;
    // this SCM's admin API, for the peer's GETSTATE; written before start
    private volatile String adminUrl;
    private volatile String adminCertificate;
    // systemd's notifier, when systemd started this SCM; set before start
    private volatile ServiceManager serviceManager;
    // this SCM's hasm version and what the peer last said of its own
    private final PairVersions versions = new PairVersions();

    /**
     * @param settings the configuration to start with
     * @param sink the log and the event bus
     * @param source reads the configuration as it is now; every boot (power on, RESET) uses what it returns
     */
    Scm(Settings settings, Sink sink, Supplier<Settings> source) {
        this(settings, sink, source, Map::of);
    }

    /**
     * @param timing this SCM's timing fingerprint as it is now (the node's {@code timing()}): told to
     *     the peer in GETSTATE's answer, and compared with the peer's in the INIT handshake
     */
    Scm(Settings settings, Sink sink, Supplier<Settings> source, Supplier<Map<String, String>> timing) {
        this.settings = settings;
        this.sink = sink;
        this.source = source;
        this.machine = Machine.off(settings.role(), settings.standalone());
        this.journal = new Journal(settings.journalSize());
        this.loop = new EventLoop("hasm-controller", sink);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "hasm-controller-timer");
            t.setDaemon(true);
            return t;
        });
        ContextHost host = new ContextHost() {
            @Override
            public Settings settings() {
                return Scm.this.settings;
            }

            @Override
            public Sink sink() {
                return sink;
            }

            @Override
            public void panic(ModuleEntry entry, HaContext context, String reason) {
                onPanic(entry, context, reason);
            }
        };
        this.lifecycle = new Lifecycle(registry, journal, timer, () -> this.settings, host, sink,
                () -> loop.submit("reconcile", this::reconcile));
        this.whiteboard = new Whiteboard(registry, lifecycle, loop, sink, () -> started && !closing, this::reconcile,
                this::leaveBound);
        this.restarts = new Restarts(registry, lifecycle, loop, sink, () -> this.settings.scm(),
                () -> started && !closing, this::reconcile);
        this.peerClient = new PeerClient(() -> peer, sink, this::post, timing, configFingerprint);
        this.publisher = new StatePublisher(sink, this::activeCount);
        this.peerServer = new PeerServer(() -> {
            StatePublisher.Snapshot s = publisher.snapshot();
            Settings st = this.settings;
            // the role from the machine: it changes before the state is published
            return new PeerServer.View(st.scm(), s.state(), machine.opMode(), s.sysConfig(), st.role(), timing.get(),
                    adminUrl, adminCertificate, machine.admin().maintenance());
        }, this::post, this::ordered, configFingerprint);
        peerClient.versions(versions);
        peerServer.versions(versions);
        peerClient.bootTokens(() -> bootToken, () -> peerBootToken);
        // sent on the controller thread, by the actions of the transition that leaves
        peerClient.leavingToken(() -> machine.state() == ScmState.BOOT && leftBootToken != null ? leftBootToken : bootToken);
        peerClient.transitions(() -> transitionCount);
        peerServer.bootTokens(t -> peerBootToken = t, this::proceedHeard);
        peerServer.leaving(this::leavingHeard);
    }

    /** @param version this SCM's hasm release, told to the peer in every controller message; before {@link #start} */
    void version(String version) {
        versions.own(version);
    }

    /** @param handler answers the peer's UPGRADE_* messages; before {@link #start} */
    void upgrades(java.util.function.Function<Map<String, String>, Map<String, String>> handler) {
        peerServer.upgrades(handler);
    }

    /**
     * Asks the peer's controller, and waits for its answer.
     *
     * @throws IOException when the peer cannot be reached or answers what cannot be read
     */
    Map<String, String> ask(Duration timeout, String type, String... keyValues) throws IOException {
        try {
            return PeerMessages.decode(peer.request(PeerMessages.of(versions, type, keyValues), timeout));
        } catch (IllegalArgumentException e) {
            throw new IOException("the peer's answer to " + type + ": " + e.getMessage(), e);
        }
    }

    /** @return this SCM's hasm release and what the peer last said of its own */
    PairVersions versions() {
        return versions;
    }

    /**
     * @param url where this SCM's admin API listens, told to the peer in GETSTATE; {@code null} if not known
     * @param certificate the SHA-256 of the certificate it serves there with https, or {@code null}
     */
    void admin(String url, String certificate) {
        this.adminUrl = url;
        this.adminCertificate = certificate;
    }

    /** @param fingerprint this SCM's pair configuration fingerprint, carried and compared in GETSTATE */
    void configFingerprint(Supplier<String> fingerprint) {
        configFingerprint.source(fingerprint);
    }

    /** @param fields added to GETSTATE's answers (a test's stand-in for a next release); before {@link #start} */
    void extraStateFields(Map<String, String> fields) {
        peerServer.extraFields(fields);
    }

    // ---- views ----

    Settings settings() {
        return settings;
    }

    StatePublisher.Snapshot snapshot() {
        return publisher.snapshot();
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

    /** @param manager systemd's notifier (readiness, status, watchdog); before {@link #start} */
    void serviceManager(ServiceManager manager) {
        this.serviceManager = manager;
    }

    /** Powers on: BOOT, then INIT and the rest as events come. */
    void start() {
        started = true;
        ServiceManager sm = serviceManager;
        if (sm != null) {
            sm.startWatchdog(timer, loop, this::transitionBound);
        }
        scheduleTick();
        post(new Event.PowerOn());
    }

    /**
     * Runs SHUTDOWN (unless already HALTED) and stops the controller's threads; waits at most until
     * every module could have used its stop and shutDown deadlines.
     */
    void close() {
        if (closing) {
            return;
        }
        if (started) {
            Future<?> done = loop.submit("SHUTDOWN", () -> dispatch(new Event.Shutdown("the controller is stopping")));
            closing = true;
            long bound = 0;
            for (ModuleEntry e : registry.forward()) {
                bound += leaveBound(e);
            }
            loop.await(done, bound, "SHUTDOWN");
        }
        closing = true;
        ServiceManager sm = serviceManager;
        if (sm != null) {
            sm.close();
        }
        peerClient.close();
        timer.shutdownNow();
        loop.close();
        lifecycle.close();
    }

    /**
     * The configuration changed: the controller thread takes the values that apply while the SCM runs
     * (deadlines, INIT timings, the failback policy) and the personalities' parameters: when only their
     * properties changed (a service's port, its exports), every module is called opMode again in the
     * current mode with the new personalities, HASM modules first, as in a transition, and the SCM goes
     * on serving; a change of what is served (a personality added or removed, its home, addresses or
     * volumes) waits for the next boot.
     */
    void reconfigured() {
        loop.submit("reconfigure", () -> {
            Settings fresh = source.get();
            if (!fresh.problems().isEmpty()) {
                sink.error("configuration rejected, the running SCM keeps its deadlines (a RESET would boot into"
                        + " MONITOR): " + String.join("; ", fresh.problems()), null);
                return;
            }
            Settings was = settings;
            settings = settings.withLiveValues(fresh);
            if (!was.equals(settings)) {
                sink.info("configuration applied: deadlines " + settings.deadlines() + ", at most "
                        + settings.maxDeadline().toMillis() + " ms");
            }
            personalitiesChanged(fresh.personalities());
        });
    }

    /** Controller thread: see {@link #reconfigured()}. */
    private void personalitiesChanged(List<Personality> fresh) {
        List<Personality> before = settings.personalities();
        if (before.equals(fresh)) {
            return;
        }
        String served = PersonalityChange.served(before, fresh);
        if (served != null) {
            sink.warn("personalities changed (" + served + "): what this SCM serves changes at its next boot (RESET)");
            return;
        }
        String changed = PersonalityChange.parameters(before, fresh);
        settings = settings.withPersonalities(fresh);
        List<Personality> now = PersonalityChange.renewed(serving, fresh);
        serving = now;
        long start = System.nanoTime();
        List<ModuleEntry> failed = lifecycle.reapply(now);
        if (lifecycle.hasMode()) {
            sink.info("personality parameters changed (" + changed + "): opMode again on every module in "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms, serving "
                    + (now.isEmpty() ? "nothing" : String.join(", ", now.stream().map(Personality::name).toList())));
        } else {
            sink.info("personality parameters changed (" + changed + "): the next opMode serves them");
        }
        sink.post(PARAMETERS_TOPIC, Map.of("scm", settings.scm(), "changed", changed));
        if (!failed.isEmpty()) {
            dispatch(new Event.Fault("HASM module " + Lifecycle.describe(failed)
                    + " failed opMode with the new personality parameters (" + changed + ")"));
        }
        publish();
    }

    // ---- whiteboard ----

    void added(ModuleEntry entry) {
        whiteboard.added(entry);
    }

    void modified(long serviceId, ModuleProperties properties) {
        whiteboard.modified(serviceId, properties);
    }

    void removed(long serviceId) {
        whiteboard.removed(serviceId);
    }

    // ---- one module: the health monitor's restart and disable (ModuleControl) ----

    /** @throws IllegalArgumentException or IllegalStateException with why; nothing is queued then */
    void restartModule(String name, String reason) {
        restarts.restart(name, reason);
    }

    /** @throws IllegalArgumentException or IllegalStateException with why; nothing is queued then */
    void disableModule(String name, String reason) {
        restarts.disable(name, reason);
    }

    // ---- events from outside ----

    /** @throws IllegalStateException why the SCM cannot carry it out in its state now; nothing is queued then */
    void reset(String reason) {
        command(new Event.Reset(reason));
    }

    /** @throws IllegalStateException why the SCM cannot carry it out in its state now; nothing is queued then */
    void requestShutdown(String reason) {
        command(new Event.Shutdown(reason));
    }

    /** @throws IllegalStateException why the SCM cannot carry it out in its state now; nothing is queued then */
    void surrender(String reason) {
        command(new Event.Surrender(reason));
    }

    /*
     * The operator is told at once when the state refuses the command. The state may still change before
     * the controller thread takes it: it is judged again there, and a refusal then is logged.
     */
    private void command(Event command) {
        String refused = Transitions.refusal(machine, command);
        if (refused == null && (!started || closing)) {
            refused = "the controller is " + (closing ? "stopping" : "not started");
        }
        if (refused != null) {
            sink.warn("SCM " + settings.scm() + ": " + command + " refused: " + refused);
            throw new IllegalStateException(refused);
        }
        post(command);
    }

    // ---- administration through the MASTER ----

    // This boot's token, sent with READY and echoed by the PROCEED that answers it; new at every BOOT. Written on the
    // controller thread, read by the sender's.
    private volatile String bootToken = newBootToken();
    // The token of the boot before this one: a LEAVING sent as a RESET enters BOOT is of the boot that served.
    // Controller thread only.
    private String leftBootToken;
    // The token of the peer's last READY, echoed in PROCEED; written on the link's threads
    private volatile String peerBootToken;
    // transitions made so far; written on the controller thread only, read by the sender's
    private volatile long transitionCount;

    private static String newBootToken() {
        return Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong() | 1L);
    }

    /** How long the admin API waits for the peer when it asks where the MASTER is, or passes it a command. */
    static final Duration ADMIN_ASK = Duration.ofSeconds(3);

    /** @return whether this SCM administers the pair: it runs as MASTER and serves, or runs alone */
    static boolean administers(Machine m) {
        return m.standalone() || m.opMode() == OpMode.MASTER
                && (m.state() == ScmState.DAC || m.state() == ScmState.DEGRADED);
    }

    /**
     * Where the pair is administered now; a SLAVE asks the peer (GETSTATE), so the answer is current.
     *
     * @throws IllegalStateException with why when no MASTER is known now
     */
    MasterAdmin master() {
        Machine m = machine;
        Settings s = settings;
        if (administers(m)) {
            return MasterAdmin.self(s.scm(), adminUrl, adminCertificate);
        }
        String here = "this SCM (" + s.scm() + ") is " + m.describe();
        Map<String, String> answer;
        try {
            answer = PeerMessages.decode(peer.request(PeerMessages.of(versions, "GETSTATE"), ADMIN_ASK));
            versions.heard(answer);
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("no MASTER known: " + here + " and its peer " + s.peer()
                    + " does not answer (" + e.getMessage() + ")");
        }
        ScmState state = PeerMessages.state(answer.get("state"));
        OpMode mode = PeerMessages.mode(answer.get("opMode"));
        String name = answer.getOrDefault("scm", s.peer());
        if (mode != OpMode.MASTER || (state != ScmState.DAC && state != ScmState.DEGRADED)) {
            throw new IllegalStateException("no MASTER now: " + here + " and its peer " + name + " is " + state
                    + (mode == null ? "" : "(" + mode.name().toLowerCase(java.util.Locale.ROOT) + ")")
                    + "; try again once one of them serves as MASTER");
        }
        String url = answer.get(PeerServer.ADMIN_URL);
        if (url == null || url.isBlank()) {
            throw new IllegalStateException("the MASTER " + name + " does not say where its admin API listens (its"
                    + " release does not, or it runs none): send the command to it directly");
        }
        String certificate = answer.get(PeerServer.ADMIN_CERTIFICATE);
        return new MasterAdmin(name, false, url, certificate == null || certificate.isBlank() ? null : certificate);
    }

    /**
     * The MASTER orders the peer to carry a command out; returns once the peer queued it.
     *
     * @throws IllegalArgumentException when {@code name} is not the peer's
     * @throws IllegalStateException with why: this SCM is not the MASTER, the peer cannot be reached, or it refused
     */
    void peerCommand(String name, String command, String reason) {
        Machine m = machine;
        Settings s = settings;
        if (s.standalone() || !s.peer().equals(name)) {
            throw new IllegalArgumentException("no SCM named '" + name + "' in this pair (this SCM is " + s.scm()
                    + (s.standalone() ? ", running alone)" : ", its peer " + s.peer() + ")"));
        }
        if (!administers(m) || m.standalone()) {
            throw new IllegalStateException(m.standalone() ? "this SCM runs alone: it has no peer"
                    : "this SCM (" + s.scm() + ") is " + m.describe() + ", not the MASTER: only the MASTER passes"
                    + " commands to its peer");
        }
        Map<String, String> answer;
        try {
            answer = PeerMessages.decode(peer.request(PeerMessages.of(versions, PeerServer.COMMAND, "command", command,
                    "reason", reason), ADMIN_ASK));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("the peer " + s.peer() + " cannot be told (" + e.getMessage() + ")");
        }
        if (PeerServer.REFUSED.equals(answer.get(PeerMessages.TYPE))) {
            throw new IllegalStateException(s.peer() + " refused: " + answer.getOrDefault("reason", "no reason given"));
        }
        sink.info("SCM " + s.scm() + ": " + command + " passed to the peer " + s.peer() + " (" + reason + ")");
    }

    // ---- everyday operations, on the MASTER ----

    /** @return the machine as it is now (the operator's settings: maintenance, standby, the failback policy) */
    Machine machine() {
        return machine;
    }

    /**
     * Moves personality {@code name} to the SCM that does not serve it now: the peer's back to it
     * (FAILBACK), this SCM's own to the peer (HANDOVER), or the peer's own to this SCM (the peer is
     * ordered to hand it over).
     *
     * @throws IllegalArgumentException naming the personality when the pair has none of that name
     * @throws IllegalStateException with why it cannot be moved now
     */
    void move(String name, String reason) {
        Settings s = settings;
        Personality p = s.all().stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("no personality named '" + name + "' in this pair (" + String.join(", ",
                        s.all().stream().map(Personality::name).toList()) + ")"));
        Machine m = mastering("move " + name);
        String why = "move " + name + ": " + reason;
        if (p.home().equals(s.scm())) {
            if (m.state() == ScmState.DEGRADED) {
                throw new IllegalStateException(s.scm() + " serves both personalities: move the peer's back first");
            }
            command(new Event.HandOver(why));
        } else if (m.state() == ScmState.DEGRADED) {
            backToPeer(m, why);
        } else {
            peerCommand(s.peer(), "handover", why);
        }
    }

    /** The SCM {@code name} hands everything it serves to its peer and stands by. */
    void standby(String name, String reason) {
        Settings s = settings;
        mastering("standby " + name);
        String why = "standby of " + name + ": " + reason;
        if (name.equals(s.scm())) {
            command(new Event.HandOver(why));
        } else if (name.equals(s.peer())) {
            peerCommand(name, "handover", why);
        } else {
            throw new IllegalArgumentException("no SCM named '" + name + "' in this pair (this SCM is " + s.scm()
                    + (s.standalone() ? ")" : ", its peer " + s.peer() + ")"));
        }
    }

    /** The SCM {@code name}, standing by, gets its personality back. */
    void unstandby(String name, String reason) {
        Settings s = settings;
        Machine m = mastering("unstandby " + name);
        if (name.equals(s.scm())) {
            throw new IllegalStateException(s.scm() + " is " + m.describe() + ", the MASTER: it does not stand by");
        }
        if (!name.equals(s.peer())) {
            throw new IllegalArgumentException("no SCM named '" + name + "' in this pair (this SCM is " + s.scm()
                    + (s.standalone() ? ")" : ", its peer " + s.peer() + ")"));
        }
        backToPeer(m, "unstandby of " + name + ": " + reason);
    }

    /* FAILBACK asked: at once for a peer that waits; a peer standing by is told to say READY, and it follows. */
    private void backToPeer(Machine m, String why) {
        giveBack(why);
        if (!m.peerWaiting()) {
            peerCommand(settings.peer(), "unstandby", why);
        }
    }

    /** FAILBACK now: for a peer that waits (failback policy manual or delay, maintenance). */
    void failback(String reason) {
        mastering("failback");
        giveBack("failback: " + reason);
    }

    private void giveBack(String why) {
        command(new Event.GiveBack(why));
    }

    /** Maintenance on or off, on both SCMs (the MASTER tells its peer). */
    void maintenance(boolean on, String reason) {
        mastering("maintenance " + (on ? "on" : "off"));
        command(new Event.Maintenance(on, reason, false));
    }

    /* Pair operations are decided by the MASTER; the admin API redirects there, this says why when it did not. */
    private Machine mastering(String what) {
        Machine m = machine;
        if (!administers(m)) {
            throw new IllegalStateException("this SCM (" + settings.scm() + ") is " + m.describe() + ", not the MASTER:"
                    + " only the MASTER carries " + what + " out");
        }
        if (m.standalone()) {
            throw new IllegalStateException("this SCM runs alone (standalone): " + what + " needs a peer");
        }
        return m;
    }

    /* The MASTER's order, on a link thread: judged like an operator's command, and queued. */
    private void ordered(String command, String reason) {
        String why = "ordered by the MASTER " + settings.peer() + ": " + reason;
        sink.info("SCM " + settings.scm() + ": " + command + " " + why);
        switch (command) {
            case "reset" -> reset(why);
            case "shutdown" -> requestShutdown(why);
            case "surrender" -> surrender(why);
            case "handover" -> command(new Event.HandOver(why));
            case "unstandby" -> command(new Event.Unstandby(why));
            default -> throw new IllegalStateException("no such command '" + command + "' in this release");
        }
    }

    /** What the status monitor says of the peer. */
    void peerChanged(boolean alive, ScmState state, OpMode mode, OpMode configured, long incarnation) {
        peerChanged(alive, state, mode, configured, incarnation, false, null, null);
    }

    /**
     * What the status monitor says of the peer.
     *
     * @param stopped it saw the peer's process stop
     * @param why why it holds the peer dead (or alive), for the reason DEGRADED shows; {@code null} if it says nothing
     * @param lastHeard when the peer's last status message arrived, or {@code null}
     */
    void peerChanged(boolean alive, ScmState state, OpMode mode, OpMode configured, long incarnation, boolean stopped,
            String why, Instant lastHeard) {
        if (lastHeard != null) {
            peerLastHeard = lastHeard;
        }
        post(new Event.PeerInfo(alive, state, mode, configured, incarnation, false, stopped, why));
    }

    /**
     * A configuration changed while the SCM runs and is now wrong: FAULT into MONITOR, whose reason
     * names the file, the key and what is wrong. The operator fixes it and resets; the boot checks again.
     */
    void configurationWrong(List<String> problems) {
        post(new Event.Fault("configuration: " + String.join("; ", problems) + " (correct it, then reset)"));
    }

    /** What the storage module says of this SCM's storage now. */
    void storageChanged(StorageView view) {
        post(new Event.Storage(view));
    }

    /** A message from the peer's controller, through the link; returns the answer. */
    byte[] onPeerMessage(byte[] payload) {
        return peerServer.handle(payload);
    }

    private void onPanic(ModuleEntry entry, HaContext context, String reason) {
        sink.error("module " + entry.name() + " panicked: " + reason, null);
        loop.submit("panic of " + entry.name(), () -> {
            if (entry.context != context) {
                return; // an earlier incarnation's late panic
            }
            entry.panicked(reason);
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

    /**
     * A PROCEED from the peer, judged on the controller thread when its turn comes: one that answers the READY
     * of an earlier boot of this SCM (it reset before the answer came, or before it was handled) is dropped.
     * Taken for the answer to the next boot's READY, it would start serving before the MASTER released the
     * personality, and see the MASTER still DEGRADED.
     */
    private void proceedHeard(String token) {
        if (started && !closing) {
            loop.submit("Proceed", () -> {
                if (token != null && !token.equals(bootToken)) {
                    sink.info("SCM " + settings.scm() + ": a PROCEED that answers the READY of an earlier boot of this"
                            + " SCM, ignored");
                    return;
                }
                dispatch(new Event.Proceed());
            });
        }
    }

    /**
     * A LEAVING from the peer, judged on the controller thread when its turn comes: one sent by an earlier boot
     * of the peer than its latest READY (it left, reset and said READY again while this SCM was busy, say with
     * a slow FAILBACK) is dropped. Taken, it would take over the personality the peer's new boot serves once
     * this SCM's PROCEED reaches it: both would serve it.
     */
    private void leavingHeard(String token, String why) {
        if (started && !closing) {
            loop.submit("PeerDown", () -> {
                String latest = peerBootToken;
                if (token != null && latest != null && !token.equals(latest)) {
                    sink.info("SCM " + settings.scm() + ": a LEAVING of an earlier boot of the peer than its last READY,"
                            + " ignored (" + why + ")");
                    return;
                }
                dispatch(new Event.PeerDown("the peer left: " + why));
            });
        }
    }

    private void post(Event e) {
        if (started && !closing) {
            loop.submit(e.getClass().getSimpleName(), () -> dispatch(e));
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
            Machine before = machine.policy(settings.failback());
            Decision d = Transitions.next(before, e);
            machine = d.next();
            if (machine.state() == ScmState.BOOT && before.state() != ScmState.BOOT) {
                // a new boot: a PROCEED still on its way for the previous one's READY no longer counts
                leftBootToken = bootToken;
                bootToken = newBootToken();
            }
            if (d.refused() != null) {
                sink.warn("SCM " + settings.scm() + ": " + e + " refused: " + d.refused());
            }
            if (d.transition() != null) {
                transitionCount++;
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
            if (d.transition() != null) {
                sink.post(TransitionEvent.TOPIC, TransitionEvent.properties(settings.scm(), d.transition(),
                        before.state(), machine.state(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - transitionStart)));
            }
            if (d.transition() != null && d.transition().contains("FAILOVER") && machine.state() == ScmState.DEGRADED) {
                takenOver();
            }
            if (d.transition() != null && OPERATIONS.matcher(d.transition()).find()) {
                operated(d.transition());
            }
            if (followUp != null) {
                pending.add(followUp);
            }
        }
    }

    private Event perform(List<Action> actions) {
        Event followUp = null;
        for (int i = 0; i < actions.size(); i++) {
            Action a = actions.get(i);
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
                List<ModuleEntry> failed = lifecycle.opMode(c.mode(), c.config(), c.reverse(), serving);
                if (!failed.isEmpty() && followUp == null) {
                    followUp = new Event.Fault("HASM module " + Lifecycle.describe(failed) + " failed opMode("
                            + c.mode() + ", " + c.config() + ")");
                }
            } else if (a instanceof Action.StopAll) {
                lifecycle.stopAll(serving);
            } else if (a instanceof Action.ShutDownAll) {
                lifecycle.shutDownAll(serving);
            } else if (a instanceof Action.Send s) {
                // A message sent once the state's work is done (PROCEED after FAILBACK's opMode calls, LEAVING after
                // the stop) follows the state's publication, so that what the peer hears and what it then asks
                // (GETSTATE) agree: a SLAVE that got PROCEED could otherwise ask, still hear DEGRADED, take that for
                // a MASTER serving its personality, and RESET. Not before work that is still to come (a READY
                // followed by FAILOVER when the peer is dead): the state shows once that is done.
                if (actions.subList(i + 1, actions.size()).stream().noneMatch(Scm::changesWhatIsServed)) {
                    publish();
                }
                peerClient.send(s.message(), s.detail());
            } else if (a instanceof Action.Later l) {
                try {
                    timer.schedule(() -> post(l.event()), l.millis(), TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException ex) {
                    sink.debug("controller stopping: " + l.event() + " not scheduled");
                }
            }
        }
        return followUp;
    }

    private static boolean changesWhatIsServed(Action a) {
        return a instanceof Action.Serve || a instanceof Action.OpModeCall || a instanceof Action.InitAndTest;
    }

    private Event initAndTest() {
        // the configuration as it is now; the journal keeps its size and the SCM its name and peer
        // until the controller restarts
        settings = settings.withBootValues(source.get());
        if (!settings.problems().isEmpty()) {
            return new Event.Booted(false, "configuration: " + String.join("; ", settings.problems()));
        }
        List<ModuleEntry> failed = lifecycle.initAndTest(serving);
        return failed.isEmpty() ? new Event.Booted(true, null)
                : new Event.Booted(false, "HASM module " + Lifecycle.describe(failed) + " failed during boot");
    }

    private Event askPeer() {
        Settings s = settings;
        if (s.standalone()) {
            return new Event.PeerSilent();
        }
        peerClient.ask(s.peer(), s.initTimeout());
        return null;
    }

    /** Brings lagging modules to the current target; a HASM module that fails to join faults the SCM. */
    private void reconcile() {
        if (!started || closing) {
            return;
        }
        List<ModuleEntry> failed = lifecycle.reconcile();
        if (!failed.isEmpty()) {
            dispatch(new Event.Fault("HASM module " + Lifecycle.describe(failed) + " failed joining the running SCM"));
        }
    }

    private void publish() {
        publisher.publish(settings.scm(), machine, transitionStart);
        ServiceManager sm = serviceManager;
        if (sm != null) {
            sm.published(settings.scm(), publisher.snapshot(), serving);
        }
    }

    /**
     * @return the longest one task may hold the controller thread: a transition calling every module
     *     in turn, each call at its deadline (stop, then init, test and opMode at worst)
     */
    private long transitionBound() {
        Settings s = settings;
        long bound = 5_000;
        for (ModuleEntry e : registry.forward()) {
            long longest = 0;
            for (Call call : Call.values()) {
                longest = Math.max(longest, s.deadline(e.properties, call).toMillis());
            }
            bound += 4 * longest;
        }
        return bound;
    }

    /** Transitions of the everyday operations, whose end the log says with how long they took. */
    private static final java.util.regex.Pattern OPERATIONS = java.util.regex.Pattern.compile(
            "HANDOVER|TAKEOVER|FAILBACK \\(|^FAILBACK$|UNSTANDBY|MAINTENANCE");

    /** The line that says an operation's step is done: what this SCM serves now, and how long the step took. */
    private void operated(String transition) {
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - transitionStart);
        List<Personality> now = serving;
        sink.info("SCM " + settings.scm() + ": " + transition + " done in " + took + " ms: " + machine.describe()
                + ", serving " + (now.isEmpty() ? "nothing" : String.join(", ", now.stream().map(Personality::name)
                .toList())) + (machine.admin().maintenance() ? " (maintenance on)" : ""));
    }

    /** The one line that sums a takeover up: what, from whom, how long after the peer was last heard. */
    private void takenOver() {
        Settings s = settings;
        List<String> names = s.all().stream().filter(p -> p.home().equals(s.peer())).map(Personality::name).toList();
        Instant heard = peerLastHeard;
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - transitionStart);
        sink.info((names.isEmpty() ? "no personality" : String.join(", ", names)) + " taken over from " + s.peer() + ", "
                + (heard == null ? "never heard" : Duration.between(heard, Instant.now()).toMillis()
                + " ms after it was last heard") + "; its volumes and addresses were up in " + took + " ms ("
                + machine.reason() + ")");
    }

    private String activeCount() {
        List<ModuleEntry> all = registry.forward();
        long active = all.stream().filter(e -> e.status == ModuleStatus.ACTIVE).count();
        return active + "/" + all.size();
    }

    /** READY is said again every {@code init.ready.retry.ms} while this SCM waits for PROCEED. */
    private void scheduleTick() {
        try {
            timer.schedule(() -> {
                if (machine.awaitingProceed()) {
                    post(new Event.Tick());
                }
                scheduleTick();
            }, settings.readyRetry().toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    /** @return how long a module's stop and shutDown may take, plus a margin, in ms */
    private long leaveBound(ModuleEntry e) {
        Settings s = settings;
        Duration stop = s.deadline(e.properties, Call.STOP);
        Duration shutDown = s.deadline(e.properties, Call.SHUTDOWN);
        return stop.toMillis() + shutDown.toMillis() + 5_000;
    }
}
