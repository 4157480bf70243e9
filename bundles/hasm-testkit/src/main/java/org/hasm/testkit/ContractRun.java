package org.hasm.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.hasm.spi.Call;
import org.hasm.spi.Export;
import org.hasm.spi.HaModule;
import org.hasm.spi.OpMode;
import org.hasm.spi.Personality;
import org.hasm.spi.SysConfig;
import org.hasm.spi.address.AddressReadiness;
import org.hasm.spi.storage.VolumeManager;
import org.hasm.testkit.Sockets.Endpoint;
import org.hasm.testkit.Violation.Kind;

/** One run of the {@link ContractKit}: its folder, personalities, volumes, and the scenarios in order. */
final class ContractRun implements AutoCloseable {
    /** How long a call that overran its deadline is given to return once interrupted. */
    private static final Duration RETURN_GRACE = Duration.ofSeconds(1);
    private static final long CLIENT_RETRY_MS = 20;
    private static final String SCM = "scm-kit";

    private final ContractKit kit;
    private final Path folder;
    private final KitPersonality a;
    private final KitPersonality b;
    private final KitVolumes volumes;
    private final KitReadiness readiness;
    // The instance whose context the readiness asks: each scenario's own. Written by the run's thread.
    private volatile Instance current;
    private final List<Violation> violations = new ArrayList<>();
    private final List<String> calls = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    // What each personality's addresses held while it was served, by personality name.
    private final Map<String, Set<Endpoint>> seen = new HashMap<>();

    /** Ends the run: a call past its deadline leaves the module in a call the kit cannot wait out. */
    private static final class Stop extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stop(String message) {
            super(message, null, false, false);
        }
    }

    /** One instance of the module, its context, and the one thread its calls run on (never two at once). */
    private final class Instance implements ContractKit.Kit {
        final String scenario;
        final KitContext context;
        final ExecutorService thread;
        HaModule module;

        Instance(String scenario) {
            this.scenario = scenario;
            this.context = new KitContext(SCM, kit.module, kit.deadlines);
            this.thread = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "hasm-testkit-" + kit.module + "-" + scenario.replace(' ', '-'));
                t.setDaemon(true);
                return t;
            });
        }

        @Override
        public AddressReadiness readiness() {
            return readiness;
        }

        @Override
        public VolumeManager volumes() {
            return volumes;
        }

        @Override
        public Path folder() {
            return folder.resolve("module");
        }
    }

    /** A module call's body. */
    private interface Body {
        void run() throws Exception;
    }

    ContractRun(ContractKit kit) {
        this.kit = kit;
        this.folder = ContractKit.createTempFolder();
        List<String> addresses = freeAddresses(2);
        Map<String, Path> roots = new LinkedHashMap<>();
        roots.put("vol-a", folder.resolve("volumes/vol-a"));
        roots.put("vol-b", folder.resolve("volumes/vol-b"));
        this.a = personality("A", "scm-kit", addresses.get(0), "vol-a", roots.get("vol-a"));
        this.b = personality("B", "scm-peer", addresses.get(1), "vol-b", roots.get("vol-b"));
        try {
            Files.createDirectories(folder.resolve("module"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot create " + folder.resolve("module") + ": " + e.getMessage(), e);
        }
        this.volumes = new KitVolumes(roots);
        this.readiness = new KitReadiness(() -> {
            Instance i = current;
            return i == null ? List.of() : i.context.personalities();
        });
        if (!Sockets.listed()) {
            notes.add("this system does not list its sockets in /proc/net: only the ports given with ports(...) were "
                    + "checked after a personality was given away, and no socket before opMode");
        }
    }

    private KitPersonality personality(String name, String home, String address, String volume, Path root) {
        List<Export> exports = new ArrayList<>();
        Map<String, String> props = new LinkedHashMap<>(kit.properties);
        try {
            Files.createDirectories(root);
            for (String[] e : kit.exports) {
                String path = e[2].replaceAll("^/+|/+$", "");
                Path exported = Files.createDirectories(root.resolve(path));
                try {
                    // a file service may write as a squashed user (NFS's root as nobody): every user may write here
                    Files.setPosixFilePermissions(exported, PosixFilePermissions.fromString("rwxrwxrwx"));
                } catch (UnsupportedOperationException notPosix) {
                    // no POSIX permissions on this file system: nothing to open up
                }
                exports.add(new KitPersonality.KitExport(e[1], e[0], volume, path, false));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot create the folders of volume " + volume + ": " + e.getMessage(), e);
        }
        return new KitPersonality(name, home, List.of(address), List.of(volume), List.copyOf(exports), Map.copyOf(props));
    }

    /** Loopback addresses nothing on this host uses, one per personality. */
    private static List<String> freeAddresses(int count) {
        List<String> found = new ArrayList<>();
        for (int i = 0; i < 200 && found.size() < count; i++) {
            ThreadLocalRandom r = ThreadLocalRandom.current();
            String address = "127." + r.nextInt(100, 250) + "." + r.nextInt(0, 256) + "." + r.nextInt(2, 255);
            if (!found.contains(address) && Sockets.held(List.of(address)).isEmpty()) {
                found.add(address);
            }
        }
        if (found.size() < count) {
            throw new IllegalStateException("no unused loopback address found in 200 tries");
        }
        return found;
    }

    void all() {
        try {
            lifeOfOneInstance();
            hotReplace();
            fencedVolume();
        } catch (Stop s) {
            notes.add("the run stopped early: " + s.getMessage());
        }
    }

    ContractReport report() {
        return new ContractReport(kit.module, violations, calls, notes);
    }

    // --- the scenarios

    private void lifeOfOneInstance() {
        Instance i = create("life");
        if (i == null) {
            return;
        }
        boolean up = call(i, "BOOT: init", Call.INIT, () -> i.module.init(i.context), Kind.CALL_FAILED);
        noSocketYet(i, "BOOT: init");
        if (up) {
            up = call(i, "BOOT: test", Call.TEST, i.module::test, Kind.CALL_FAILED);
            noSocketYet(i, "BOOT: test");
            if (up) {
                call(i, "BOOT: test repeated", Call.TEST, i.module::test, Kind.NOT_IDEMPOTENT);
                noSocketYet(i, "BOOT: test repeated");
            }
        }
        if (up) {
            serve(i, "READY", SysConfig.DAC, List.of(a), Kind.CALL_FAILED);
            serve(i, "FAILOVER", SysConfig.DEGRADED, List.of(a, b), Kind.CALL_FAILED);
            serve(i, "FAILBACK", SysConfig.DAC, List.of(a), Kind.CALL_FAILED);
        }
        down(i, "SHUTDOWN", Kind.CALL_FAILED, true);
    }

    private void hotReplace() {
        Instance i = create("hot replace");
        if (i == null) {
            return;
        }
        boolean up = call(i, "HOT REPLACE: init", Call.INIT, () -> i.module.init(i.context), Kind.HOT_REPLACE_FAILED)
                && call(i, "HOT REPLACE: test", Call.TEST, i.module::test, Kind.HOT_REPLACE_FAILED);
        if (up) {
            opMode(i, "HOT REPLACE: opMode(MASTER, DAC)", SysConfig.DAC, List.of(a), Kind.HOT_REPLACE_FAILED);
        }
        down(i, "HOT REPLACE", Kind.HOT_REPLACE_FAILED, false);
    }

    private void fencedVolume() {
        Instance i = create("fence");
        if (i == null) {
            return;
        }
        boolean up = call(i, "FENCE: init", Call.INIT, () -> i.module.init(i.context), Kind.CALL_FAILED)
                && call(i, "FENCE: test", Call.TEST, i.module::test, Kind.CALL_FAILED)
                && opMode(i, "FENCE: opMode(MASTER, DAC)", SysConfig.DAC, List.of(a), Kind.CALL_FAILED);
        if (!up) {
            down(i, "FENCE", Kind.CALL_FAILED, false);
            return;
        }
        String volume = a.volumes().get(0);
        KitVolume owned = volumes.acquire(volume);
        Path root = volumes.root(volume);
        Map<String, String> before = snapshot(root);
        owned.fenceOff();
        if (!kit.fenceLag.isZero()) {
            // a server outside the JVM, stopped by its SCM's supervision within the lag (see fenceLag)
            calls.add("FENCE: " + volume + " lost; the peer takes it over after the fence lag of " + kit.fenceLag.toMillis()
                    + " ms");
            java.util.concurrent.locks.LockSupport.parkNanos(kit.fenceLag.toNanos());
            before = snapshot(root);
        }
        calls.add("FENCE: the peer took " + volume + " over (epoch " + (owned.epoch() + 1) + ")");
        if (kit.client != null) {
            String outcome = useOnce(i, a);
            calls.add("FENCE: the client used A after the fence: " + (outcome == null ? "it succeeded" : outcome));
        }
        // a module that keeps state writes it when it stops: the fence must refuse that too
        call(i, "FENCE: stop", Call.STOP, i.module::stop, null);
        call(i, "FENCE: shutDown", Call.SHUTDOWN, i.module::shutDown, null);
        volumes.releaseAll();
        Map<String, String> after = snapshot(root);
        List<String> changed = differences(before, after);
        if (!changed.isEmpty()) {
            violations.add(new Violation(Kind.WRITE_AFTER_FENCE, "FENCE",
                    "volume " + volume + " changed after the peer took it over (" + owned.refusedFences()
                            + " fence() refused): " + String.join(", ", changed)));
        }
        i.thread.shutdownNow();
    }

    // --- steps

    private Instance create(String scenario) {
        Instance i = new Instance(scenario);
        current = i;
        try {
            i.module = kit.factory.create(i);
            if (i.module == null) {
                throw new IllegalStateException("the factory returned null");
            }
            return i;
        } catch (Exception | LinkageError e) {
            violations.add(new Violation(scenario.equals("hot replace") ? Kind.HOT_REPLACE_FAILED : Kind.CALL_FAILED,
                    scenario + ": create", "the factory failed: " + describe(e)));
            i.thread.shutdownNow();
            return null;
        }
    }

    /** An opMode, then the same again: it must pass, keep serving, and be idempotent. */
    private void serve(Instance i, String transition, SysConfig config, List<KitPersonality> now, Kind kind) {
        String label = transition + ": opMode(MASTER, " + config + ")";
        opMode(i, label, config, now, kind);
        opMode(i, label + " repeated", config, now, Kind.NOT_IDEMPOTENT);
    }

    /**
     * An opMode as the controller makes it: the volumes of what is taken on are acquired before, the
     * volumes of what is given away released after; then what was given away must be free, and what is
     * served usable.
     */
    private boolean opMode(Instance i, String label, SysConfig config, List<KitPersonality> now, Kind kind) {
        List<Personality> before = i.context.personalities();
        List<Personality> givenAway = new ArrayList<>(before);
        givenAway.removeIf(p -> now.stream().anyMatch(n -> n.name().equals(p.name())));
        for (KitPersonality p : now) {
            p.volumes().forEach(volumes::acquire);
        }
        i.context.serve(List.copyOf(now));
        readiness.servedChanged();
        Map<String, Set<Endpoint>> heldBefore = new HashMap<>();
        for (KitPersonality p : now) {
            heldBefore.put(p.name(), Sockets.held(p.addresses()));
        }
        boolean ok = call(i, label, Call.OPMODE, () -> i.module.opMode(OpMode.MASTER, config), kind);
        for (Personality p : givenAway) {
            p.volumes().forEach(volumes::release);
            free(p, label, "personality " + p.name() + " was given away");
        }
        for (KitPersonality p : now) {
            if (kit.client != null) {
                long start = System.nanoTime();
                String failure = useUntilDeadline(i, p);
                calls.add(label + ": the client " + (failure == null ? "used " : "could not use ") + p.name() + " ("
                        + (System.nanoTime() - start) / 1_000_000 + " ms)");
                if (failure != null) {
                    violations.add(new Violation(kind == Kind.HOT_REPLACE_FAILED ? kind : Kind.NOT_SERVING, label,
                            "personality " + p.name() + " " + p.addresses() + " is served but the client failed until the "
                                    + "deadline (" + i.context.deadline(Call.OPMODE).toMillis() + " ms): " + failure));
                }
            }
            Set<Endpoint> held = Sockets.held(p.addresses());
            seen.computeIfAbsent(p.name(), k -> new TreeSet<>()).addAll(held);
            if (kind == Kind.NOT_IDEMPOTENT) {
                Set<Endpoint> lost = new TreeSet<>(heldBefore.get(p.name()));
                lost.removeAll(held);
                if (!lost.isEmpty()) {
                    violations.add(new Violation(Kind.NOT_IDEMPOTENT, label, "personality " + p.name()
                            + " no longer held " + lost + " after the same call again"));
                }
            }
        }
        return ok;
    }

    /** stop (twice) and shutDown (twice); afterwards nothing of any personality may be held. */
    private void down(Instance i, String transition, Kind kind, boolean repeat) {
        List<Personality> served = i.context.personalities();
        call(i, transition + ": stop", Call.STOP, i.module::stop, kind);
        for (Personality p : served) {
            free(p, transition + ": stop", "the module stopped");
        }
        if (repeat) {
            call(i, transition + ": stop repeated", Call.STOP, i.module::stop, Kind.NOT_IDEMPOTENT);
        }
        call(i, transition + ": shutDown", Call.SHUTDOWN, i.module::shutDown, kind);
        if (repeat) {
            call(i, transition + ": shutDown repeated", Call.SHUTDOWN, i.module::shutDown, Kind.NOT_IDEMPOTENT);
        }
        volumes.releaseAll();
        if (!i.context.panics().isEmpty()) {
            violations.add(new Violation(Kind.PANICKED, transition, "panic(" + String.join("), panic(", i.context.panics())
                    + ") with nothing wrong"));
        }
        i.thread.shutdownNow();
    }

    /**
     * One call on the instance's thread, with its deadline.
     *
     * @param kind the violation a failure is, or {@code null} when a failure is allowed (after a fence)
     * @return whether it returned normally
     * @throws Stop if it overran its deadline
     */
    private boolean call(Instance i, String label, Call call, Body body, Kind kind) {
        Duration deadline = i.context.deadline(call);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch returned = new CountDownLatch(1);
        long start = System.nanoTime();
        i.thread.execute(() -> {
            try {
                body.run();
            } catch (Throwable t) {
                failure.set(t);
            } finally {
                returned.countDown();
            }
        });
        try {
            if (!returned.await(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
                violations.add(new Violation(Kind.PAST_DEADLINE, label, call + " still ran after its deadline of "
                        + deadline.toMillis() + " ms" + stack(i)));
                calls.add(label + ": PAST ITS DEADLINE (" + deadline.toMillis() + " ms)");
                i.thread.shutdownNow(); // interrupts it
                boolean back = returned.await(RETURN_GRACE.toMillis(), TimeUnit.MILLISECONDS);
                if (back && call != Call.SHUTDOWN) {
                    cleanUp(i);
                }
                throw new Stop(label + " overran its deadline" + (back ? "" : " and did not return when interrupted"));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Stop("the test's thread was interrupted");
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        Throwable t = failure.get();
        calls.add(label + ": " + (t == null ? "returned" : "threw " + describe(t)) + " (" + ms + " ms)");
        if (t != null && kind != null) {
            violations.add(new Violation(kind, label, describe(t)));
        }
        return t == null;
    }

    /** After a call that overran and then returned: stop and shutDown, so that it holds nothing past the run. */
    private void cleanUp(Instance i) {
        Thread t = new Thread(() -> {
            try {
                i.module.stop();
            } catch (Exception | LinkageError e) {
                // the run is over; the report has what matters
            }
            try {
                i.module.shutDown();
            } catch (Exception | LinkageError e) {
                // same
            }
        }, "hasm-testkit-" + kit.module + "-cleanup");
        t.setDaemon(true);
        t.start();
        try {
            t.join(RETURN_GRACE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String stack(Instance i) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            if (e.getKey().getName().startsWith("hasm-testkit-" + kit.module + "-" + i.scenario.replace(' ', '-'))) {
                StackTraceElement[] frames = e.getValue();
                for (int f = 0; f < Math.min(4, frames.length); f++) {
                    b.append(f == 0 ? ", at " : " < ").append(frames[f]);
                }
            }
        }
        return b.toString();
    }

    /** Nothing may listen on any personality's address before opMode. */
    private void noSocketYet(Instance i, String label) {
        Set<Endpoint> held = Sockets.held(List.of(a.addresses().get(0), b.addresses().get(0)));
        if (!held.isEmpty()) {
            violations.add(new Violation(Kind.SERVED_TOO_EARLY, label, "already holds " + held
                    + " though no opMode told it to serve"));
        }
    }

    /** Every address and port the personality held (or the ports given) must bind now. */
    private void free(Personality p, String label, String why) {
        Set<Endpoint> check = new TreeSet<>(seen.getOrDefault(p.name(), Set.of()));
        check.addAll(Sockets.held(p.addresses()));
        for (String address : p.addresses()) {
            for (int port : kit.ports) {
                check.add(new Endpoint("tcp", Sockets.canonical(address), port));
            }
        }
        Set<String> kept = new LinkedHashSet<>();
        for (Endpoint e : check) {
            String problem = Sockets.bindProblem(e);
            if (problem != null) {
                kept.add(e + ": " + problem);
            }
        }
        if (!kept.isEmpty()) {
            violations.add(new Violation(Kind.KEPT_PORT, label, why + ", but it still holds " + String.join(", ", kept)));
        }
    }

    /** @return {@code null} once the client succeeded, or its last failure at the deadline */
    private String useUntilDeadline(Instance i, Personality p) {
        long end = System.nanoTime() + i.context.deadline(Call.OPMODE).toNanos();
        String last = "not tried";
        for (int n = 0; n < 100_000; n++) {
            last = useOnce(i, p);
            if (last == null) {
                return null;
            }
            if (System.nanoTime() - end > 0) {
                return last;
            }
            CountDownLatch pause = new CountDownLatch(1);
            try {
                pause.await(CLIENT_RETRY_MS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "interrupted: " + last;
            }
        }
        return last;
    }

    /** @return {@code null} if the client succeeded once, else why not */
    private String useOnce(Instance i, Personality p) {
        try {
            kit.client.use(p);
            return null;
        } catch (Exception | AssertionError e) {
            return describe(e);
        }
    }

    // --- the volume's files, before and after a fence

    /** @return each file and folder below the root, by relative path: its kind, size and modification time */
    private static Map<String, String> snapshot(Path root) {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                try {
                    BasicFileAttributes at = Files.readAttributes(p, BasicFileAttributes.class);
                    files.put(root.relativize(p).toString(), (at.isDirectory() ? "folder" : "file " + at.size())
                            + " " + at.lastModifiedTime().toInstant());
                } catch (IOException e) {
                    // gone meanwhile: then it is not there
                }
            }
        } catch (IOException e) {
            files.put("", "unreadable: " + e.getMessage());
        }
        return files;
    }

    private static List<String> differences(Map<String, String> before, Map<String, String> after) {
        List<String> changed = new ArrayList<>();
        for (Map.Entry<String, String> e : after.entrySet()) {
            String was = before.get(e.getKey());
            if (was == null) {
                changed.add(e.getKey() + " (created)");
            } else if (!was.equals(e.getValue()) && !e.getValue().startsWith("folder")) {
                changed.add(e.getKey() + " (changed)");
            }
        }
        for (String gone : before.keySet()) {
            if (!after.containsKey(gone)) {
                changed.add(gone + " (removed)");
            }
        }
        return changed;
    }

    private static String describe(Throwable t) {
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m)
                + (t.getCause() != null && t.getCause() != t ? " (" + describe(t.getCause()) + ")" : "");
    }

    @Override
    public void close() {
        readiness.close();
        volumes.releaseAll();
        try (Stream<Path> s = Files.walk(folder)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a temporary folder; the system removes what is left
        }
    }
}
