package org.hasm.controller.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
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
        return new Settings("scm-t", OpMode.MASTER, null, d, Duration.ofSeconds(1), Duration.ofSeconds(1), 100,
                personalities, problems);
    }

    private Scm scm(Settings s) {
        scm = new Scm(s, sink, () -> s);
        return scm;
    }

    private ModuleEntry entry(TestModule m, Tier tier, int rank) {
        return new ModuleEntry(nextServiceId++, m, "test.bundle", "1.0.0",
                ModuleProperties.parse(Map.of(HaModule.MODULE_NAME, m.name, HaModule.MODULE_TIER, tier.value(),
                        HaModule.MODULE_RANK, rank), "fallback"));
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
        long last = scm.journal(-1).get(scm.journal(-1).size() - 1).sequence();
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
        assertEquals(ModuleStatus.FAILED, info("thrower").status());
        assertEquals(Call.TEST, info("thrower").lastCall());
        assertTrue(info("thrower").lastError().contains("thrower refuses TEST"), info("thrower").lastError());
        assertEquals(ModuleStatus.TIMED_OUT, info("sleeper").status());
        assertTrue(info("sleeper").lastError().contains("deadline of 300 ms"), info("sleeper").lastError());
        assertEquals(ModuleStatus.ACTIVE, info("good").status());
        assertEquals(List.of("thrower:INIT", "sleeper:INIT", "good:INIT", "thrower:TEST=FAILED",
                "sleeper:TEST=TIMED_OUT", "good:TEST", "good:OPMODE(MASTER, DAC)"), journal(-1));
        // the overrunning module is not called again while its call still runs; the thrower is still released
        long last = scm.journal(-1).get(scm.journal(-1).size() - 1).sequence();
        scm.requestShutdown("test");
        awaitState(ScmState.HALTED);
        assertEquals(List.of("good:STOP", "thrower:STOP", "good:SHUTDOWN", "thrower:SHUTDOWN"), journal(last));
        assertTrue(log.stream().anyMatch(l -> l.contains("sleeper") && l.contains("still running")), log.toString());
    }

    @Test
    void anOverrunningModuleThatReturnsLateIsLoggedAndCanBeResetLater() {
        scm(settings(200, List.of(), List.of()));
        TestModule sleeper = new TestModule("sleeper").blockOn(Call.INIT);
        blocked.add(sleeper);
        scm.added(entry(sleeper, Tier.SERVICE, 20));
        scm.start();
        awaitState(ScmState.DAC);
        assertEquals(ModuleStatus.TIMED_OUT, info("sleeper").status());
        sleeper.blockOn = null;
        sleeper.release.countDown();
        await("late return logged", () -> log.stream().anyMatch(l -> l.contains("returned from INIT")));
        scm.reset("retry");
        await("sleeper active after reset", () -> info("sleeper").status() == ModuleStatus.ACTIVE);
        assertEquals(List.of("INIT", "STOP", "SHUTDOWN", "INIT", "TEST", "OPMODE(MASTER, DAC)"), sleeper.calls());
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
        long last = scm.journal(-1).get(scm.journal(-1).size() - 1).sequence();
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
        Personality a = new PersonalityConfig.Value("A", "scm-t", List.of("127.0.0.1"), Map.of());
        Personality b = new PersonalityConfig.Value("B", "scm-u", List.of("127.0.0.2"), Map.of());
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
        svc.context.panic("disk gone");
        await("svc failed", () -> info("svc").status() == ModuleStatus.FAILED);
        assertEquals("panic: disk gone", info("svc").lastError());
        assertEquals(ScmState.DAC, scm.snapshot().state());
        long before = scm.journal(-1).get(scm.journal(-1).size() - 1).sequence();
        storage.context.panic("lost the lease");
        await("rebooted", () -> journal(before).contains("storage:SHUTDOWN")
                && journal(before).contains("storage:OPMODE(MASTER, DAC)") && scm.snapshot().state() == ScmState.DAC);
        assertEquals(List.of("INIT", "TEST", "OPMODE(MASTER, DAC)", "STOP", "SHUTDOWN", "INIT", "TEST",
                "OPMODE(MASTER, DAC)"), storage.calls());
        assertTrue(log.stream().anyMatch(l -> l.contains("RESET") && l.contains("lost the lease")), log.toString());
        assertTrue(events.stream().anyMatch(e -> e.startsWith("org/hasm/controller/PANIC storage")), events.toString());
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
        Settings s = new Settings("scm-t", OpMode.MASTER, "scm-u", d, Duration.ofMillis(200), Duration.ofSeconds(1), 100,
                List.of(), List.of());
        scm(s);
        TestModule flaky = new TestModule("flaky").failOn(Call.OPMODE);
        scm.added(entry(flaky, Tier.SERVICE, 10));
        scm.start();
        awaitState(ScmState.DAC);
        assertEquals(ModuleStatus.FAILED, info("flaky").status());
        flaky.failOn = null;
        scm.peerChanged(false, ScmState.DAC, OpMode.SLAVE, OpMode.SLAVE, 7);
        awaitState(ScmState.DEGRADED);
        await("flaky active", () -> info("flaky").status() == ModuleStatus.ACTIVE);
        assertEquals(List.of("INIT", "TEST", "OPMODE(MASTER, DAC)", "OPMODE(MASTER, DEGRADED)"), flaky.calls());
    }
}
