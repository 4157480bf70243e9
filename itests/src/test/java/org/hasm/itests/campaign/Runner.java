package org.hasm.itests.campaign;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.hasm.itests.cluster.Listeners;
import org.hasm.itests.cluster.OwnerWatch;
import org.hasm.itests.cluster.Pair;
import org.hasm.itests.cluster.Pair.Scm;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.cluster.PutLoop;

/**
 * One run of the campaign: a fresh pair in DAC, a client writing through each personality, the
 * plan's faults injected and undone on schedule, every SCM that is down started again (as a
 * supervisor would), then the pair given a deadline to be back in DAC with the writes going
 * through, and the four checkers run over what happened.
 */
final class Runner {

    /**
     * @param timing the pair's status timing
     * @param converge how long the pair has to be back in DAC after the last fault is undone
     * @param maxNetworkOutageMs the longest network-only outage a plan draws
     * @param work where each run's pair lives; a run's folder is deleted if it passed
     */
    record Settings(Timing timing, Duration converge, long maxNetworkOutageMs, Path work) {
    }

    /** Long enough for an fsync on a loaded disk and for a PUT queued at a paused SCM. */
    private static final Duration REQUEST = Duration.ofSeconds(5);
    /** The writers' and watchers' own bound: far beyond any run. */
    private static final Duration LIMIT = Duration.ofMinutes(10);
    private static final Duration STEP = Duration.ofSeconds(30);
    /** Acknowledged writes per personality that show the writes go through (before the faults, and after). */
    private static final int SOME = 5;
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final Settings settings;

    Runner(Settings settings) {
        this.settings = settings;
    }

    RunResult run(int index, long seed, List<FaultKind> kinds) {
        Plan plan = Plan.make(seed, kinds, settings.maxNetworkOutageMs());
        System.out.println("run " + index + " seed " + seed + ": " + plan.describe());
        Path dir = settings.work().resolve("run-" + index + "-seed-" + seed);
        RunResult result;
        try {
            Files.createDirectories(dir);
            Timeline timeline = new Timeline();
            Lab lab = Lab.create(dir, settings.timing(), plan, timeline);
            try (lab) {
                result = exercise(lab, index, seed, plan);
            }
        } catch (Exception | AssertionError e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            result = RunResult.failed(index, seed, plan, firstLine(e) + " (the whole of it in " + keep(dir, e) + ")");
        }
        System.out.println(result.line());
        if (result.passed()) {
            delete(dir);
        } else {
            result.problems().forEach(p -> System.out.println("  " + p));
            System.out.println("  the pair's folder, logs included: " + dir);
        }
        return result;
    }

    private RunResult exercise(Lab lab, int index, long seed, Plan plan) throws Exception {
        Pair pair = lab.pair();
        lab.start(Scm.A);
        lab.start(Scm.B);
        pair.awaitSettled("DAC/MASTER", "DAC/SLAVE", settings.timing().detection().multipliedBy(2), Pair.BOOT);
        long origin = System.nanoTime();
        try (OwnerWatch watchA = OwnerWatch.start(pair.shared(), pair.volume(Scm.A), LIMIT);
                OwnerWatch watchB = OwnerWatch.start(pair.shared(), pair.volume(Scm.B), LIMIT);
                PutLoop writerA = PutLoop.start(pair.filesUrl(Scm.A), "a-", REQUEST, LIMIT, holder(pair, Scm.A));
                PutLoop writerB = PutLoop.start(pair.filesUrl(Scm.B), "b-", REQUEST, LIMIT, holder(pair, Scm.B))) {
            writerA.awaitAcks(0, SOME, STEP, pair::diagnostics);
            writerB.awaitAcks(0, SOME, STEP, pair::diagnostics);

            long undone = inject(lab, plan, seed);

            List<String> problems = new ArrayList<>();
            long deadline = undone + settings.converge().toNanos();
            String why = converge(lab, deadline);
            long convergeMs = why == null ? TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - undone) : -1;
            if (why == null) {
                why = resumed(writerA, Scm.A, deadline, pair);
                String b = resumed(writerB, Scm.B, deadline, pair);
                why = why != null ? why : b;
            }
            if (why != null) {
                problems.add("not back in DAC within " + settings.converge().toMillis() + " ms of the last fault's undo: "
                        + why);
            }
            writerA.stop();
            writerB.stop();
            watchA.close();
            watchB.close();
            lab.observe();
            return checked(lab, new RunResult(index, seed, plan, 0, 0, 0, 0, 0, 0, why == null, convergeMs, problems,
                    null), List.of(writerA, writerB), List.of(watchA, watchB), origin);
        }
    }

    /**
     * Runs checkers 1, 2 and 4 over what the run left (checker 3, convergence, was the run's end).
     *
     * @param run what the run found so far: whether it converged, and in how long
     * @param writers the writers of personality A and B, stopped
     * @param watches the watches of their volumes, stopped
     * @return the run's result
     */
    private static RunResult checked(Lab lab, RunResult run, List<PutLoop> writers, List<OwnerWatch> watches,
            long origin) throws IOException, InterruptedException {
        Pair pair = lab.pair();
        List<String> problems = new ArrayList<>(run.problems());
        int acknowledged = 0;
        int lost = 0;
        int unserved = 0;
        List<String> owners = new ArrayList<>();
        for (Scm home : Scm.values()) {
            List<PutLoop.Ack> acks = writers.get(home.ordinal()).acks();
            Ledger.Outcome ledger = Ledger.check(acks, Ledger.http(pair.filesUrl(home)),
                    Ledger.volume(pair.shared().resolve("volumes").resolve(pair.volume(home))));
            acknowledged += ledger.checked();
            lost += ledger.lost();
            unserved += ledger.unserved();
            problems.addAll(ledger.problems());
            owners.addAll(records(pair, home, watches.get(home.ordinal()), acks, origin));
        }
        List<LogEvents.Event> events = LogEvents.merge(LogEvents.parse(Scm.A, pair.log(Scm.A)),
                LogEvents.parse(Scm.B, pair.log(Scm.B)));
        owners.addAll(Ownership.fromLogs(events, lab.timeline(), leaseMs(pair)));
        problems.addAll(owners);
        Fences.Outcome fences = Fences.check(events, lab.timeline(), pair.timing().detection().toMillis());
        problems.addAll(fences.wrongful());
        problems.addAll(fences.unexplained());
        return new RunResult(run.index(), run.seed(), run.plan(), acknowledged, lost, unserved, owners.size(),
                fences.wrongful().size(), fences.unexplained().size(), run.converged(), run.convergeMs(), problems,
                null);
    }

    /**
     * Injects and undoes the plan's faults on schedule, in one thread: a fault that takes its time
     * (a restart in a transition) delays those after it, never reorders them.
     *
     * @return when the last fault was undone ({@link System#nanoTime()})
     */
    private static long inject(Lab lab, Plan plan, long seed) throws Exception {
        record Step(long atMs, boolean start, Fault fault, int order) {
        }
        List<Step> steps = new ArrayList<>();
        for (Fault f : plan.faults()) {
            steps.add(new Step(f.startMs(), true, f, steps.size()));
            steps.add(new Step(f.startMs() + f.holdMs(), false, f, steps.size()));
        }
        steps.sort(Comparator.comparingLong(Step::atMs).thenComparingInt(Step::order));
        Map<Fault, Lab.Undo> active = new IdentityHashMap<>();
        long phase = System.nanoTime();
        for (Step step : steps) {
            lab.holdUntil(phase + TimeUnit.MILLISECONDS.toNanos(step.atMs()));
            if (step.start()) {
                active.put(step.fault(), lab.inject(step.fault(), seed ^ step.order()));
            } else {
                active.remove(step.fault()).close();
            }
        }
        return System.nanoTime();
    }

    /** @return why the pair is not back in DAC by the deadline, or {@code null} once it is */
    private static String converge(Lab lab, long deadline) throws IOException {
        Pair pair = lab.pair();
        String why;
        // bounded by the deadline
        while (true) {
            lab.restartDead();
            why = Convergence.notConverged(pair.status(Scm.A), pair.status(Scm.B),
                    OwnerWatch.read(pair.shared(), pair.volume(Scm.A)), OwnerWatch.read(pair.shared(), pair.volume(Scm.B)),
                    Listeners.holder(pair, pair.personalityAddress(Scm.A), pair.httpPort()),
                    Listeners.holder(pair, pair.personalityAddress(Scm.B), pair.httpPort()));
            if (why == null || System.nanoTime() - deadline >= 0) {
                return why;
            }
            lab.holdUntil(System.nanoTime() + POLL_NANOS);
        }
    }

    /** @return why the writes through {@code home}'s personality did not go through again, or {@code null} */
    private static String resumed(PutLoop writer, Scm home, long deadline, Pair pair) {
        Duration left = Duration.ofNanos(Math.max(deadline - System.nanoTime(), STEP.toNanos()));
        try {
            writer.awaitAcks(writer.ackCount(), SOME, left, () -> "");
            return null;
        } catch (AssertionError e) {
            return "the writes through personality " + home.personality() + " did not go through again: "
                    + writer.summary() + "; status " + Pair.role(pair.status(Scm.A)) + ", " + Pair.role(pair.status(Scm.B));
        }
    }

    /** The record's history and the writes acknowledged against it. */
    private static List<String> records(Pair pair, Scm home, OwnerWatch watch, List<PutLoop.Ack> acks, long origin) {
        String volume = pair.volume(home);
        List<String> found = new ArrayList<>();
        OwnerWatch.epochProblems(watch.history()).forEach(p -> found.add(volume + ": " + p));
        // a write acknowledged while nobody held the address is one whose server cannot be told
        List<PutLoop.Ack> attributed = acks.stream().filter(a -> !a.servedBy().equals("none")).toList();
        watch.acknowledgedByNonOwner(attributed, origin).forEach(p -> found.add(volume + ": " + p));
        return found;
    }

    private static Supplier<String> holder(Pair pair, Scm home) {
        String address = pair.personalityAddress(home);
        return () -> Listeners.holder(pair, address, pair.httpPort());
    }

    /** @return the storage lease of scm-a, as its configuration says (both SCMs have the same) */
    private static long leaseMs(Pair pair) throws IOException {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(pair.node(Scm.A).resolve("etc/org.hasm.storage.cfg"),
                StandardCharsets.UTF_8)) {
            p.load(in);
        }
        return Long.parseLong(p.getProperty("lease.ms", "").strip());
    }

    private static String firstLine(Throwable e) {
        String text = String.valueOf(e);
        int end = text.indexOf('\n');
        return end < 0 ? text : text.substring(0, end);
    }

    /** @return where the failure's whole text went: its diagnostics hold both SCMs' status and logs */
    private static Path keep(Path dir, Throwable e) {
        Path file = dir.resolve("failure.txt");
        StringWriter text = new StringWriter();
        e.printStackTrace(new PrintWriter(text));
        try {
            Files.createDirectories(dir);
            Files.writeString(file, text.toString(), StandardCharsets.UTF_8);
        } catch (IOException x) {
            System.out.println(text);
            return dir;
        }
        return file;
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.out.println("  (could not delete " + dir + ": " + e + ")");
        }
    }
}
