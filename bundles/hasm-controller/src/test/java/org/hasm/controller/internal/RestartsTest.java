package org.hasm.controller.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.hasm.spi.Call;
import org.hasm.spi.HaModule;
import org.hasm.spi.ModuleInfo;
import org.hasm.spi.ModuleStatus;
import org.hasm.spi.OpMode;
import org.hasm.spi.ScmState;
import org.hasm.spi.Tier;
import org.hasm.spi.health.ModuleControl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RestartsTest {
    private final List<String> events = new CopyOnWriteArrayList<>();
    private long nextServiceId = 1;
    private Scm scm;

    private final Sink sink = new Sink() {
        @Override
        public void debug(String message) {
        }

        @Override
        public void info(String message) {
        }

        @Override
        public void warn(String message) {
        }

        @Override
        public void error(String message, Throwable t) {
        }

        @Override
        public void post(String topic, Map<String, Object> properties) {
            events.add(topic + " " + properties.get("module"));
        }
    };

    @AfterEach
    void tearDown() {
        if (scm != null) {
            scm.close();
        }
    }

    private void start(TestModule... modules) {
        Map<Call, Duration> d = new EnumMap<>(Call.class);
        for (Call c : Call.values()) {
            d.put(c, Duration.ofMillis(2000));
        }
        Settings s = new Settings("scm-t", OpMode.MASTER, null, d, Settings.DEFAULT_MAX_DEADLINE, Duration.ofSeconds(1),
                Duration.ofSeconds(1), 100, List.of(), List.of());
        scm = new Scm(s, sink, () -> s);
        for (TestModule m : modules) {
            Tier tier = m.name.startsWith("hasm-") ? Tier.HASM : Tier.SERVICE;
            scm.added(new ModuleEntry(nextServiceId++, m, "test.bundle", "1.0.0", ModuleProperties.parse(Map.of(
                    HaModule.MODULE_NAME, m.name, HaModule.MODULE_TIER, tier.value()), "fallback")));
        }
        scm.start();
        await("DAC", () -> scm.snapshot().state() == ScmState.DAC);
        await("every module out of its call", () -> scm.modules().stream().allMatch(i -> i.inCallSince() == null));
    }

    private ModuleInfo info(String name) {
        return scm.modules().stream().filter(i -> i.name().equals(name)).findFirst().orElseThrow();
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            LockSupport.parkNanos(5_000_000);
        }
    }

    @Test
    void aServiceThatFailedItsOpModeIsStoppedShutDownAndBroughtBackToTheCurrentMode() {
        TestModule svc = new TestModule("svc").failOn(Call.OPMODE);
        start(new TestModule("hasm-storage"), svc);
        assertEquals(ModuleStatus.FAILED, info("svc").status());
        svc.failOn = null;
        scm.restartModule("svc", "test");
        await("svc ACTIVE again", () -> info("svc").status() == ModuleStatus.ACTIVE);
        assertEquals(List.of("INIT", "TEST", "OPMODE(MASTER, DAC)", "STOP", "SHUTDOWN", "INIT", "TEST",
                "OPMODE(MASTER, DAC)"), svc.calls());
        assertTrue(events.contains(ModuleControl.TOPIC_RESTARTED + " svc"), events.toString());
    }

    @Test
    void aDisabledServiceIsNotCalledAtTheNextTransitionNorAfterAReset() {
        TestModule svc = new TestModule("svc").failOn(Call.OPMODE);
        start(svc);
        scm.disableModule("svc", "failed 3 times in 60 s");
        await("svc disabled", () -> String.valueOf(info("svc").lastError()).startsWith(ModuleControl.DISABLED));
        assertEquals(ModuleStatus.FAILED, info("svc").status());
        assertEquals("disabled: failed 3 times in 60 s", info("svc").lastError());
        scm.reset("test");
        await("DAC after the reset", () -> scm.snapshot().state() == ScmState.DAC);
        assertEquals(List.of("INIT", "TEST", "OPMODE(MASTER, DAC)", "STOP", "SHUTDOWN"), svc.calls());
        svc.failOn = null;
        scm.restartModule("svc", "the operator enables it");
        await("svc ACTIVE again", () -> info("svc").status() == ModuleStatus.ACTIVE);
    }

    @Test
    void aHasmModuleOrAnUnknownNameIsRefusedWithWhy() {
        start(new TestModule("hasm-storage"));
        IllegalStateException hasm = assertThrows(IllegalStateException.class,
                () -> scm.restartModule("hasm-storage", "test"));
        assertTrue(hasm.getMessage().contains("hasm tier"), hasm.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> scm.disableModule("nope", "test"));
        assertEquals("no module named 'nope' is registered", unknown.getMessage());
    }
}
