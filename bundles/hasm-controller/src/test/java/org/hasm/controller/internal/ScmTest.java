package org.hasm.controller.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.hasm.spi.Call;
import org.hasm.spi.CallRecord;
import org.hasm.spi.HaModule;
import org.hasm.spi.ModuleInfo;
import org.hasm.spi.ModuleStatus;
import org.hasm.spi.OpMode;
import org.hasm.spi.Personality;
import org.hasm.spi.ScmState;
import org.hasm.spi.Tier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ScmTest {
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final List<String> log = new CopyOnWriteArrayList<>();
    private final List<TestModule> blocked = new ArrayList<>();
    private long nextServiceId = 1;
    private Scm scm;

    private final Sink sink = new Sink() {
        @Override
        public void debug(String message) {
        }

        @Override
        public void info(String message) {
            log.add(message);
        }

        @Override
        public void warn(String message) {
            log.add("WARN " + message);
        }

        @Override
        public void error(String message, Throwable t) {
            log.add("ERROR " + message);
        }

        @Override
        public void post(String topic, Map<String, Object> properties) {
            events.add(topic + " " + properties.get("module") + " " + properties.get("state"));
        }
    };

    @AfterEach
    void tearDown() {
        blocked.forEach(m -> m.release.countDown());
        if (scm != null) {
            scm.close();
        }
    }

    private static Settings settings(long deadlineMillis, List<Personality> personalities, List<String> problems) {
        Map<Call, Duration> d = new EnumMap<>(Call.class);
        for (Call c : Call.values()) {
            d.put(c, Duration.ofMillis(deadlineMillis));
        }
        return new Settings("scm-t", OpMode.MASTER, null, d, Settings.DEFAULT_MAX_DEADLINE, Duration.ofSeconds(1), Duration.ofSeconds(1), 100,
                personalities, problems);
    }

    private Scm scm(Settings s) {
        scm = new Scm(s, sink, () -> s);
        return scm;
    }

    private ModuleEntry entry(TestModule m, Tier tier, int rank, Object... more) {
        Map<String, Object> props = new HashMap<>(Map.of(HaModule.MODULE_NAME, m.name, HaModule.MODULE_TIER,
                tier.value(), HaModule.MODULE_RANK, rank));
        for (int i = 0; i + 1 < more.length; i += 2) {
            props.put((String) more[i], more[i + 1]);
        }
        return new ModuleEntry(nextServiceId++, m, "test.bundle", "1.0.0", ModuleProperties.parse(props, "fallback"));
    }

    /** The state shows once the HASM tier is done; services may still be in their calls until this returns. */
    private void awaitIdle() {
        await("every module out of its call: " + scm.modules(),
                () -> scm.modules().stream().allMatch(i -> i.inCallSince() == null));
    }

    private long lastSequence() {
        List<CallRecord> all = scm.journal(-1);
        return all.isEmpty() ? -1 : all.get(all.size() - 1).sequence();
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            LockSupport.parkNanos(5_000_000); // the polling interval of a deadline-bounded wait
        }
    }

    private void awaitState(ScmState state) {
        await("state " + state + " (now " + scm.snapshot() + ")", () -> scm.snapshot().state() == state);
    }

    private List<String> journal(long after) {
        List<String> out = new ArrayList<>();
        for (CallRecord r : scm.journal(after)) {
            out.add(r.module() + ":" + Invoker.describe(r.call(), r.opMode(), r.sysConfig())
                    + (r.outcome() == CallRecord.Outcome.PASSED ? "" : "=" + r.outcome()));
        }
        return out;
    }

    private ModuleInfo info(String name) {
        return scm.modules().stream().filter(i -> i.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no module " + name));
    }

    private static List<String> each(List<String> names, String call) {
        return names.stream().map(n -> n + ":" + call).toList();
    }

    private static List<String> concat(List<String>... lists) {
        List<String> all = new ArrayList<>();
        for (List<String> l : lists) {
            all.addAll(l);
        }
        return all;
    }

    @Test
    void bootCallsEveryPhaseForAllModulesHasmTierFirstThenByRank() {
        scm(settings(2000, List.of(), List.of()));
        scm.added(entry(new TestModule("svc-b"), Tier.SERVICE, 20));
        scm.added(entry(new TestModule("storage"), Tier.HASM, 50));
        scm.added(entry(new TestModule("svc-a"), Tier.SERVICE, 10));
        scm.added(entry(new TestModule("netif"), Tier.HASM, 60));
        scm.start();
        awaitState(ScmState.DAC);
        awaitIdle();
        List<String> order = List.of("storage", "netif", "svc-a", "svc-b");
        assertEquals(concat(each(order, "INIT"), each(order, "TEST"), each(order, "OPMODE(MASTER, DAC)")), journal(-1));
        order.forEach(n -> assertEquals(ModuleStatus.ACTIVE, info(n).status(), n));
        assertEquals(order, scm.modules().stream().map(ModuleInfo::name).toList());
    }

    @Test
    void shutdownStopsAllThenShutsDownAllInReverseOrder() {
        scm(settings(2000, List.of(), List.of()));
        scm.added(entry(new TestModule("svc"), Tier.SERVICE, 10));
        scm.added(entry(new TestModule("storage"), Tier.HASM, 10));
        scm.start();
        awaitState(ScmState.DAC);
        awaitIdle();
        long last = lastSequence();
        scm.requestShutdown("test");
        awaitState(ScmState.HALTED);
        assertEquals(List.of("svc:STOP", "storage:STOP", "svc:SHUTDOWN", "storage:SHUTDOWN"), journal(last));
        assertEquals(ModuleStatus.SHUT_DOWN, info("svc").status());
    }

    @Test
    void throwingAndOverrunningModulesAreReportedAndTheOthersComplete() {
        scm(settings(300, List.of(), List.of()));
        TestModule thrower = new TestModule("thrower").failOn(Call.TEST);
        TestModule sleeper = new TestModule("sleeper").blockOn(Call.TEST);
        blocked.add(sleeper);
        scm.added(entry(thrower, Tier.SERVICE, 10));
        scm.added(entry(sleeper, Tier.SERVICE, 20));
        scm.added(entry(new TestModule("good"), Tier.SERVICE, 30));
        scm.start();
        awaitState(ScmState.DAC);
        await("good active", () -> info("good").status() == ModuleStatus.ACTIVE);
        assertEquals(ModuleStatus.FAILED, info("thrower").status());
        assertEquals(Call.TEST, info("thrower").lastCall());
        assertTrue(info("thrower").lastError().contains("thrower refuses TEST"), info("thrower").lastError());
        assertEquals(ModuleStatus.TIMED_OUT, info("sleeper").status());
        assertTrue(info("sleeper").lastError().contains("deadline of 300 ms"), info("sleeper").lastError());
        assertEquals(ModuleStatus.ACTIVE, info("good").status());
        assertEquals(List.of("thrower:INIT", "sleeper:INIT", "good:INIT", "thrower:TEST=FAILED",
                "sleeper:TEST=TIMED_OUT", "good:TEST", "good:OPMODE(MASTER, DAC)"), journal(-1));
        // the overrunning module is not called again while its call still runs; the thrower is still released
        assertNotNull(info("sleeper").inCallSince(), "the overrun TEST still runs");
        long last = lastSequence();
        scm.requestShutdown("test");
        awaitState(ScmState.HALTED);
        assertEquals(List.of("good:STOP", "thrower:STOP", "good:SHUTDOWN", "thrower:SHUTDOWN"), journal(last));
        assertTrue(log.stream().anyMatch(l -> l.contains("sleeper") && l.contains("still running")), log.toString());
    }

    @Test
    void anOverrunThatReturnsIsRecordedTruthfullyAndTheModuleIsBroughtUp() {
        scm(settings(200, List.of(), List.of()));
        TestModule sleeper = new TestModule("sleeper").blockOn(Call.INIT);
        blocked.add(sleeper);
        scm.added(entry(sleeper, Tier.SERVICE, 20));
        scm.start();
        awaitState(ScmState.DAC);
        ModuleInfo overrun = info("sleeper");
        assertEquals(ModuleStatus.TIMED_OUT, overrun.status());
        assertEquals(Call.INIT, overrun.lastCall());
        assertNotNull(overrun.inCallSince(), "status shows the call in progress");
        assertEquals(List.of("sleeper:INIT=TIMED_OUT"), journal(-1));

        sleeper.blockOn = null;
        sleeper.release.countDown();
        await("late return logged", () -> log.stream().anyMatch(l -> l.contains("returned from INIT")));
        // the journal says what really happened, and the module catches up with the others
        await("sleeper active", () -> info("sleeper").status() == ModuleStatus.ACTIVE);
        assertEquals(List.of("sleeper:INIT=TIMED_OUT", "sleeper:INIT", "sleeper:TEST", "sleeper:OPMODE(MASTER, DAC)"),
                journal(-1));
        CallRecord lateEntry = scm.journal(-1).get(1);
        assertTrue(lateEntry.late(), lateEntry.toString());
        assertEquals(scm.journal(-1).get(0).started(), lateEntry.started());
        assertTrue(lateEntry.millis() >= 200, lateEntry.toString());
        assertNull(info("sleeper").inCallSince());

        scm.reset("retry");
        await("sleeper active after reset", () -> sleeper.calls().size() == 8 && info("sleeper").status() == ModuleStatus.ACTIVE);
        assertEquals(List.of("INIT", "TEST", "OPMODE(MASTER, DAC)", "STOP", "SHUTDOWN", "INIT", "TEST",
                "OPMODE(MASTER, DAC)"), sleeper.calls());
    }

    @Test
    void aFailingHasmModulePutsTheScmInMonitorWithTheReason() {
        scm(settings(2000, List.of(), List.of()));
        scm.added(entry(new TestModule("storage").failOn(Call.TEST), Tier.HASM, 10));
        TestModule svc = new TestModule("svc");
        scm.added(entry(svc, Tier.SERVICE, 10));
        scm.start();
        awaitState(ScmState.MONITOR);
        assertTrue(scm.snapshot().reason().contains("storage"), scm.snapshot().reason());
        assertEquals(List.of("INIT", "TEST", "STOP"), svc.calls());
        assertTrue(scm.personalities().isEmpty());
    }

    @Test
    void aLateModuleIsBroughtUpAndALeavingOneIsStoppedAndShutDown() {
        scm(settings(2000, List.of(), List.of()));
        scm.added(entry(new TestModule("first"), Tier.SERVICE, 10));
        scm.start();
        awaitState(ScmState.DAC);
        TestModule late = new TestModule("late");
        ModuleEntry e = entry(late, Tier.SERVICE, 5);
        scm.added(e);
        await("late active", () -> info("late").status() == ModuleStatus.ACTIVE);
        assertEquals(List.of("INIT", "TEST", "OPMODE(MASTER, DAC)"), late.calls());
        scm.removed(e.serviceId); // returns once stopped
        assertEquals(List.of("INIT", "TEST", "OPMODE(MASTER, DAC)", "STOP", "SHUTDOWN"), late.calls());
        assertTrue(scm.modules().stream().noneMatch(i -> i.name().equals("late")));
    }

    @Test
    void aSecondModuleWithTheSameNameWaitsAndTakesOverWhenTheFirstLeaves() {
        scm(settings(2000, List.of(), List.of()));
        TestModule v1 = new TestModule("svc");
        ModuleEntry e1 = entry(v1, Tier.SERVICE, 10);
        scm.added(e1);
        scm.start();
        awaitState(ScmState.DAC);
        TestModule v2 = new TestModule("svc");
        scm.added(entry(v2, Tier.SERVICE, 10));
        await("conflict reported", () -> scm.modules().stream().anyMatch(i -> i.status() == ModuleStatus.CONFLICT));
        assertTrue(v2.calls().isEmpty());
        scm.removed(e1.serviceId);
        await("v2 active", () -> info("svc").status() == ModuleStatus.ACTIVE);
        assertEquals(List.of("INIT", "TEST", "OPMODE(MASTER, DAC)", "STOP", "SHUTDOWN"), v1.calls());
        assertEquals(List.of("INIT", "TEST", "OPMODE(MASTER, DAC)"), v2.calls());
    }

    @Test
    void invalidRegistrationsAreReportedAndNeverCalled() {
        scm(settings(2000, List.of(), List.of()));
        TestModule bad = new TestModule("bad");
        scm.added(new ModuleEntry(nextServiceId++, bad, "b", "1",
                ModuleProperties.parse(Map.of(HaModule.MODULE_NAME, "bad", HaModule.MODULE_RANK, "high"), "fb")));
        TestModule noName = new TestModule("x");
        scm.added(new ModuleEntry(nextServiceId++, noName, "b", "1", ModuleProperties.parse(Map.of(), "b#2")));
        scm.start();
        awaitState(ScmState.DAC);
        assertEquals(ModuleStatus.INVALID, info("bad").status());
        assertTrue(info("bad").lastError().contains("hasm.module.rank=high"), info("bad").lastError());
        assertEquals(ModuleStatus.INVALID, info("b#2").status());
        assertTrue(bad.calls().isEmpty() && noName.calls().isEmpty());
    }

    @Test
    void aRankChangeReordersTheNextTransition() {
        scm(settings(2000, List.of(), List.of()));
        ModuleEntry a = entry(new TestModule("a"), Tier.SERVICE, 10);
        scm.added(a);
        scm.added(entry(new TestModule("b"), Tier.SERVICE, 20));
        scm.start();
        awaitState(ScmState.DAC);
        awaitIdle();
        long last = lastSequence();
        scm.modified(a.serviceId, ModuleProperties.parse(Map.of(HaModule.MODULE_NAME, "a", HaModule.MODULE_RANK, 30), "fb"));
        scm.reset("reorder");
        await("reset done", () -> journal(last).size() == 10);
        assertEquals(List.of("a:STOP", "b:STOP", "a:SHUTDOWN", "b:SHUTDOWN", "b:INIT", "a:INIT", "b:TEST", "a:TEST",
                "b:OPMODE(MASTER, DAC)", "a:OPMODE(MASTER, DAC)"), journal(last));
    }

    @Test
    void configurationProblemsPutTheScmInMonitorWithoutCallingAnyModule() {
        scm(settings(2000, List.of(), List.of("framework property hasm.role=MASTR is not a role")));
        TestModule m = new TestModule("m");
        scm.added(entry(m, Tier.SERVICE, 10));
        scm.start();
        awaitState(ScmState.MONITOR);
        assertTrue(scm.snapshot().reason().contains("hasm.role=MASTR"));
        assertTrue(m.calls().isEmpty());
    }

    @Test
    void theOwnPersonalityIsServedFromReadyOn() {
        Personality a = new TestPersonality("A", "scm-t", List.of("127.0.0.1"), Map.of());
        Personality b = new TestPersonality("B", "scm-u", List.of("127.0.0.2"), Map.of());
        scm(settings(2000, List.of(a, b), List.of()));
        List<List<String>> seen = new CopyOnWriteArrayList<>();
        TestModule m = new TestModule("m") {
            @Override
            public void test() {
                seen.add(context.personalities().stream().map(Personality::name).toList());
            }

            @Override
            public void opMode(OpMode mode, org.hasm.spi.SysConfig config) {
                seen.add(context.personalities().stream().map(Personality::name).toList());
            }
        };
        scm.added(entry(m, Tier.SERVICE, 10));
        scm.start();
        awaitState(ScmState.DAC);
        awaitIdle();
        assertEquals(List.of(List.of(), List.of("A")), seen);
    }

    @Test
    void panicOfAServiceFailsItAndPanicOfAHasmModuleRebootsTheScm() {
        scm(settings(2000, List.of(), List.of()));
        TestModule svc = new TestModule("svc");
        TestModule storage = new TestModule("storage");
        scm.added(entry(svc, Tier.SERVICE, 10));
        scm.added(entry(storage, Tier.HASM, 10));
        scm.start();
        awaitState(ScmState.DAC);
        awaitIdle();
        svc.context.panic("disk gone");
        await("svc failed", () -> info("svc").status() == ModuleStatus.FAILED);
        assertEquals("panic: disk gone", info("svc").lastError());
        assertEquals(ScmState.DAC, scm.snapshot().state());
        long before = lastSequence();
        storage.context.panic("lost the lease");
        await("rebooted", () -> journal(before).contains("storage:SHUTDOWN")
                && journal(before).contains("storage:OPMODE(MASTER, DAC)") && scm.snapshot().state() == ScmState.DAC);
        assertEquals(List.of("INIT", "TEST", "OPMODE(MASTER, DAC)", "STOP", "SHUTDOWN", "INIT", "TEST",
                "OPMODE(MASTER, DAC)"), storage.calls());
        assertTrue(log.stream().anyMatch(l -> l.contains("RESET") && l.contains("lost the lease")), log.toString());
        assertTrue(events.stream().anyMatch(e -> e.startsWith("org/hasm/controller/PANIC storage")), events.toString());
    }

    @Test
    void aPanicDuringACallIsNotUndoneWhenTheCallThenReturns() {
        scm(settings(2000, List.of(), List.of()));
        TestModule svc = new TestModule("svc").blockOn(Call.OPMODE);
        scm.added(entry(svc, Tier.SERVICE, 10));
        scm.start();
        await("svc in opMode", () -> svc.calls().contains("OPMODE(MASTER, DAC)"));
        svc.context.panic("worker thread died");
        await("svc failed", () -> info("svc").status() == ModuleStatus.FAILED);
        svc.release.countDown();
        awaitState(ScmState.DAC);
        awaitIdle();
        assertEquals(ModuleStatus.FAILED, info("svc").status(), "the opMode call that returned after the panic"
                + " made the module look healthy");
        assertEquals("panic: worker thread died", info("svc").lastError());
    }

    @Test
    void eventsAreValidatedAndPostedUnderTheModulesTopic() {
        scm(settings(2000, List.of(), List.of()));
        TestModule m = new TestModule("m");
        scm.added(entry(m, Tier.SERVICE, 10));
        scm.start();
        awaitState(ScmState.DAC);
        m.context.publish("READY", Map.of("k", "v"));
        assertTrue(events.contains("org/hasm/module/m/READY m null"), events.toString());
        try {
            m.context.publish("bad/topic", Map.of());
            fail("accepted a topic with a slash");
        } catch (IllegalArgumentException expected) {
            assertTrue(expected.getMessage().contains("bad/topic"));
        }
        Supplier<String> state = () -> events.stream().filter(e -> e.startsWith("org/hasm/controller/STATE")).toList()
                .toString();
        assertNotNull(state.get());
        assertTrue(state.get().contains("DAC"), state.get());
    }

    @Test
    void aModuleWhoseOpModeFailedIsOfferedTheNextOne() {
        Map<Call, Duration> d = new EnumMap<>(Call.class);
        for (Call c : Call.values()) {
            d.put(c, Duration.ofSeconds(2));
        }
        // a peer is configured but never answers: INIT ends after 200 ms, then the test plays its death
        Settings s = new Settings("scm-t", OpMode.MASTER, "scm-u", d, Settings.DEFAULT_MAX_DEADLINE, Duration.ofMillis(200), Duration.ofSeconds(1), 100,
                List.of(), List.of());
        scm(s);
        TestModule flaky = new TestModule("flaky").failOn(Call.OPMODE);
        scm.added(entry(flaky, Tier.SERVICE, 10));
        scm.start();
        awaitState(ScmState.DAC);
        await("flaky failed", () -> info("flaky").status() == ModuleStatus.FAILED);
        flaky.failOn = null;
        scm.peerChanged(false, ScmState.DAC, OpMode.SLAVE, OpMode.SLAVE, 7);
        awaitState(ScmState.DEGRADED);
        await("flaky active", () -> info("flaky").status() == ModuleStatus.ACTIVE);
        assertEquals(List.of("INIT", "TEST", "OPMODE(MASTER, DAC)", "OPMODE(MASTER, DEGRADED)"), flaky.calls());
    }

    // ---- services in parallel, declared order, own deadlines, late returns ----

    /** A peer is configured but never answers: INIT ends after 200 ms; a test plays the peer's death. */
    private static Settings paired(long deadlineMillis) {
        Map<Call, Duration> d = new EnumMap<>(Call.class);
        for (Call c : Call.values()) {
            d.put(c, Duration.ofMillis(deadlineMillis));
        }
        return new Settings("scm-t", OpMode.MASTER, "scm-u", d, Settings.DEFAULT_MAX_DEADLINE, Duration.ofMillis(200),
                Duration.ofSeconds(1), 100, List.of(), List.of());
    }

    private CallRecord record(String module, String call) {
        return scm.journal(-1).stream().filter(r -> r.module().equals(module)
                        && Invoker.describe(r.call(), r.opMode(), r.sysConfig()).equals(call) && !r.late())
                .findFirst().orElseThrow(() -> new AssertionError("no " + module + ":" + call + " in " + journal(-1)));
    }

    /**
     * Boots "storage" (HASM), "slow" (a service ranked first, blocking in {@code call} until released;
     * deadlines 5 s) and "quick" to DAC.
     *
     * @return slow
     */
    private TestModule bootStorageSlowQuick(Call call) {
        scm(settings(5_000, List.of(), List.of()));
        TestModule slow = new TestModule("slow").blockOn(call);
        blocked.add(slow);
        scm.added(entry(new TestModule("storage"), Tier.HASM, 10));
        scm.added(entry(slow, Tier.SERVICE, 10));
        scm.added(entry(new TestModule("quick"), Tier.SERVICE, 20));
        scm.start();
        awaitState(ScmState.DAC);
        return slow;
    }

    @Test
    void servicesAreCalledInParallelSoAHungOneDelaysNoOther() {
        TestModule slow = bootStorageSlowQuick(Call.OPMODE);
        await("quick active", () -> info("quick").status() == ModuleStatus.ACTIVE);
        // quick serves while slow, ranked before it, is still within its 5 s deadline
        assertEquals(ModuleStatus.TESTED, info("slow").status());
        assertEquals(Call.OPMODE, info("slow").lastCall());
        assertNotNull(info("slow").inCallSince());
        assertTrue(journal(-1).indexOf("storage:OPMODE(MASTER, DAC)") < journal(-1).indexOf("quick:OPMODE(MASTER, DAC)"),
                journal(-1).toString());
        slow.release.countDown();
        await("slow active", () -> info("slow").status() == ModuleStatus.ACTIVE);
        // started together in rank order: the journal lists them so
        assertEquals(List.of("storage:OPMODE(MASTER, DAC)", "slow:OPMODE(MASTER, DAC)", "quick:OPMODE(MASTER, DAC)"),
                journal(-1).subList(6, 9));
        assertFalse(record("slow", "OPMODE(MASTER, DAC)").late());
    }

    @Test
    void aFollowerIsCalledAfterItsPredecessorAndStopsBeforeIt() {
        scm(settings(5_000, List.of(), List.of()));
        TestModule db = new TestModule("db").blockOn(Call.OPMODE);
        blocked.add(db);
        TestModule web = new TestModule("web");
        scm.added(entry(new TestModule("storage"), Tier.HASM, 10));
        scm.added(entry(web, Tier.SERVICE, 5, HaModule.MODULE_AFTER, "db"));
        scm.added(entry(db, Tier.SERVICE, 50));
        scm.added(entry(new TestModule("other"), Tier.SERVICE, 60));
        scm.start();
        awaitState(ScmState.DAC);
        await("other active", () -> info("other").status() == ModuleStatus.ACTIVE);
        // every call that does not wait was started before the state was published: web waits for db
        assertEquals(List.of("INIT", "TEST"), web.calls());
        db.release.countDown();
        await("web active", () -> info("web").status() == ModuleStatus.ACTIVE);
        CallRecord dbUp = record("db", "OPMODE(MASTER, DAC)");
        CallRecord webUp = record("web", "OPMODE(MASTER, DAC)");
        assertFalse(webUp.started().isBefore(dbUp.started().plusMillis(dbUp.millis())), dbUp + " / " + webUp);

        // on the way down the follower goes first, and the HASM tier after every service
        db.blockOn = null;
        web.blockOn = Call.STOP;
        CountDownLatch webStop = web.release;
        blocked.add(web);
        scm.requestShutdown("test");
        await("web in STOP", () -> web.calls().contains("STOP"));
        assertFalse(db.calls().contains("STOP"), "db stopped while its follower still stops: " + db.calls());
        assertTrue(journal(-1).stream().noneMatch(e -> e.startsWith("storage:STOP")), journal(-1).toString());
        webStop.countDown();
        awaitState(ScmState.HALTED);
        List<String> down = journal(-1).stream().filter(e -> e.contains(":STOP")).toList();
        assertEquals("storage:STOP", down.get(down.size() - 1), down.toString());
        assertTrue(down.indexOf("web:STOP") < down.indexOf("db:STOP"), down.toString());
        CallRecord webDown = record("web", "STOP");
        assertFalse(record("db", "STOP").started().isBefore(webDown.started().plusMillis(webDown.millis())));
    }

    @Test
    void servicesThatWaitForEachOtherAreCalledInRankOrderAndTheCycleIsReported() {
        scm(settings(2_000, List.of(), List.of()));
        scm.added(entry(new TestModule("a"), Tier.SERVICE, 10, HaModule.MODULE_AFTER, "b"));
        scm.added(entry(new TestModule("b"), Tier.SERVICE, 20, HaModule.MODULE_AFTER, new String[] {"a"}));
        scm.start();
        awaitState(ScmState.DAC);
        await("both active", () -> info("a").status() == ModuleStatus.ACTIVE && info("b").status() == ModuleStatus.ACTIVE);
        assertEquals(List.of("a:INIT", "b:INIT", "a:TEST", "b:TEST", "a:OPMODE(MASTER, DAC)", "b:OPMODE(MASTER, DAC)"),
                journal(-1));
        assertTrue(log.stream().anyMatch(l -> l.contains("wait for each other") && l.contains("a is called first")),
                log.toString());
    }

    @Test
    void aModuleDeclaresItsOwnDeadlineUpToTheNodeMaximum() {
        Settings s = paired(2_000);
        scm(new Settings(s.scm(), s.role(), s.peer(), s.deadlines(), Duration.ofMillis(3_000), s.initTimeout(),
                s.readyRetry(), s.journalSize(), s.personalities(), s.problems()));
        TestModule own = new TestModule("own");
        TestModule greedy = new TestModule("greedy");
        scm.added(entry(own, Tier.SERVICE, 10, HaModule.MODULE_DEADLINE_OPMODE, 250L, HaModule.MODULE_DEADLINE_STOP, "700"));
        scm.added(entry(greedy, Tier.SERVICE, 20, HaModule.MODULE_DEADLINE_OPMODE, 90_000));
        scm.start();
        awaitState(ScmState.DAC);
        awaitIdle();
        assertEquals(Duration.ofMillis(250), own.context.deadline(Call.OPMODE));
        assertEquals(Duration.ofMillis(700), own.context.deadline(Call.STOP));
        assertEquals(Duration.ofMillis(2_000), own.context.deadline(Call.INIT));
        assertEquals(Duration.ofMillis(3_000), greedy.context.deadline(Call.OPMODE), "capped by the node maximum");
    }

    @Test
    void aLateReturnIsRecordedAndTheModuleCatchesUpWithTheTakeoverItMissed() {
        scm(paired(2_000));
        TestModule hung = new TestModule("hung").blockOn(Call.OPMODE);
        blocked.add(hung);
        TestModule other = new TestModule("other");
        scm.added(entry(new TestModule("storage"), Tier.HASM, 10));
        scm.added(entry(hung, Tier.SERVICE, 10, HaModule.MODULE_DEADLINE_OPMODE, 300));
        scm.added(entry(other, Tier.SERVICE, 20));
        scm.start();
        awaitState(ScmState.DAC);
        await("hung timed out", () -> info("hung").status() == ModuleStatus.TIMED_OUT);
        assertNotNull(info("hung").inCallSince(), "still in its call");
        assertTrue(info("hung").lastError().contains("deadline of 300 ms"), info("hung").lastError());

        // the peer dies: FAILOVER goes on without the hung service, which is not called twice at once
        scm.peerChanged(false, ScmState.DAC, OpMode.SLAVE, OpMode.SLAVE, 7);
        awaitState(ScmState.DEGRADED);
        await("other took over", () -> other.calls().contains("OPMODE(MASTER, DEGRADED)"));
        assertEquals(List.of("INIT", "TEST", "OPMODE(MASTER, DAC)"), hung.calls());
        assertEquals(ModuleStatus.TIMED_OUT, info("hung").status());

        // it returns: the journal gets what it really did, then it is given the mode it missed
        hung.release.countDown();
        await("hung active in DEGRADED", () -> hung.calls().size() == 4 && info("hung").status() == ModuleStatus.ACTIVE);
        assertEquals(List.of("INIT", "TEST", "OPMODE(MASTER, DAC)", "OPMODE(MASTER, DEGRADED)"), hung.calls());
        List<String> outcomes = scm.journal(-1).stream().filter(r -> r.module().equals("hung"))
                .map(r -> Invoker.describe(r.call(), r.opMode(), r.sysConfig()) + "=" + r.outcome()
                        + (r.late() ? " late" : ""))
                .toList();
        assertEquals(List.of("INIT=PASSED", "TEST=PASSED", "OPMODE(MASTER, DAC)=TIMED_OUT",
                "OPMODE(MASTER, DAC)=PASSED late", "OPMODE(MASTER, DEGRADED)=PASSED"), outcomes);
        assertNull(info("hung").inCallSince());
    }

    @Test
    void aSlowServiceGetsEveryModeOfAChainedTransitionInTurn() {
        Settings p = paired(5_000);
        // FIG. 7: a configured SLAVE whose peer never comes: READY, IMPERSONATE and FAILOVER in one go
        scm(new Settings(p.scm(), OpMode.SLAVE, p.peer(), p.deadlines(), p.maxDeadline(), p.initTimeout(),
                p.readyRetry(), p.journalSize(), p.personalities(), p.problems()));
        TestModule slow = new TestModule("slow").blockOn(Call.OPMODE);
        blocked.add(slow);
        TestModule quick = new TestModule("quick");
        scm.added(entry(new TestModule("storage"), Tier.HASM, 10));
        scm.added(entry(slow, Tier.SERVICE, 10));
        scm.added(entry(quick, Tier.SERVICE, 20));
        scm.start();
        scm.peerChanged(false, null, null, null, 0);
        awaitState(ScmState.DEGRADED);
        List<String> modes = List.of("OPMODE(SLAVE, DAC)", "OPMODE(MASTER, DAC)", "OPMODE(MASTER, DEGRADED)");
        await("quick through every mode", () -> quick.calls().size() == 5);
        assertEquals(concat(List.of("INIT", "TEST"), modes), quick.calls());
        assertEquals(List.of("INIT", "TEST", "OPMODE(SLAVE, DAC)"), slow.calls(), "still in its first opMode");
        // on time, only slow: it is given the modes it has not had yet, in order
        slow.release.countDown();
        await("slow through every mode", () -> slow.calls().size() == 5 && info("slow").status() == ModuleStatus.ACTIVE);
        assertEquals(concat(List.of("INIT", "TEST"), modes), slow.calls());
    }

    @Test
    void aServiceStuckOnTheWayDownIsStoppedAndShutDownWhenItReturns() {
        scm(settings(2_000, List.of(), List.of()));
        TestModule hung = new TestModule("hung").blockOn(Call.OPMODE);
        blocked.add(hung);
        scm.added(entry(new TestModule("storage"), Tier.HASM, 10));
        scm.added(entry(hung, Tier.SERVICE, 10, HaModule.MODULE_DEADLINE_OPMODE, 200));
        scm.start();
        awaitState(ScmState.DAC);
        await("hung timed out", () -> info("hung").status() == ModuleStatus.TIMED_OUT);
        scm.requestShutdown("test");
        awaitState(ScmState.HALTED);
        assertEquals(List.of("INIT", "TEST", "OPMODE(MASTER, DAC)"), hung.calls());
        assertTrue(journal(-1).containsAll(List.of("storage:STOP", "storage:SHUTDOWN")), journal(-1).toString());
        hung.release.countDown();
        await("hung shut down", () -> info("hung").status() == ModuleStatus.SHUT_DOWN);
        assertEquals(List.of("INIT", "TEST", "OPMODE(MASTER, DAC)", "STOP", "SHUTDOWN"), hung.calls());
    }

    @Test
    void aSlowServiceWithinItsDeadlineLetsGoBeforeTheHasmModulesRelease() {
        TestModule slow = bootStorageSlowQuick(Call.STOP);
        awaitIdle();
        scm.reset("test");
        await("slow in STOP", () -> slow.calls().contains("STOP"));
        await("quick stopped", () -> journal(-1).contains("quick:STOP"));
        assertTrue(journal(-1).stream().noneMatch(e -> e.startsWith("storage:STOP")), journal(-1).toString());
        slow.release.countDown();
        await("back in DAC", () -> info("slow").status() == ModuleStatus.ACTIVE && info("quick").status() == ModuleStatus.ACTIVE);
        awaitState(ScmState.DAC); // entered once the last opMode has returned: a moment after the modules show ACTIVE
        CallRecord slowStop = record("slow", "STOP");
        assertFalse(record("storage", "STOP").started().isBefore(slowStop.started().plusMillis(slowStop.millis())));
    }

    // ---- configuration ----

    private static Settings withDeadline(Settings s, long opModeMillis, List<Personality> personalities) {
        Map<Call, Duration> d = new EnumMap<>(s.deadlines());
        d.put(Call.OPMODE, Duration.ofMillis(opModeMillis));
        return new Settings(s.scm(), s.role(), s.peer(), d, s.maxDeadline(), s.initTimeout(), s.readyRetry(),
                s.journalSize(), personalities, s.problems());
    }

    @Test
    void aChangeOfPersonalityParametersIsServedLiveByOpModeAgainAndAChangeOfWhatIsServedWaitsForABoot() {
        Personality a = new TestPersonality("A", "scm-t", List.of("127.0.0.1"), Map.of("m.port", "7000"));
        Settings first = settings(2_000, List.of(a), List.of());
        AtomicReference<Settings> source = new AtomicReference<>(first);
        scm = new Scm(first, sink, source::get);
        TestModule hasm = new TestModule("h");
        TestModule m = new TestModule("m");
        scm.added(entry(hasm, Tier.HASM, 10));
        scm.added(entry(m, Tier.SERVICE, 10));
        scm.start();
        awaitState(ScmState.DAC);
        awaitIdle();
        List<String> booted = m.calls();
        assertEquals(List.of("INIT", "TEST", "OPMODE(MASTER, DAC)"), booted);

        // a service's parameter: every module is called opMode again, HASM first, and the SCM goes on
        Personality a7001 = new TestPersonality("A", "scm-t", List.of("127.0.0.1"), Map.of("m.port", "7001"));
        source.set(settings(2_000, List.of(a7001), List.of()));
        scm.reconfigured();
        await("opMode again with the new parameter", () -> m.calls().size() == 4
                && "7001".equals(m.context.personalities().get(0).properties().get("m.port")));
        awaitIdle();
        assertEquals("OPMODE(MASTER, DAC)", m.calls().get(3));
        assertEquals(List.of("INIT", "TEST", "OPMODE(MASTER, DAC)", "OPMODE(MASTER, DAC)"), hasm.calls());
        assertEquals(ScmState.DAC, scm.snapshot().state());
        assertEquals("7001", scm.personalities().get(0).properties().get("m.port"));
        // said once the calls are done: a moment after the module shows its fourth call
        await("the change said", () -> log.stream().anyMatch(l -> l.contains("personality parameters changed (A: m.port)")));
        await("the change posted", () -> events.stream().anyMatch(e -> e.startsWith(Scm.PARAMETERS_TOPIC)));

        // the same configuration again: nothing is called
        scm.reconfigured();
        awaitIdle();
        assertEquals(4, m.calls().size());

        // another address: what is served changes only at the next boot
        Personality moved = new TestPersonality("A", "scm-t", List.of("127.0.0.9"), Map.of("m.port", "7001"));
        source.set(settings(2_000, List.of(moved), List.of()));
        scm.reconfigured();
        await("told it waits for a boot", () -> log.stream().anyMatch(l -> l.contains("personalities changed (A: addresses)")));
        awaitIdle();
        assertEquals(4, m.calls().size());
        assertEquals(List.of("127.0.0.1"), scm.personalities().get(0).addresses());

        // a HASM module that cannot serve the new parameters faults the SCM, as in a transition
        hasm.failOn(Call.OPMODE);
        Personality a7002 = new TestPersonality("A", "scm-t", List.of("127.0.0.1"), Map.of("m.port", "7002"));
        source.set(settings(2_000, List.of(a7002), List.of()));
        scm.reconfigured();
        await("FAULT", () -> log.stream().anyMatch(l -> l.contains("failed opMode with the new personality parameters")));
    }

    @Test
    void aResetBootsWithTheConfigurationAsItIsThen() {
        Personality a = new TestPersonality("A", "scm-t", List.of("127.0.0.1"), Map.of());
        Personality a2 = new TestPersonality("A2", "scm-t", List.of("127.0.0.3"), Map.of());
        Settings first = settings(2_000, List.of(a), List.of());
        AtomicReference<Settings> source = new AtomicReference<>(first);
        scm = new Scm(first, sink, source::get);
        TestModule m = new TestModule("m");
        scm.added(entry(m, Tier.SERVICE, 10));
        scm.start();
        awaitState(ScmState.DAC);
        awaitIdle();
        assertEquals(Duration.ofMillis(2_000), m.context.deadline(Call.OPMODE));

        // deadlines apply at once; what is served waits for the next boot
        source.set(withDeadline(first, 700, List.of(a, a2)));
        scm.reconfigured();
        await("deadline applied", () -> m.context.deadline(Call.OPMODE).equals(Duration.ofMillis(700)));
        assertEquals(List.of("A"), scm.personalities().stream().map(Personality::name).toList());

        // a configuration with a problem is not applied to the running SCM
        source.set(new Settings("scm-t", OpMode.MASTER, null, first.deadlines(), first.maxDeadline(),
                first.initTimeout(), first.readyRetry(), 100, List.of(a), List.of("deadline.opmode.ms=-1 is wrong")));
        scm.reconfigured();
        await("rejection logged", () -> log.stream().anyMatch(l -> l.contains("deadline.opmode.ms=-1 is wrong")));
        assertEquals(Duration.ofMillis(700), m.context.deadline(Call.OPMODE));

        source.set(withDeadline(first, 900, List.of(a, a2)));
        scm.reset("reconfigured");
        await("booted again with both personalities", () -> scm.snapshot().state() == ScmState.DAC
                && scm.personalities().size() == 2 && m.calls().size() == 8);
        awaitIdle();
        assertEquals(List.of("A", "A2"), scm.personalities().stream().map(Personality::name).toList());
        assertEquals(Duration.ofMillis(900), m.context.deadline(Call.OPMODE));
        assertEquals(Duration.ofMillis(900), scm.settings().deadline(Call.OPMODE));
    }

    @Test
    void configurationChangesDuringResetsEndWithTheLastOne() throws Exception {
        Settings first = settings(2_000, List.of(), List.of());
        AtomicReference<Settings> source = new AtomicReference<>(first);
        scm = new Scm(first, sink, source::get);
        scm.added(entry(new TestModule("m"), Tier.SERVICE, 10));
        scm.start();
        awaitState(ScmState.DAC);
        // the framework's configuration thread and the controller thread both used to write the settings
        Thread changer = new Thread(() -> {
            for (int i = 1; i <= 200; i++) {
                source.set(withDeadline(first, 1_000 + i, List.of()));
                scm.reconfigured();
            }
        }, "test-config-changer");
        changer.start();
        for (int i = 0; i < 5; i++) {
            scm.reset("reset " + i);
        }
        changer.join(10_000);
        assertFalse(changer.isAlive());
        scm.reconfigured(); // queued behind the resets: the last word
        await("the last configuration in force", () -> scm.settings().deadline(Call.OPMODE).toMillis() == 1_200
                && scm.snapshot().state() == ScmState.DAC);
        awaitIdle();
        assertEquals(1_200, scm.settings().deadline(Call.OPMODE).toMillis());
    }
}
