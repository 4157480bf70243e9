package org.hasm.controller.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;
import org.hasm.controller.internal.UpgradePlan.Kind;
import org.hasm.controller.internal.UpgradePlan.Status;
import org.hasm.controller.internal.UpgradePlan.Step;
import org.hasm.controller.internal.UpgradeSteps.Done;
import org.hasm.controller.internal.UpgradeSteps.Event;
import org.hasm.controller.internal.UpgradeSteps.Failed;
import org.hasm.controller.internal.UpgradeSteps.Result;
import org.hasm.controller.internal.UpgradeSteps.Resume;
import org.hasm.spi.ModuleInfo;
import org.hasm.spi.ModuleStatus;
import org.hasm.spi.OpMode;
import org.hasm.spi.ScmState;
import org.hasm.spi.UpgradeView;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;

/**
 * Carries the rolling upgrade out (DESIGN §8) on the cooperative handover that exists: the MASTER's
 * thread "hasm-upgrade" reads the plan on the shared storage, looks at the pair (its own modules, the
 * peer's through {@code UPGRADE_PROBE}), turns what it sees into {@link UpgradeSteps} events, keeps
 * the next plan and then carries its step out: a standby of the SCM that hands over, an install
 * (here, or {@code UPGRADE_INSTALL} to the peer), an unstandby that makes the MASTER fail back. Only
 * the MASTER conducts; when the MASTER itself hands over, the plan names its peer as the conductor
 * and the peer, now MASTER, carries on. A MASTER that finds a plan conducted by an SCM lost in the
 * middle of another step holds it until the operator resumes or aborts.
 *
 * <p>The MASTER also deletes the staged files no plan needs any more ({@link StagedCleanup}): after a
 * plan finished, and at its first look for files the plan in progress does not name.
 *
 * <p>Threads: "hasm-upgrade" (the conductor: the only writer of the plan on this SCM, and of
 * {@link #acted} and {@link #held}) and "hasm-upgrade-install" (installs ordered by the peer, one at
 * a time); both end in {@link #close()} with a bounded join.
 */
final class Upgrader {
    // numbers the temporary files of writeFile within this process
    private static final java.util.concurrent.atomic.AtomicLong TEMPS = new java.util.concurrent.atomic.AtomicLong();
    static final String PROBE = "UPGRADE_PROBE";
    static final String INSTALL = "UPGRADE_INSTALL";
    /** The MASTER orders its peer, standing by, to restart its process on a distribution. */
    static final String RESTART = "UPGRADE_RESTART";
    /** The folder of the upgrade on the shared storage. */
    static final String FOLDER = "upgrade";
    /**
     * The node's bundle: its configuration check is the launcher's gate of the start, opened once when the
     * process starts; replaced in a running SCM, its new node waits for that gate for good, and the controller,
     * which needs the node, with it. It changes with the distribution (a process restart), never in place.
     */
    static final String NODE_BUNDLE = "org.hasm.node";
    private static final Duration ASK = Duration.ofSeconds(2);
    /** How long an SCM of the pair may not answer the conductor before the upgrade shows held. */
    static final Duration HELD_AFTER = Duration.ofSeconds(10);

    private final Scm scm;
    private final BundleContext context;
    private final Supplier<Path> shared;
    private final Sink sink;
    private final Supplier<Duration> stepTimeout;
    private final Duration tick;
    private final Supplier<Duration> dwell;
    private final Thread conductor;
    private final ExecutorService installer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "hasm-upgrade-install");
        t.setDaemon(true);
        return t;
    });
    private final Object wake = new Object();
    // held from the first jar an upgrade stages to its plan written: the cleanup never takes a jar being staged
    private final ReentrantLock planning = new ReentrantLock();
    // deletes the staged files nothing needs any more; conductor thread only
    private final StagedCleanup cleanup;
    // installs and restarts under way here, ordered by the peer (queued or running) or carried out by the conductor
    // on this SCM: the cleanup waits for them, since the plan that asked may have ended meanwhile
    private final AtomicInteger installsInFlight = new AtomicInteger();
    // the deploy folder's rollback, looked at on the conductor's thread
    private final DeployedBundles deployed;
    private volatile boolean running = true;
    // the step this process carried out ("id:current:size"); conductor thread only
    private String acted;
    // why the plan waits for the operator, or null; written by the conductor thread
    private volatile String held;
    // since when an SCM of the pair does not answer the conductor (System.nanoTime), 0 while both answer;
    // conductor thread only
    private long silentSince;
    // an operator's resume or abort for the conductor thread; guarded by wake
    private Event ordered;
    // the last install ordered here that failed, for the peer's probe; installer thread writes
    private volatile String installError;
    // the last failure of the conductor, logged once until it changes; conductor thread only
    private String lastProblem;
    // an SCM of the pair did not answer at the last look; conductor thread only
    private boolean silent;
    // this process removed its leftover temporary files from the upgrade folder; conductor thread only
    private boolean swept;
    // when the current step's deadline started (its first act in this process, or the SCMs answering
    // again), and for which step; conductor thread only
    // when the step of deadlineKey was first acted on, System.nanoTime: a step's deadline is this process's own
    private long deadlineFrom = System.nanoTime();
    private String deadlineKey;

    /**
     * @param shared the shared storage's folder ({@code shared.dir} of {@code org.hasm.storage}), {@code null} if none
     * @param stepTimeout how long a step may take before it counts as failed
     * @param dwell how long a personality handed over stays with the peer, at least, before the rejoin gives it back
     * @param tick how often the conductor looks at the pair
     */
    Upgrader(Scm scm, BundleContext context, Supplier<Path> shared, Sink sink, Supplier<Duration> stepTimeout,
            Supplier<Duration> dwell, Duration tick) {
        this.scm = scm;
        this.context = context;
        this.shared = shared;
        this.sink = sink;
        this.stepTimeout = stepTimeout;
        this.dwell = dwell;
        this.tick = tick;
        this.deployed = new DeployedBundles(context, scm::modules, sink, scm.settings().scm());
        this.cleanup = new StagedCleanup(sink, planning);
        this.conductor = new Thread(this::run, "hasm-upgrade");
        this.conductor.setDaemon(true);
        scm.upgrades(this::answer);
    }

    void start() {
        conductor.start();
    }

    void close() {
        running = false;
        synchronized (wake) {
            wake.notifyAll();
        }
        installer.shutdown();
        try {
            conductor.join(5_000);
            if (!installer.awaitTermination(5, TimeUnit.SECONDS)) {
                sink.warn("the upgrade's install thread did not end within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- the operator ----

    /** Plans an upgrade to the jar at {@code path}, keeps the plan, and wakes the conductor. */
    UpgradeView begin(String path, String reason) {
        return begin(path, reason, false);
    }

    /**
     * Plans an upgrade to the bundle jar or the distribution folder at {@code path}, keeps the plan, and wakes
     * the conductor.
     *
     * @param swapBack whether the plan ends with a last handover that gives each SCM its role back
     */
    UpgradeView begin(String path, String reason, boolean swapBack) {
        UpgradeStore store = startable();
        if (Files.isDirectory(Path.of(path))) {
            return beginDistribution(store, path, reason, swapBack);
        }
        if (path.endsWith(".json")) {
            return beginFeature(store, path, reason, swapBack);
        }
        String self = scm.settings().scm();
        Path file = Path.of(path);
        byte[] jar;
        try {
            jar = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("the jar " + file + " cannot be read on " + self + ": " + e.getMessage(), e);
        }
        String[] identity = identity(jar, file.toString());
        Bundle running = bundle(identity[0]);
        if (running == null) {
            throw new IllegalArgumentException("the jar " + file + " is the bundle " + identity[0] + ", which " + self
                    + " does not run: an upgrade replaces an installed bundle");
        }
        String from = running.getVersion().toString();
        if (from.equals(identity[1])) {
            throw new IllegalArgumentException("the jar " + file + " is " + identity[0] + " " + identity[1]
                    + ", the version the pair runs already");
        }
        if (scm.modules().stream().noneMatch(i -> identity[0].equals(i.bundle()))) {
            throw new IllegalArgumentException("the bundle " + identity[0] + " registers no module here: an upgrade judges"
                    + " each step by the module's init and test, so it replaces module bundles only");
        }
        requireReplaceable(identity[0]);
        Map<String, String> peer;
        try {
            peer = scm.ask(ASK, PROBE, "bundle", identity[0]);
        } catch (IOException e) {
            throw new IllegalStateException("the peer " + scm.settings().peer() + " does not answer (" + e.getMessage()
                    + "): an upgrade needs both SCMs", e);
        }
        if (!"DAC".equals(peer.get("state")) || "true".equals(peer.get("standby"))) {
            throw new IllegalStateException("the peer " + scm.settings().peer() + " is " + peer.get("state")
                    + ("true".equals(peer.get("standby")) ? ", standing by" : "") + ": an upgrade starts from DAC");
        }
        if (!from.equals(peer.get("version"))) {
            throw new IllegalStateException(identity[0] + " is " + from + " here and " + peer.get("version") + " on "
                    + scm.settings().peer() + ": the pair must run the same version before an upgrade");
        }
        byte[] previous = previousJar(running, from, upgraded());
        String writer = self;
        planning.lock();
        try {
            String newName = identity[0] + "-" + identity[1] + ".jar";
            String oldName = identity[0] + "-" + from + ".jar";
            String newSum = store.stage(newName, jar, writer);
            String oldSum = store.stage(oldName, previous, writer);
            String id = "upgrade-" + Instant.now().toString().replace(':', '-');
            UpgradePlan plan = UpgradePlan.of(id, identity[0], from, identity[1], newName, newSum, oldName, oldSum,
                    scm.settings().peer(), self, UpgradePlan.Target.BUNDLE, swapBack);
            store.write(plan, writer);
            sink.info("upgrade " + id + " planned: " + identity[0] + " " + from + " -> " + identity[1] + " (SHA-256 "
                    + newSum + "), " + scm.settings().peer() + " first, then " + self + ": " + reason);
            post(plan, "planned: " + reason);
            wakeUp();
            return view(plan);
        } catch (IOException e) {
            throw new IllegalStateException("the upgrade cannot be kept on the shared storage: " + e.getMessage(), e);
        } finally {
            planning.unlock();
        }
    }

    /** @return the store, once this SCM may start an upgrade: the MASTER of a pair in DAC, no upgrade in progress */
    private UpgradeStore startable() {
        Machine m = scm.machine();
        String self = scm.settings().scm();
        if (!Scm.administers(m) || m.standalone()) {
            throw new IllegalStateException("this SCM (" + self + ") is " + m.describe() + ", not the MASTER of a pair:"
                    + " only the MASTER upgrades the pair");
        }
        if (m.state() != ScmState.DAC) {
            throw new IllegalStateException("the pair is not in DAC (" + self + " is " + m.describe() + "): an upgrade"
                    + " starts from a pair where each SCM serves its own personality");
        }
        UpgradeStore store = store();
        UpgradePlan last = read(store);
        if (last != null && !last.status().ended) {
            throw new IllegalStateException("the upgrade " + last.id() + " is " + last.status() + " at step "
                    + (last.current() + 1) + ": hasmctl upgrade --resume or --abort first");
        }
        return store;
    }

    /* A whole distribution: each SCM in turn hands over, restarts on it, rejoins; judged by the hasm version
       its status shows. Both SCMs must run the same distribution folder now (what an undo restarts on). */
    private UpgradeView beginDistribution(UpgradeStore store, String path, String reason, boolean swapBack) {
        String self = scm.settings().scm();
        Path dist = DistributionRelease.folder(path);
        Path running = DistributionRelease.running(context);
        if (running == null) {
            throw new IllegalStateException("this SCM does not know the distribution it runs (hasm.home is not set)");
        }
        if (dist.equals(running)) {
            throw new IllegalArgumentException(dist + " is the distribution the pair runs already");
        }
        String from = scm.versions().own();
        String to = DistributionRelease.version(dist);
        if (to.equals(from)) {
            throw new IllegalArgumentException(dist + " is hasm " + to + ", the version the pair runs already: an"
                    + " upgrade of the distribution is judged by the version each SCM's status shows");
        }
        if (!DistributionRelease.restartable(context)) {
            throw new IllegalStateException(self + " is not restarted by a loop (bin/hasm supervise, or"
                    + " hasm.restartable=true under a supervisor that answers exit code 75): a distribution upgrade"
                    + " restarts each SCM's process");
        }
        Map<String, String> peer;
        try {
            peer = scm.ask(ASK, PROBE, "bundle", DistributionRelease.CONTROLLER);
        } catch (IOException e) {
            throw new IllegalStateException("the peer " + scm.settings().peer() + " does not answer (" + e.getMessage()
                    + "): an upgrade needs both SCMs", e);
        }
        String other = scm.settings().peer();
        if (!"DAC".equals(peer.get("state")) || "true".equals(peer.get("standby"))) {
            throw new IllegalStateException("the peer " + other + " is " + peer.get("state")
                    + ("true".equals(peer.get("standby")) ? ", standing by" : "") + ": an upgrade starts from DAC");
        }
        if (!from.equals(peer.get("hasmVersion"))) {
            throw new IllegalStateException("hasm is " + from + " here and " + peer.get("hasmVersion") + " on " + other
                    + ": the pair must run the same version before an upgrade");
        }
        if (!"true".equals(peer.get("restartable"))) {
            throw new IllegalStateException(other + " is not restarted by a loop (bin/hasm supervise, or"
                    + " hasm.restartable=true): a distribution upgrade restarts each SCM's process");
        }
        if (!running.toString().equals(peer.get("home"))) {
            throw new IllegalStateException(self + " runs " + running + " and " + other + " " + peer.get("home")
                    + ": the pair must run the same distribution folder (what a rollback restarts on)");
        }
        try {
            String newSum = DistributionRelease.digest(dist);
            String oldSum = DistributionRelease.digest(running);
            String id = "upgrade-" + Instant.now().toString().replace(':', '-');
            UpgradePlan plan = UpgradePlan.of(id, DistributionRelease.NAME, from, to, dist.toString(), newSum,
                    running.toString(), oldSum, other, self, UpgradePlan.Target.DISTRIBUTION, swapBack);
            store.write(plan, self);
            sink.info("upgrade " + id + " planned: the distribution " + running + " (hasm " + from + ") -> " + dist
                    + " (hasm " + to + ", SHA-256 " + newSum + "), " + other + " first, then " + self
                    + (swapBack ? ", then the roles swapped back" : "") + ": " + reason);
            post(plan, "planned: " + reason);
            wakeUp();
            return view(plan);
        } catch (IOException e) {
            throw new IllegalStateException("the upgrade cannot be planned: " + e.getMessage(), e);
        }
    }

    /* A feature: every bundle it names replaced in one install step, each by the exact previous jar on an undo.
       Each must run here and register a module (the steps are judged by the modules), on both SCMs alike. */
    private UpgradeView beginFeature(UpgradeStore store, String path, String reason, boolean swapBack) {
        String self = scm.settings().scm();
        String other = scm.settings().peer();
        FeatureFile feature = FeatureFile.read(Path.of(path));
        String from = runningFeatureVersion(feature.name());
        if (from.equals(feature.version())) {
            throw new IllegalArgumentException("the pair runs the feature " + feature.name() + " " + from + " already");
        }
        List<String[]> next = new java.util.ArrayList<>();
        List<String[]> previous = new java.util.ArrayList<>();
        Map<String, byte[]> jars = new LinkedHashMap<>();
        boolean changes = false;
        for (Path file : feature.jars()) {
            byte[] jar;
            try {
                jar = Files.readAllBytes(file);
            } catch (IOException e) {
                throw new IllegalArgumentException("the jar " + file + " cannot be read on " + self + ": " + e.getMessage(), e);
            }
            String[] identity = identity(jar, file.toString());
            Bundle running = bundle(identity[0]);
            if (running == null) {
                throw new IllegalArgumentException("the feature " + feature.name() + " names " + identity[0] + ", which "
                        + self + " does not run: an upgrade replaces installed bundles");
            }
            if (scm.modules().stream().noneMatch(i -> identity[0].equals(i.bundle()))) {
                throw new IllegalArgumentException("the bundle " + identity[0] + " registers no module here: an upgrade"
                        + " judges each step by the modules' init and test, so it replaces module bundles only");
            }
            String was = running.getVersion().toString();
            changes |= !was.equals(identity[1]);
            if (!was.equals(identity[1])) {
                requireReplaceable(identity[0]);
            }
            Map<String, String> peer;
            try {
                peer = scm.ask(ASK, PROBE, "bundle", identity[0]);
            } catch (IOException e) {
                throw new IllegalStateException("the peer " + other + " does not answer (" + e.getMessage()
                        + "): an upgrade needs both SCMs", e);
            }
            if (!"DAC".equals(peer.get("state")) || "true".equals(peer.get("standby"))) {
                throw new IllegalStateException("the peer " + other + " is " + peer.get("state") + ": an upgrade starts"
                        + " from DAC");
            }
            if (!was.equals(peer.get("version"))) {
                throw new IllegalStateException(identity[0] + " is " + was + " here and " + peer.get("version") + " on "
                        + other + ": the pair must run the same version before an upgrade");
            }
            String newName = identity[0] + "-" + identity[1] + ".jar";
            String oldName = identity[0] + "-" + was + ".jar";
            jars.put(newName, jar);
            jars.put(oldName, previousJar(running, was, upgraded()));
            next.add(new String[] {identity[0], identity[1], newName});
            previous.add(new String[] {identity[0], was, oldName});
        }
        if (!changes) {
            throw new IllegalArgumentException("every bundle of the feature " + feature.name() + " " + feature.version()
                    + " runs in that version already");
        }
        planning.lock();
        try {
            Map<String, String> sums = new LinkedHashMap<>();
            for (Map.Entry<String, byte[]> j : jars.entrySet()) {
                sums.put(j.getKey(), store.stage(j.getKey(), j.getValue(), self));
            }
            String newList = listName(feature.name(), feature.version());
            String oldList = listName(feature.name(), from);
            String newSum = store.stage(newList, list(next, sums), self);
            String oldSum = store.stage(oldList, list(previous, sums), self);
            String id = "upgrade-" + Instant.now().toString().replace(':', '-');
            UpgradePlan plan = UpgradePlan.of(id, FEATURE_PREFIX + feature.name(), from, feature.version(), newList, newSum,
                    oldList, oldSum, other, self, UpgradePlan.Target.FEATURE, swapBack);
            store.write(plan, self);
            sink.info("upgrade " + id + " planned: the feature " + feature.name() + " " + from + " -> " + feature.version()
                    + " (" + next.size() + " bundles: " + String.join(", ", next.stream().map(n -> n[0] + " " + n[1])
                    .toList()) + "), " + other + " first, then " + self + (swapBack ? ", then the roles swapped back" : "")
                    + ": " + reason);
            post(plan, "planned: " + reason);
            wakeUp();
            return view(plan);
        } catch (IOException e) {
            throw new IllegalStateException("the upgrade cannot be kept on the shared storage: " + e.getMessage(), e);
        } finally {
            planning.unlock();
        }
    }

    static final String FEATURE_PREFIX = "feature:";

    /* the version of the feature NAME in the distribution this SCM runs, "previous" when it has none */
    private String runningFeatureVersion(String name) {
        Path home = DistributionRelease.running(context);
        Path file = home == null ? null : home.resolve("system/features/" + name + ".json");
        if (file == null || !Files.isRegularFile(file)) {
            return "previous";
        }
        try {
            return FeatureFile.read(file).version();
        } catch (IllegalArgumentException e) {
            return "previous";
        }
    }

    private static String listName(String feature, String version) {
        return ("feature-" + feature + "-" + version + ".list").replaceAll("[^A-Za-z0-9_.-]", "_");
    }

    private static byte[] list(List<String[]> bundles, Map<String, String> sums) {
        StringBuilder b = new StringBuilder();
        for (String[] n : bundles) {
            b.append(n[0]).append(' ').append(n[1]).append(' ').append(n[2]).append(' ').append(sums.get(n[2])).append('\n');
        }
        return b.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** @return the staged list's lines as {bsn, version, jar, sha256}, once its SHA-256 is the plan's */
    private List<String[]> readList(String name, String sha256) throws IOException {
        return store().list(name, sha256);
    }

    /** Installs every bundle of a feature's staged list, each unless it runs that version already. */
    private void installFeature(String list, String sha256) throws IOException {
        for (String[] b : readList(list, sha256)) {
            install(b[0], b[1], b[2], b[3]);
        }
    }

    /* A feature: every bundle of the step's list judged by its module, on the SCM of the step */
    private Event observeFeature(UpgradePlan plan, Step step, Side sx, Side so) throws IOException {
        String x = step.scm();
        if (step.kind() == Kind.HANDOVER) {
            return sx.standby() && so.state() == ScmState.DEGRADED ? new Done() : null;
        }
        if (step.kind() == Kind.INSTALL && sx.installError() != null) {
            return new Failed("install of " + plan.bundle() + " " + step.version() + " on " + x + " failed: "
                    + sx.installError());
        }
        String[] list = plan.jarOf(step.version());
        boolean all = true;
        for (String[] b : readList(list[0], list[1])) {
            String[] m = sx.modules().get(b[0]);
            if (m == null || !b[1].equals(m[0])) {
                all = false;
                continue;
            }
            if ("FAILED".equals(m[1]) || "TIMED_OUT".equals(m[1])) {
                return new Failed(b[0] + " " + b[1] + " on " + x + (step.kind() == Kind.REJOIN ? " after it rejoined" : "")
                        + ": " + m[2] + " " + m[1] + ": " + m[3]);
            }
            boolean up = step.kind() == Kind.INSTALL ? "TESTED".equals(m[1]) || "ACTIVE".equals(m[1]) : "ACTIVE".equals(m[1]);
            all &= up;
        }
        if (step.kind() == Kind.INSTALL) {
            return all ? new Done() : null;
        }
        return all && sx.state() == ScmState.DAC && so.state() == ScmState.DAC && sx.settling() == null ? new Done()
                : null;
    }

    /** @return the last plan, or {@code null} */
    UpgradeView view() {
        UpgradePlan p = read(store());
        return p == null ? null : view(p);
    }

    void resume(String reason) {
        order(new Resume(), "resume", reason);
    }

    void abort(String reason) {
        order(new UpgradeSteps.Abort(reason), "abort", reason);
    }

    private void order(Event event, String what, String reason) {
        Machine m = scm.machine();
        if (!Scm.administers(m)) {
            throw new IllegalStateException("this SCM (" + scm.settings().scm() + ") is " + m.describe()
                    + ", not the MASTER: only the MASTER carries an upgrade's " + what + " out");
        }
        UpgradePlan p = read(store());
        if (p == null || p.status().ended) {
            throw new IllegalStateException("no upgrade in progress" + (p == null ? "" : ": the last, " + p.id()
                    + ", is " + p.status()));
        }
        sink.info("upgrade " + p.id() + ": " + what + " asked: " + reason);
        synchronized (wake) {
            ordered = event;
            wake.notifyAll();
        }
    }

    // ---- the conductor ----

    private void run() {
        // bounded by close(): running turns false and the wait below is woken
        while (running) {
            try {
                deployed.look();
                conduct();
                lastProblem = null;
            } catch (IOException | RuntimeException e) {
                String problem = e.getMessage();
                if (!String.valueOf(problem).equals(lastProblem)) {
                    sink.warn("upgrade: " + problem);
                    lastProblem = String.valueOf(problem);
                }
            }
            synchronized (wake) {
                if (running && ordered == null) {
                    try {
                        wake.wait(tick.toMillis());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }
    }

    private void wakeUp() {
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    private void conduct() throws IOException {
        // asked first, on every SCM: each keeps where the shared folder is before an upgrade needs it there
        Path dir = shared.get();
        Machine m = scm.machine();
        if (dir == null || !Scm.administers(m) || m.standalone()) {
            return;
        }
        UpgradeStore store = store();
        if (!swept) {
            // what a crash of this SCM left half-written; the peer's own temporary files are its own
            store.sweep(scm.settings().scm());
            swept = true;
        }
        UpgradePlan plan = store.read();
        cleanup.look(store, plan, Instant.now(), this::agreement);
        Event order;
        synchronized (wake) {
            order = ordered;
            ordered = null;
        }
        if (plan == null || plan.status().ended) {
            held = null;
            return;
        }
        String self = scm.settings().scm();
        Step step = plan.step();
        if (!plan.conductor().equals(self)) {
            if (order == null && step != null && step.kind() == Kind.HANDOVER && step.scm().equals(self)
                    && m.peerAlive()) {
                return; // this SCM hands over: its peer, MASTER in a moment, carries the upgrade on
            }
            // The conductor was lost (before this SCM's handover too: then the peer is dead, or came back and is
            // not MASTER): the upgrade is held for the operator, and a resume or an abort makes this SCM, the
            // MASTER now, carry it on.
            if (order == null) {
                String why = "the SCM that conducted it, " + plan.conductor() + ", was lost at step " + (plan.current() + 1)
                        + " (" + (step == null ? "none" : step.describe()) + "): hasmctl upgrade --resume or --abort";
                if (!why.equals(held)) {
                    sink.warn("upgrade " + plan.id() + " held: " + why);
                    held = why;
                }
                return;
            }
            plan = plan.conductedBy(self);
            store.write(plan, self);
            acted = null;
        }
        if (order != null) {
            held = null;
            advance(store, plan, order);
            return;
        }
        if (step == null) {
            advance(store, plan, new Resume());
            return;
        }
        Side first = side(plan, plan.first());
        Side second = side(plan, plan.second());
        String quiet = first == null ? plan.first() : second == null ? plan.second() : null;
        if (quiet != null && plan.target() == UpgradePlan.Target.DISTRIBUTION && step.kind() == Kind.INSTALL
                && step.scm().equals(quiet) && key(plan).equals(acted)) {
            // its process restarts: silent for a while, within the step's deadline (a new release that never
            // answers fails the step, and the undo restarts it on the previous one)
            held = null;
            if (key(plan).equals(deadlineKey) && System.nanoTime() - deadlineFrom > nanos(stepTimeout.get())) {
                advance(store, plan, new Failed(quiet + " did not answer within " + stepTimeout.get().toSeconds()
                        + " s of its restart on " + plan.jarOf(step.version())[0]));
            }
            return;
        }
        if (first == null || second == null) {
            // a step cannot be judged, nor its deadline run, while an SCM of the pair does not answer. A moment's
            // silence is no news for the operator: the link itself is replaced in place by an upgrade of its
            // bundle, and the conductor's asks fail until the new one connects; the upgrade is held (and hasmctl
            // says so and stops following) only once the silence lasts
            long now = System.nanoTime();
            silentSince = silentSince == 0 ? now : silentSince;
            String why = (first == null ? plan.first() : plan.second()) + " does not answer: the upgrade waits for it"
                    + " (hasmctl upgrade --abort undoes it)";
            if (now - silentSince >= HELD_AFTER.toNanos() && !why.equals(held)) {
                sink.warn("upgrade " + plan.id() + ": " + why);
                held = why;
            }
            silent = true;
            deadlineKey = null; // once they answer, the step gets its whole deadline again
            return;
        }
        silentSince = 0;
        held = null;
        String key = plan.id() + ":" + plan.current() + ":" + plan.steps().size();
        boolean overdue = key.equals(deadlineKey) && System.nanoTime() - deadlineFrom > nanos(stepTimeout.get());
        if (!key.equals(acted) && overdue) {
            // carried out again and again, in vain
            advance(store, plan, new Failed(step.describe() + " could not be carried out within "
                    + stepTimeout.get().toSeconds() + " s" + (lastProblem == null ? "" : ": " + lastProblem)));
            return;
        }
        if (silent || !key.equals(acted)) {
            // the first look at this step in this process, or the SCMs answer again: carry it out (again)
            if (!key.equals(acted) && dwelling(plan, step)) {
                return; // the personality moved a moment ago: it stays served where it is a little longer
            }
            silent = false;
            advance(store, plan, new Resume());
            return;
        }
        Event seen = observe(plan, step, step.scm().equals(plan.first()) ? first : second,
                step.scm().equals(plan.first()) ? second : first);
        if (seen == null && overdue) {
            seen = new Failed(step.describe() + " did not complete within " + stepTimeout.get().toSeconds() + " s");
        }
        if (seen != null) {
            advance(store, plan, seen);
        }
    }

    /**
     * Whether a rejoin waits, because the handover of the same SCM ended less than the dwell ago: moved
     * twice within a client's retry pause, a personality would be in a gap both times the client tries.
     */
    private boolean dwelling(UpgradePlan plan, Step step) {
        if (step.kind() != Kind.REJOIN || plan.target() == UpgradePlan.Target.DISTRIBUTION) {
            return false; // a restart takes longer than any dwell, and its rejoin is the restarted SCM's READY
        }
        Instant handedOver = null;
        for (int i = plan.current() - 1; i >= 0; i--) {
            Step s = plan.steps().get(i);
            if (s.kind() == Kind.HANDOVER && s.scm().equals(step.scm())) {
                handedOver = s.ended();
                break;
            }
        }
        return handedOver != null && dwelling(handedOver, Instant.now(), dwell.get());
    }

    /**
     * Whether a personality handed over at {@code handedOver} (the plan's time, which either SCM may have
     * written) is still within its dwell at {@code now}. A handover dated after now by more than the dwell
     * (the clock stepped back, or the SCMs' clocks far apart) is of no known age: the dwell is taken as over,
     * so that no clock holds a rejoin back for longer than twice the dwell.
     */
    static boolean dwelling(Instant handedOver, Instant now, Duration dwell) {
        return now.isBefore(handedOver.plus(dwell)) && now.isAfter(handedOver.minus(dwell));
    }

    /** @return the duration in ns, {@link Long#MAX_VALUE} (never) for one past what a long holds (292 years) */
    private static long nanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    private static String key(UpgradePlan plan) {
        return plan.id() + ":" + plan.current() + ":" + plan.steps().size();
    }

    /** Next plan, kept before its step is carried out; an act that fails is tried again until the step's deadline. */
    private void advance(UpgradeStore store, UpgradePlan plan, Event event) throws IOException {
        String self = scm.settings().scm();
        Step before = plan.step();
        Result r = UpgradeSteps.next(plan, event, Instant.now());
        UpgradePlan next = r.plan();
        if (r.step() != null && r.step().kind() == Kind.HANDOVER && r.step().scm().equals(self)) {
            // this SCM hands over: its peer, MASTER from then on, carries the upgrade on
            next = next.conductedBy(scm.settings().peer());
        }
        if (!next.equals(plan)) {
            store.write(next, self);
        }
        report(plan, before, next, event);
        String key = next.id() + ":" + next.current() + ":" + next.steps().size();
        if (!key.equals(deadlineKey)) {
            deadlineFrom = System.nanoTime();
            deadlineKey = key;
        }
        acted = key;
        if (r.step() == null) {
            return;
        }
        if (dwelling(next, r.step())) {
            // carried out by a later look, once the dwell has passed
            acted = null;
            sink.info("upgrade " + next.id() + ": " + r.step().describe() + " once " + r.step().scm()
                    + "'s personality has been served by the peer for " + dwell.get().toMillis() + " ms (upgrade.dwell.ms)");
            return;
        }
        try {
            act(next, r.step());
        } catch (IOException | RuntimeException e) {
            // the next look carries it out again, until the step's deadline
            acted = null;
            throw new IOException(r.step().describe() + " could not be carried out now: " + e.getMessage(), e);
        }
    }

    private void report(UpgradePlan plan, Step before, UpgradePlan next, Event event) {
        if (before != null && event instanceof Done) {
            Step ended = next.steps().get(plan.current());
            long ms = ended.started() == null ? 0 : Duration.between(ended.started(), ended.ended()).toMillis();
            sink.info("upgrade " + next.id() + ": step " + (plan.current() + 1) + " (" + before.describe() + ") done in "
                    + ms + " ms");
        } else if (event instanceof Failed f) {
            sink.warn("upgrade " + next.id() + ": step " + (plan.current() + 1) + " (" + (before == null ? "-"
                    : before.describe()) + ") failed: " + f.cause() + "; " + next.status());
        }
        if (next.status() != plan.status() || next.current() != plan.current()) {
            Step s = next.step();
            post(next, s == null ? next.status().name() : "step " + (next.current() + 1) + ": " + s.describe());
            if (next.status().ended) {
                sink.info("upgrade " + next.id() + " " + next.status() + (next.cause() == null ? "" : ": " + next.cause())
                        + "; " + next.bundle() + " " + (next.status() == Status.DONE ? next.to() : next.from())
                        + " on both SCMs");
            }
        }
    }

    private void post(UpgradePlan p, String what) {
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("scm", scm.settings().scm());
        props.put("upgrade", p.id());
        props.put("bundle", p.bundle());
        props.put("from", p.from());
        props.put("to", p.to());
        props.put("status", p.status().name());
        props.put("step", what);
        if (p.cause() != null) {
            props.put("cause", p.cause());
        }
        sink.post("org/hasm/controller/UPGRADE", props);
    }

    private void act(UpgradePlan plan, Step step) throws IOException {
        String self = scm.settings().scm();
        String reason = "upgrade " + plan.id() + ": " + step.describe();
        switch (step.kind()) {
            case HANDOVER -> {
                Side side = side(plan, step.scm());
                if (side == null || !side.standby()) {
                    scm.standby(step.scm(), reason);
                }
            }
            case INSTALL -> {
                String[] jar = plan.jarOf(step.version());
                if (plan.target() == UpgradePlan.Target.DISTRIBUTION) {
                    if (step.scm().equals(self)) {
                        // the conductor serves: it never restarts itself (its peer conducts its own install)
                        throw new IllegalStateException(self + " conducts the upgrade and serves: it does not restart");
                    }
                    Map<String, String> a = scm.ask(ASK, RESTART, "distribution", jar[0], "sha256", jar[1], "version",
                            step.version());
                    if (!"OK".equals(a.get(PeerMessages.TYPE))) {
                        throw new IllegalStateException(step.scm() + " refused: " + a.getOrDefault("reason", "?"));
                    }
                    return;
                }
                if (step.scm().equals(self)) {
                    installsInFlight.incrementAndGet();
                    try {
                        if (plan.target() == UpgradePlan.Target.FEATURE) {
                            installFeature(jar[0], jar[1]);
                        } else {
                            install(plan.bundle(), step.version(), jar[0], jar[1]);
                        }
                    } finally {
                        installsInFlight.decrementAndGet();
                    }
                } else {
                    Map<String, String> a = scm.ask(ASK, INSTALL, "bundle", plan.bundle(), "version", step.version(),
                            "jar", jar[0], "sha256", jar[1]);
                    if (!"OK".equals(a.get(PeerMessages.TYPE))) {
                        throw new IllegalStateException(step.scm() + " refused: " + a.getOrDefault("reason", "?"));
                    }
                }
            }
            case REJOIN -> {
                Side side = side(plan, step.scm());
                if (plan.target() == UpgradePlan.Target.DISTRIBUTION && side != null && !side.standby()) {
                    // a restarted process stands by no more: it says READY by itself, and the MASTER fails back
                    // then, or now if its policy keeps the peer waiting
                    if (side.state() == ScmState.INIT && scm.machine().peerWaiting()) {
                        scm.failback(reason);
                    }
                } else if (side == null || side.standby() || side.state() == ScmState.INIT) {
                    scm.unstandby(step.scm(), reason);
                }
            }
            default -> throw new IllegalStateException(String.valueOf(step.kind()));
        }
    }

    /** What the pair shows of the step: {@code Done}, {@code Failed}, or {@code null} (not yet). */
    private Event observe(UpgradePlan plan, Step step, Side sx, Side so) {
        if (plan.target() == UpgradePlan.Target.DISTRIBUTION) {
            return observeRestart(plan, step, sx, so);
        }
        if (plan.target() == UpgradePlan.Target.FEATURE) {
            try {
                return observeFeature(plan, step, sx, so);
            } catch (IOException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }
        String x = step.scm();
        boolean onVersion = step.version().equals(sx.version());
        boolean broken = sx.status() == ModuleStatus.FAILED || sx.status() == ModuleStatus.TIMED_OUT;
        switch (step.kind()) {
            case HANDOVER:
                return sx.standby() && so.state() == ScmState.DEGRADED ? new Done() : null;
            case INSTALL:
                if (x.equals(scm.settings().scm()) ? installError != null : sx.installError() != null) {
                    return new Failed("install of " + plan.bundle() + " " + step.version() + " on " + x + " failed: "
                            + (x.equals(scm.settings().scm()) ? installError : sx.installError()));
                }
                if (onVersion && broken) {
                    return new Failed(plan.bundle() + " " + step.version() + " on " + x + ": " + sx.lastCall() + " "
                            + sx.status() + ": " + sx.error());
                }
                return onVersion && (sx.status() == ModuleStatus.TESTED || sx.status() == ModuleStatus.ACTIVE)
                        ? new Done() : null;
            case REJOIN:
                if (onVersion && broken) {
                    return new Failed(plan.bundle() + " " + step.version() + " on " + x + " after it rejoined: "
                            + sx.lastCall() + " " + sx.status() + ": " + sx.error());
                }
                return onVersion && sx.state() == ScmState.DAC && so.state() == ScmState.DAC
                        && sx.status() == ModuleStatus.ACTIVE && sx.settling() == null ? new Done() : null;
            default:
                throw new IllegalStateException(String.valueOf(step.kind()));
        }
    }

    /* A distribution: an SCM runs the release its status says (hasmVersion); a new release is judged by its
       state and its modules once it runs, and by what the launcher says when it did not start. */
    private Event observeRestart(UpgradePlan plan, Step step, Side sx, Side so) {
        String x = step.scm();
        boolean onVersion = step.version().equals(sx.hasmVersion());
        switch (step.kind()) {
            case HANDOVER:
                return sx.standby() && so.state() == ScmState.DEGRADED ? new Done() : null;
            case INSTALL:
                if (sx.installError() != null) {
                    return new Failed("restart of " + x + " on " + plan.jarOf(step.version())[0] + " failed: "
                            + sx.installError());
                }
                String failed = sx.restartFailed();
                if (failed != null && failed.startsWith(plan.jarOf(step.version())[0] + ":")) {
                    return new Failed(x + " did not start on " + failed + "; it went back to " + sx.home());
                }
                if (!onVersion) {
                    return null;
                }
                if (sx.state() == ScmState.MONITOR || sx.state() == ScmState.HALTED) {
                    return new Failed(x + " on hasm " + step.version() + " is " + sx.state());
                }
                if (sx.broken() != null) {
                    return new Failed(x + " on hasm " + step.version() + ": " + sx.broken());
                }
                return (sx.state() == ScmState.INIT || sx.state() == ScmState.DAC) && !sx.standby() ? new Done() : null;
            case REJOIN:
                if (onVersion && sx.broken() != null) {
                    return new Failed(x + " on hasm " + step.version() + " after it rejoined: " + sx.broken());
                }
                return onVersion && sx.state() == ScmState.DAC && so.state() == ScmState.DAC && sx.settling() == null
                        ? new Done() : null;
            default:
                throw new IllegalStateException(String.valueOf(step.kind()));
        }
    }

    /** One SCM as the upgrade sees it. */
    record Side(ScmState state, boolean standby, String version, ModuleStatus status, String lastCall, String error,
            String installError, String hasmVersion, String home, String restartFailed, String broken,
            Map<String, String[]> modules, String settling) {
    }

    /** @return the SCM {@code name} now, or {@code null} when it does not answer */
    private Side side(UpgradePlan plan, String name) {
        String bundle = plan.target() == UpgradePlan.Target.BUNDLE ? plan.bundle() : DistributionRelease.CONTROLLER;
        if (name.equals(scm.settings().scm())) {
            Map<String, String> a = probe(bundle);
            return side(a);
        }
        try {
            Map<String, String> a = scm.ask(ASK, PROBE, "bundle", bundle);
            return "OK".equals(a.get(PeerMessages.TYPE)) ? side(a) : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static Side side(Map<String, String> a) {
        ModuleStatus status = a.get("status") == null || a.get("status").isEmpty() ? null
                : ModuleStatus.valueOf(a.get("status"));
        return new Side(PeerMessages.state(a.get("state")), "true".equals(a.get("standby")), a.get("version"), status,
                a.get("lastCall"), a.get("error"), blank(a.get("installError")), blank(a.get("hasmVersion")),
                blank(a.get("home")), blank(a.get("restartFailed")), blank(a.get("broken")), modules(a),
                blank(a.get("settling")));
    }

    /* the probe's "module.N" fields: BSN, then version, status, last call and error, tab-separated */
    private static Map<String, String[]> modules(Map<String, String> a) {
        Map<String, String[]> m = new LinkedHashMap<>();
        for (int i = 0; i < 1000 && a.containsKey("module." + i); i++) {
            String[] f = a.get("module." + i).split("\t", -1);
            if (f.length == 5) {
                m.put(f[0], new String[] {f[1], f[2], f[3], f[4]});
            }
        }
        return m;
    }

    private static String blank(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    // ---- the peer's orders ----

    private Map<String, String> answer(Map<String, String> m) {
        String type = m.get(PeerMessages.TYPE);
        if (RESTART.equals(type)) {
            return restartOrdered(m);
        }
        String bundle = m.get("bundle");
        if (bundle == null || bundle.isBlank()) {
            return Map.of(PeerMessages.TYPE, PeerServer.REFUSED, "reason", type + " without a bundle");
        }
        if (PROBE.equals(type)) {
            Map<String, String> a = probe(bundle);
            if ("true".equals(m.get(StagedCleanup.ASK))) {
                a.put(StagedCleanup.INSTALLING, String.valueOf(installsInFlight.get()));
                a.put(StagedCleanup.PLAN, planKey());
            }
            return a;
        }
        if (INSTALL.equals(type)) {
            String version = m.get("version");
            String jar = m.get("jar");
            String sum = m.get("sha256");
            if (version == null || jar == null || sum == null) {
                return Map.of(PeerMessages.TYPE, PeerServer.REFUSED, "reason", "UPGRADE_INSTALL needs version, jar and sha256");
            }
            try {
                // not on the link's thread: the old module's stop and shutDown may take their deadlines
                installError = null;
                installsInFlight.incrementAndGet();
                installer.execute(() -> {
                    try {
                        if (bundle.startsWith(FEATURE_PREFIX)) {
                            installFeature(jar, sum);
                        } else {
                            install(bundle, version, jar, sum);
                        }
                    } catch (IOException | RuntimeException e) {
                        installError = e.getMessage();
                        sink.warn("upgrade: install of " + bundle + " " + version + " failed: " + e.getMessage());
                    } finally {
                        installsInFlight.decrementAndGet();
                    }
                });
            } catch (RejectedExecutionException e) {
                installsInFlight.decrementAndGet();
                return Map.of(PeerMessages.TYPE, PeerServer.REFUSED, "reason", "the controller is stopping");
            }
            return Map.of(PeerMessages.TYPE, "OK");
        }
        return Map.of(PeerMessages.TYPE, PeerServer.REFUSED, "reason", "no such upgrade message '" + type + "' in this release");
    }

    /* The MASTER orders a restart on a distribution: checked and carried out on the install thread (the digest
       reads the whole distribution; the stop runs the SHUTDOWN sequence); what fails is said in the next probe. */
    private Map<String, String> restartOrdered(Map<String, String> m) {
        String dist = m.get("distribution");
        String sum = m.get("sha256");
        if (dist == null || sum == null) {
            return Map.of(PeerMessages.TYPE, PeerServer.REFUSED, "reason", RESTART + " needs distribution and sha256");
        }
        try {
            installError = null;
            DistributionRelease.forgetFailedRestart(context);
        } catch (IOException e) {
            return Map.of(PeerMessages.TYPE, PeerServer.REFUSED, "reason", "the outcome of the last restart cannot be"
                    + " cleared: " + e.getMessage());
        }
        installsInFlight.incrementAndGet();
        try {
            installer.execute(() -> {
                try {
                    restart(Path.of(dist), sum);
                } catch (IOException | RuntimeException e) {
                    installError = e.getMessage();
                    sink.warn("upgrade: restart on " + dist + " failed: " + e.getMessage());
                } finally {
                    installsInFlight.decrementAndGet();
                }
            });
        } catch (RejectedExecutionException e) {
            installsInFlight.decrementAndGet();
            return Map.of(PeerMessages.TYPE, PeerServer.REFUSED, "reason", "the controller is stopping");
        }
        return Map.of(PeerMessages.TYPE, "OK");
    }

    /** Restarts this SCM's process on {@code dist}, unless it runs it already; only while it stands by. */
    private void restart(Path dist, String sha256) throws IOException {
        Path target = DistributionRelease.folder(dist.toString());
        if (target.equals(DistributionRelease.running(context))) {
            return;
        }
        if (!scm.machine().admin().standby()) {
            throw new IllegalStateException(scm.settings().scm() + " is " + scm.machine().describe() + " and not standing"
                    + " by: it restarts only once it handed everything over");
        }
        String found = DistributionRelease.digest(target);
        if (!found.equalsIgnoreCase(sha256)) {
            throw new IOException(target + " has digest " + found + " on " + scm.settings().scm() + ", the plan says "
                    + sha256 + ": not the release the upgrade was planned with");
        }
        sink.info("upgrade: " + scm.settings().scm() + " restarts on " + target + " (hasm "
                + DistributionRelease.version(target) + ")");
        DistributionRelease.restart(context, target);
    }

    /* Whether the pair agrees that nothing reads a staged file the plan of KEY does not need (StagedCleanup):
       null when it does; asked on the conductor's thread, the peer through UPGRADE_PROBE. */
    private String agreement(String key) {
        Map<String, String> a;
        try {
            a = scm.ask(ASK, PROBE, "bundle", DistributionRelease.CONTROLLER, StagedCleanup.ASK, "true");
        } catch (IOException e) {
            a = null;
        }
        return StagedCleanup.disagreement(key, installsInFlight.get(), scm.settings().peer(), a);
    }

    /* the key of the plan this SCM reads on the shared storage now, for the peer's cleanup; one line */
    private String planKey() {
        Path dir = shared.get();
        if (dir == null) {
            return "no shared storage";
        }
        try {
            return StagedCleanup.key(new UpgradeStore(dir.resolve(FOLDER)).read());
        } catch (IOException | RuntimeException e) {
            return ("unreadable: " + e.getMessage()).replaceAll("[\r\n]+", " ");
        }
    }

    /** This SCM and its module of {@code bundle}, as fields of a PROBE's answer. */
    private Map<String, String> probe(String bundle) {
        Map<String, String> a = new LinkedHashMap<>();
        a.put(PeerMessages.TYPE, "OK");
        Machine m = scm.machine();
        a.put("state", scm.snapshot().state().name());
        OpMode mode = m.opMode();
        a.put("opMode", mode == null ? "" : mode.name());
        a.put("standby", String.valueOf(m.admin().standby()));
        for (ModuleInfo info : scm.modules()) {
            if (bundle.equals(info.bundle())) {
                a.put("module", info.name());
                a.put("version", info.version());
                a.put("status", info.status() == null ? "" : info.status().name());
                a.put("lastCall", info.lastCall() == null ? "" : info.lastCall().name());
                a.put("error", info.lastError() == null ? "" : info.lastError());
                break;
            }
        }
        String e = installError;
        a.put("installError", e == null ? "" : e);
        // for a distribution: the release this process runs, whether a loop restarts it, and how its last restart went
        String own = scm.versions().own();
        a.put("hasmVersion", own == null ? "" : own);
        Path home = DistributionRelease.running(context);
        a.put("home", home == null ? "" : home.toString());
        a.put("restartable", String.valueOf(DistributionRelease.restartable(context)));
        String failed = DistributionRelease.failedRestart(context);
        a.put("restartFailed", failed == null ? "" : failed);
        // one snapshot of the modules: the first broken one; those still on their way to the SCM's state (in a
        // call, or not given their opMode yet), which a rejoin waits for, since it is done when the SCM serves
        // its personality again, not when its state says DAC (a release without this field counts as settled);
        // and every module, for a feature's several bundles (tabs and line ends never in a field: one line each)
        String broken = "";
        List<String> settling = new ArrayList<>();
        int n = 0;
        for (ModuleInfo info : scm.modules()) {
            ModuleStatus st = info.status();
            boolean down = st == ModuleStatus.FAILED || st == ModuleStatus.TIMED_OUT;
            if (down && broken.isEmpty()) {
                broken = info.name() + " " + info.version() + " " + info.lastCall() + " " + st + ": " + info.lastError();
            }
            // one that overran its call or failed is not on its way: the step judges it by "broken"
            if (!down && info.inCallSince() != null || st == ModuleStatus.INITIALIZED || st == ModuleStatus.TESTED) {
                settling.add(info.name());
            }
            a.put("module." + n++, String.join("\t", info.bundle(), String.valueOf(info.version()),
                    st == null ? "" : st.name(), info.lastCall() == null ? "" : info.lastCall().name(),
                    info.lastError() == null ? "" : info.lastError().replaceAll("[\t\r\n]+", " ")));
        }
        a.put("broken", broken);
        a.put("settling", String.join(",", settling));
        return a;
    }

    /** Installs the staged jar of {@code version} in place of the running {@code bundle}, unless it runs it already. */
    private void install(String bundle, String version, String jar, String sha256) throws IOException {
        byte[] bytes = store().jar(jar, sha256);
        String[] identity = identity(bytes, jar);
        if (!identity[0].equals(bundle) || !identity[1].equals(version)) {
            throw new IOException("the staged jar " + jar + " is " + identity[0] + " " + identity[1] + ", not " + bundle + " "
                    + version);
        }
        Bundle b = bundle(bundle);
        if (b != null && b.getVersion().toString().equals(version)) {
            return;
        }
        long t0 = System.nanoTime();
        try (InputStream in = new ByteArrayInputStream(bytes)) {
            if (b == null) {
                context.installBundle("hasm-upgrade:" + bundle, in).start();
            } else {
                // no refresh: it would stop and start the bundle a second time; an old revision that another
                // bundle still wires to goes at the next refresh (a service bundle exports nothing)
                b.update(in);
            }
        } catch (BundleException e) {
            throw new IOException("the framework refused " + jar + ": " + e.getMessage(), e);
        }
        keep(bundle, bytes);
        sink.info("upgrade: " + bundle + " " + version + " installed from " + jar + " (SHA-256 " + sha256 + ") in "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms");
    }

    // ---- helpers ----

    /* The jar installed, kept where the launcher finds it at the next start (<hasm.data.dir>/upgraded/BSN.jar):
       a restart runs what the upgrade left, not what the distribution shipped. Replaced crash-safely. */
    private void keep(String bundle, byte[] bytes) throws IOException {
        Path folder = upgraded();
        if (folder == null) {
            sink.warn("upgrade: hasm.data.dir is not set: " + bundle + " goes back to the distribution's jar at the next start");
            return;
        }
        writeJar(folder, bundle, bytes, true);
    }

    /**
     * Replaces {@code <folder>/<bsn>.jar}: see {@link #writeFile}.
     *
     * @param durable force the file before its rename, and the folder after it: the rename survives a power loss
     */
    static void writeJar(Path folder, String bsn, byte[] bytes, boolean durable) throws IOException {
        writeFile(folder.resolve(bsn + ".jar"), bytes, durable);
    }

    /**
     * Replaces {@code target} by way of a temporary file of this call's own beside it (removed if it does not
     * reach its rename), after removing those a process of this SCM that died mid-write left there.
     *
     * @param durable force the file before its rename, and the folder after it: the rename survives a power loss
     */
    static void writeFile(Path target, byte[] bytes, boolean durable) throws IOException {
        Path folder = target.getParent();
        String name = target.getFileName().toString();
        Files.createDirectories(folder);
        long pid = ProcessHandle.current().pid();
        try (java.nio.file.DirectoryStream<Path> leftovers = Files.newDirectoryStream(folder, "." + name + ".*.tmp")) {
            for (Path f : leftovers) {
                if (!f.getFileName().toString().startsWith("." + name + "." + pid + "-")) {
                    Files.deleteIfExists(f); // an earlier process's: this one's may be being written
                }
            }
        }
        Path temp = folder.resolve("." + name + "." + pid + "-" + TEMPS.incrementAndGet() + ".tmp");
        try {
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(temp,
                    java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                if (durable) {
                    ch.force(true);
                }
            }
            Files.move(temp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp); // a full disk is not made fuller
            throw e;
        }
        if (durable) {
            // the rename itself survives a power loss only once the folder is forced: else the SCM could boot the
            // distribution's older jar while the plan records the install
            try (java.nio.channels.FileChannel dir = java.nio.channels.FileChannel.open(folder,
                    java.nio.file.StandardOpenOption.READ)) {
                dir.force(true);
            }
        }
    }

    private Path upgraded() {
        String data = context.getProperty("hasm.data.dir");
        return data == null || data.isBlank() ? null : Path.of(data).resolve("upgraded");
    }

    private UpgradeStore store() {
        Path dir = shared.get();
        if (dir == null) {
            throw new IllegalStateException("no shared storage is configured (shared.dir of org.hasm.storage): the"
                    + " upgrade's plan and jars are kept there");
        }
        return new UpgradeStore(dir.resolve(FOLDER));
    }

    private static UpgradePlan read(UpgradeStore store) {
        try {
            return store.read();
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    private Bundle bundle(String symbolicName) {
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }

    /** @return the exact jar the running bundle was installed from, checked to be of {@code version} */
    private static byte[] previousJar(Bundle running, String version, Path upgraded) {
        String location = running.getLocation();
        byte[] bytes;
        try {
            // a bundle an earlier upgrade replaced in place runs the jar kept for the next start, not its location's
            Path kept = upgraded == null ? null : upgraded.resolve(running.getSymbolicName() + ".jar");
            if (kept != null && Files.isRegularFile(kept)) {
                byte[] k = Files.readAllBytes(kept);
                if (identity(k, kept.toString())[1].equals(version)) {
                    return k;
                }
            }
            bytes = Files.readAllBytes(Path.of(URI.create(location)));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("the jar " + running.getSymbolicName() + " " + version + " runs from ("
                    + location + ") cannot be read, so it could not be put back: " + e.getMessage(), e);
        }
        String[] identity = identity(bytes, location);
        if (!identity[1].equals(version)) {
            throw new IllegalStateException(running.getSymbolicName() + " runs " + version + " but its location " + location
                    + " now holds " + identity[1] + ": the exact previous jar is not at hand");
        }
        return bytes;
    }

    /** @return {symbolic name, version} from a jar's manifest */
    /** Refuses to plan replacing a bundle that cannot be replaced in a running SCM ({@link #NODE_BUNDLE}). */
    static void requireReplaceable(String bundle) {
        if (NODE_BUNDLE.equals(bundle)) {
            throw new IllegalArgumentException("the bundle " + bundle + " is not replaced in a running SCM: its new node"
                    + " would wait for the launcher's start check, made only when the process starts, and the controller"
                    + " with it; it changes with the distribution (hasmctl upgrade DISTRIBUTION_FOLDER restarts each SCM)");
        }
    }

    static String[] identity(byte[] jar, String where) {
        try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(jar))) {
            Manifest mf = in.getManifest();
            String name = mf == null ? null : mf.getMainAttributes().getValue("Bundle-SymbolicName");
            String version = mf == null ? null : mf.getMainAttributes().getValue("Bundle-Version");
            if (name == null || version == null) {
                throw new IllegalArgumentException(where + " is not an OSGi bundle: its manifest has no "
                        + (name == null ? "Bundle-SymbolicName" : "Bundle-Version"));
            }
            int semicolon = name.indexOf(';');
            return new String[] {(semicolon < 0 ? name : name.substring(0, semicolon)).strip(),
                    org.osgi.framework.Version.parseVersion(version.strip()).toString()};
        } catch (IOException e) {
            throw new IllegalArgumentException(where + " is not a jar: " + e.getMessage(), e);
        }
    }

    UpgradeView view(UpgradePlan p) {
        List<UpgradeView.Step> steps = p.steps().stream().map(s -> (UpgradeView.Step) new ViewStep(s.describe(),
                s.kind().name(), s.scm(), s.started(), s.ended(), s.outcome())).toList();
        return new View(p.id(), p.bundle(), p.from(), p.to(), p.sha256(), p.status().name(), p.cause(),
                p.status().ended ? null : held, p.current(), steps);
    }

    record View(String id, String bundle, String from, String to, String sha256, String status, String cause, String held,
            int current, List<UpgradeView.Step> steps) implements UpgradeView {
    }

    record ViewStep(String description, String kind, String scm, Instant started, Instant ended, String outcome)
            implements UpgradeView.Step {
    }
}
