package org.hasm.controller.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.stream.Stream;
import org.hasm.controller.internal.UpgradePlan.Status;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The staged jars and lists on the shared storage go once nothing can read them again: after the plan finished,
 * and at start for those the plan in progress does not name; never one a plan in progress may read, never while
 * the pair does not agree, and a file that cannot be deleted is tried again later. Time is handed in: no waiting.
 */
class StagedCleanupTest {
    private static final Instant T0 = Instant.parse("2026-12-03T08:00:00Z");
    private static final Duration RETRY = Duration.ofSeconds(60);
    private static final String NEW = "org.hasm.example-1.0.1.jar";
    private static final String OLD = "org.hasm.example-1.0.0.jar";
    private static final Function<String, String> AGREED = key -> null;

    @TempDir
    Path shared;

    private UpgradeStore store;
    private final ReentrantLock planning = new ReentrantLock();
    private final List<String> infos = new CopyOnWriteArrayList<>();
    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private final Sink sink = new Sink() {
        @Override
        public void debug(String message) {
        }

        @Override
        public void info(String message) {
            infos.add(message);
        }

        @Override
        public void warn(String message) {
            warnings.add(message);
        }

        @Override
        public void error(String message, Throwable t) {
            warnings.add(message);
        }

        @Override
        public void post(String topic, Map<String, Object> properties) {
        }
    };

    @BeforeEach
    void folder() {
        store = new UpgradeStore(shared.resolve(Upgrader.FOLDER));
    }

    private StagedCleanup cleanup() {
        return new StagedCleanup(sink, planning, RETRY, Files::deleteIfExists);
    }

    private static UpgradePlan bundlePlan(String jar, String sha256, String previousJar, String previousSha256) {
        return UpgradePlan.of("u1", "org.hasm.example", "1.0.0", "1.0.1", jar, sha256, previousJar, previousSha256,
                "scm-b", "scm-a");
    }

    private static UpgradePlan with(UpgradePlan p, Status status) {
        return p.with(p.steps(), status == Status.RUNNING ? 0 : p.current(), status, status == Status.RUNNING ? null
                : "a cause");
    }

    /* stages the two jars of a bundle upgrade and writes its plan, as Upgrader.begin does */
    private UpgradePlan planned() throws IOException {
        String newSum = store.stage(NEW, new byte[] {1}, "scm-a");
        String oldSum = store.stage(OLD, new byte[] {0}, "scm-a");
        UpgradePlan p = bundlePlan(NEW, newSum, OLD, oldSum);
        write(p);
        return p;
    }

    /* writes the plan; every file staged so far was staged a minute before (as an upgrade's steps take a while) */
    private void write(UpgradePlan p) throws IOException {
        store.write(p, "scm-a");
        FileTime written = Files.getLastModifiedTime(store.dir().resolve(UpgradeStore.PLAN));
        try (Stream<Path> files = Files.list(store.dir())) {
            for (Path f : files.toList()) {
                if (!f.getFileName().toString().equals(UpgradeStore.PLAN) && Files.isRegularFile(f)) {
                    Files.setLastModifiedTime(f, FileTime.from(written.toInstant().minusSeconds(60)));
                }
            }
        }
    }

    private Set<String> names() throws IOException {
        try (Stream<Path> files = Files.list(store.dir())) {
            return new TreeSet<>(files.map(f -> f.getFileName().toString()).toList());
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"DONE", "ROLLED_BACK", "ABORTED"})
    void theStagedFilesGoOnceThePlanFinishedAndNotBefore(Status end) throws IOException {
        StagedCleanup cleanup = cleanup();
        UpgradePlan p = planned();
        cleanup.look(store, store.read(), T0, AGREED);
        assertEquals(Set.of(NEW, OLD, UpgradeStore.PLAN), names(), "the plan in progress keeps both jars");

        write(with(p, end));
        cleanup.look(store, store.read(), T0.plusSeconds(1), AGREED);
        assertEquals(Set.of(UpgradeStore.PLAN), names(), "once " + end + " no staged file is needed; the plan stays");
        assertEquals(with(p, end), store.read());
        assertEquals(1, infos.size(), infos.toString());
        assertTrue(infos.get(0).contains("deleted 2 staged files from " + store.dir()) && infos.get(0).contains(end.name()),
                infos.get(0));
        assertTrue(warnings.isEmpty(), warnings.toString());
    }

    /** Both ways a plan goes on (forward, undoing) keep what it may install, the exact previous jar included. */
    @ParameterizedTest
    @EnumSource(names = {"RUNNING", "ROLLING_BACK", "ABORTING", "FAILED"})
    void aPlanInProgressOrFailedKeepsItsJarsAndTheLeftoversOfOlderPlansGoAtStart(Status status) throws IOException {
        store.stage("org.hasm.example-0.9.0.jar", new byte[] {9}, "scm-a"); // a plan of last month's
        UpgradePlan p = planned();
        write(with(p, status));
        cleanup().look(store, store.read(), T0, AGREED); // a controller that starts
        assertEquals(Set.of(NEW, OLD, UpgradeStore.PLAN), names());
        assertTrue(infos.get(0).contains("deleted 1 staged file from " + store.dir()), infos.toString());
    }

    @Test
    void aFeatureInProgressKeepsItsListsAndEveryJarTheyName() throws IOException {
        store.stage("org.hasm.other-0.1.0.jar", new byte[] {7}, "scm-a"); // not the feature's
        String a1 = store.stage("org.hasm.a-1.1.0.jar", new byte[] {1}, "scm-a");
        String a0 = store.stage("org.hasm.a-1.0.0.jar", new byte[] {0}, "scm-a");
        String b1 = store.stage("org.hasm.b-2.1.0.jar", new byte[] {3}, "scm-a");
        String b0 = store.stage("org.hasm.b-2.0.0.jar", new byte[] {2}, "scm-a");
        String next = store.stage("feature-nas-1.1.list", ("org.hasm.a 1.1.0 org.hasm.a-1.1.0.jar " + a1
                + "\norg.hasm.b 2.1.0 org.hasm.b-2.1.0.jar " + b1 + "\n").getBytes(StandardCharsets.UTF_8), "scm-a");
        String previous = store.stage("feature-nas-1.0.list", ("org.hasm.a 1.0.0 org.hasm.a-1.0.0.jar " + a0
                + "\norg.hasm.b 2.0.0 org.hasm.b-2.0.0.jar " + b0 + "\n").getBytes(StandardCharsets.UTF_8), "scm-a");
        UpgradePlan p = UpgradePlan.of("u2", "feature:nas", "1.0", "1.1", "feature-nas-1.1.list", next,
                "feature-nas-1.0.list", previous, "scm-b", "scm-a", UpgradePlan.Target.FEATURE, false);
        write(with(p, Status.ROLLING_BACK));
        StagedCleanup cleanup = cleanup();
        cleanup.look(store, store.read(), T0, AGREED);
        assertEquals(Set.of("feature-nas-1.1.list", "feature-nas-1.0.list", "org.hasm.a-1.1.0.jar", "org.hasm.a-1.0.0.jar",
                "org.hasm.b-2.1.0.jar", "org.hasm.b-2.0.0.jar", UpgradeStore.PLAN), names());

        write(with(p, Status.ROLLED_BACK));
        cleanup.look(store, store.read(), T0.plusSeconds(1), AGREED);
        assertEquals(Set.of(UpgradeStore.PLAN), names());
    }

    /** A release that kept every jar left a folder full; a new controller's first look empties it. */
    @Test
    void theLeftoversOfAnOldFinishedPlanGoAtStart() throws IOException {
        store.stage("org.hasm.example-0.9.0.jar", new byte[] {9}, "scm-a");
        store.stage("feature-nas-0.9.list", new byte[] {8}, "scm-a");
        UpgradePlan p = planned();
        write(with(p, Status.DONE));
        cleanup().look(store, store.read(), T0, AGREED);
        assertEquals(Set.of(UpgradeStore.PLAN), names());
        assertTrue(infos.get(0).contains("deleted 4 staged files from " + store.dir()), infos.toString());
    }

    @Test
    void onlyWhatTheUpgradeStagedIsEverDeleted() throws IOException {
        UpgradePlan p = planned();
        Files.writeString(store.dir().resolve("README"), "the operator's");
        Files.writeString(store.dir().resolve(".plan.scm-b.77-1.tmp"), "the peer writing its plan");
        Files.createDirectories(store.dir().resolve("hasm-1.1.jar"));
        write(with(p, Status.DONE));
        cleanup().look(store, store.read(), T0, AGREED);
        assertEquals(Set.of(UpgradeStore.PLAN, "README", ".plan.scm-b.77-1.tmp", "hasm-1.1.jar"), names());
    }

    /** Without a plan nothing tells what a jar is for: it may be the first upgrade's, being planned. */
    @Test
    void withoutAPlanNothingIsDeleted() throws IOException {
        store.stage(NEW, new byte[] {1}, "scm-a");
        Files.setLastModifiedTime(store.dir().resolve(NEW), FileTime.from(T0.minus(Duration.ofDays(30))));
        cleanup().look(store, store.read(), T0, AGREED);
        assertEquals(Set.of(NEW), names());
    }

    /**
     * An upgrade being planned stages its jars before it writes its plan: while this process plans one, nothing is
     * looked at; a jar newer than the plan (staged on the other SCM) stays even when the plan finished.
     */
    @Test
    void theJarsOfAnUpgradeBeingPlannedAreNeverTaken() throws Exception {
        UpgradePlan p = planned();
        write(with(p, Status.DONE));
        StagedCleanup cleanup = cleanup();
        planning.lock();
        try {
            CompletableFuture.runAsync(() -> cleanup.look(store, with(p, Status.DONE), T0, AGREED))
                    .get(10, TimeUnit.SECONDS);
        } finally {
            planning.unlock();
        }
        assertEquals(Set.of(NEW, OLD, UpgradeStore.PLAN), names(), "nothing while an upgrade is planned");

        Path next = store.dir().resolve("org.hasm.example-1.0.2.jar");
        store.stage(next.getFileName().toString(), new byte[] {2}, "scm-b");
        Files.setLastModifiedTime(next, FileTime.from(Files.getLastModifiedTime(store.dir().resolve(UpgradeStore.PLAN))
                .toInstant().plusSeconds(1)));
        cleanup.look(store, store.read(), T0.plus(RETRY), AGREED);
        assertEquals(Set.of(next.getFileName().toString(), UpgradeStore.PLAN), names());
    }

    @Test
    void nothingGoesUntilThePairAgreesThenItIsTriedAgainLater() throws IOException {
        UpgradePlan p = planned();
        write(with(p, Status.DONE));
        StagedCleanup cleanup = cleanup();
        List<String> asked = new ArrayList<>();
        AtomicBoolean agreed = new AtomicBoolean();
        Function<String, String> pair = key -> {
            asked.add(key);
            return agreed.get() ? null : "scm-b does not answer";
        };
        cleanup.look(store, store.read(), T0, pair);
        assertEquals(Set.of(NEW, OLD, UpgradeStore.PLAN), names());
        agreed.set(true);
        cleanup.look(store, store.read(), T0.plus(RETRY).minusSeconds(1), pair);
        assertEquals(List.of("u1 DONE"), asked, "not asked again before the retry");
        cleanup.look(store, store.read(), T0.plus(RETRY), pair);
        assertEquals(Set.of(UpgradeStore.PLAN), names());
        cleanup.look(store, store.read(), T0.plus(RETRY.multipliedBy(3)), pair);
        assertEquals(2, asked.size(), "once all went, a plan is not looked at again: " + asked);
    }

    @Test
    void aFileThatCannotBeDeletedIsWarnedOfAndTriedAgainLaterWithoutTouchingThePlan() throws IOException {
        UpgradePlan p = planned();
        UpgradePlan done = with(p, Status.DONE);
        write(done);
        AtomicBoolean stuck = new AtomicBoolean(true);
        AtomicInteger tries = new AtomicInteger();
        StagedCleanup cleanup = new StagedCleanup(sink, planning, RETRY, f -> {
            if (f.getFileName().toString().equals(OLD)) {
                tries.incrementAndGet();
                if (stuck.get()) {
                    throw new IOException("Read-only file system");
                }
            }
            Files.deleteIfExists(f);
        });
        cleanup.look(store, store.read(), T0, AGREED);
        assertEquals(Set.of(OLD, UpgradeStore.PLAN), names(), "the other one went");
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains(OLD) && warnings.get(0).contains(store.dir().toString())
                && warnings.get(0).contains("Read-only file system") && warnings.get(0).contains("tried again in 60 s"),
                warnings.get(0));
        assertEquals(done, store.read(), "the plan is as it was");

        cleanup.look(store, store.read(), T0.plusSeconds(1), AGREED);
        cleanup.look(store, store.read(), T0.plus(RETRY), AGREED);
        assertEquals(2, tries.get(), "tried once more, at the retry only");
        assertEquals(1, warnings.size(), "the same problem is warned of once: " + warnings);

        stuck.set(false);
        cleanup.look(store, store.read(), T0.plus(RETRY.multipliedBy(2)), AGREED);
        assertEquals(Set.of(UpgradeStore.PLAN), names());
        assertTrue(infos.get(infos.size() - 1).contains("deleted 1 staged file from " + store.dir()), infos.toString());
        assertEquals(done, store.read());
    }

    /** A folder that cannot be read (the storage failing) is warned of, never thrown at the conductor. */
    @Test
    void aFolderThatCannotBeReadIsWarnedOfAndNeverThrown() throws IOException {
        UpgradePlan p = planned();
        write(with(p, Status.DONE));
        Files.write(store.dir().resolve(UpgradeStore.PLAN), new byte[] {'x'}); // not whole
        cleanup().look(store, with(p, Status.DONE), T0, AGREED);
        assertEquals(Set.of(NEW, OLD, UpgradeStore.PLAN), names());
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("cannot be looked at"), warnings.get(0));
    }

    @Test
    void thePairAgreesOnlyWhenNeitherSCMInstallsAndThePeerReadsThePlanAlike() {
        Map<String, String> idle = Map.of(PeerMessages.TYPE, "OK", StagedCleanup.INSTALLING, "0", StagedCleanup.PLAN,
                "u1 DONE");
        assertNull(StagedCleanup.disagreement("u1 DONE", 0, "scm-b", idle));
        assertTrue(StagedCleanup.disagreement("u1 DONE", 1, "scm-b", idle).contains("this SCM"));
        assertTrue(StagedCleanup.disagreement("u1 DONE", 0, "scm-b", null).contains("scm-b does not answer"));
        assertTrue(StagedCleanup.disagreement("u1 DONE", 0, "scm-b", Map.of(PeerMessages.TYPE, PeerServer.REFUSED,
                "reason", "no such upgrade message")).contains("no such upgrade message"));
        assertTrue(StagedCleanup.disagreement("u1 DONE", 0, "scm-b", Map.of(PeerMessages.TYPE, "OK"))
                .contains("earlier release"), "a release that does not say is not taken as idle");
        assertTrue(StagedCleanup.disagreement("u1 DONE", 0, "scm-b", Map.of(PeerMessages.TYPE, "OK",
                StagedCleanup.INSTALLING, "1", StagedCleanup.PLAN, "u1 DONE")).contains("on scm-b"));
        String lagging = StagedCleanup.disagreement("u1 DONE", 0, "scm-b", Map.of(PeerMessages.TYPE, "OK",
                StagedCleanup.INSTALLING, "0", StagedCleanup.PLAN, "u1 open"));
        assertTrue(lagging != null && lagging.contains("u1 open"), lagging);
        assertFalse(StagedCleanup.disagreement("u1 DONE", 0, "scm-b", Map.of(PeerMessages.TYPE, "OK",
                StagedCleanup.INSTALLING, "0", StagedCleanup.PLAN, "unreadable: I/O error")) == null);
    }

    @Test
    void theKeyNamesThePlanAndHowItEnded() {
        UpgradePlan p = bundlePlan(NEW, "ab", OLD, "cd");
        assertEquals("none", StagedCleanup.key(null));
        assertEquals("u1 open", StagedCleanup.key(p));
        assertEquals("u1 open", StagedCleanup.key(with(p, Status.ROLLING_BACK)));
        assertEquals("u1 ROLLED_BACK", StagedCleanup.key(with(p, Status.ROLLED_BACK)));
        assertEquals("u1 FAILED", StagedCleanup.key(with(p, Status.FAILED)));
    }
}
