package org.hasm.storage.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.hasm.spi.HaException;
import org.hasm.spi.OpMode;
import org.hasm.spi.SysConfig;
import org.hasm.spi.storage.FencedException;
import org.hasm.spi.storage.Volume;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StorageModuleTest {

    @TempDir
    Path shared;

    private final List<StorageModule> modules = new ArrayList<>();
    private final List<Map<String, Object>> eventsA = new CopyOnWriteArrayList<>();
    private final List<Map<String, Object>> eventsB = new CopyOnWriteArrayList<>();

    private final TestContext.TestPersonality personalityA = new TestContext.TestPersonality("A", "scm-a", List.of("a-data", "a-logs"));
    private final TestContext.TestPersonality personalityB = new TestContext.TestPersonality("B", "scm-b", List.of("b-data"));

    @AfterEach
    void shutDownModules() {
        modules.forEach(StorageModule::close);
    }

    private StorageModule module(String scm, List<Map<String, Object>> events, Map<String, Object> config) {
        StorageSettings s = StorageSettings.parse(config, key -> key.equals("hasm.scm") ? scm : null);
        StorageModule m = new StorageModule(() -> s, new StorageModule.Sink() {
            @Override
            public void event(Map<String, Object> properties) {
                events.add(properties);
            }

            @Override
            public void log(VolumeStore.Level level, String message, Throwable error) {
                // not asserted
            }
        });
        modules.add(m);
        return m;
    }

    private StorageModule module(String scm, List<Map<String, Object>> events) {
        return module(scm, events, Map.of("shared.dir", shared.toString(), "check.interval.ms", 20L));
    }

    private static List<String> names(List<Volume> volumes) {
        return volumes.stream().map(Volume::name).toList();
    }

    @Test
    void failoverTakesThePeersVolumesAndFailbackGivesThemBack() throws Exception {
        TestContext ctxA = new TestContext("scm-a");
        StorageModule a = module("scm-a", eventsA);
        a.init(ctxA);
        a.test();
        ctxA.serve(personalityA);
        a.opMode(OpMode.MASTER, SysConfig.DAC);
        assertEquals(List.of("a-data", "a-logs"), names(a.volumes()));

        TestContext ctxB = new TestContext("scm-b");
        StorageModule b = module("scm-b", eventsB);
        b.init(ctxB);
        ctxB.serve(personalityB);
        b.opMode(OpMode.SLAVE, SysConfig.DAC);
        Volume bData = b.volume("b-data");
        bData.fence();

        // B dies; the status monitor said so; A takes B's personality over
        ctxA.serve(personalityA, personalityB);
        a.opMode(OpMode.MASTER, SysConfig.DEGRADED);
        assertEquals(List.of("a-data", "a-logs", "b-data"), names(a.volumes()));
        assertEquals(2, a.volume("b-data").epoch());
        assertEquals(Map.of("scm", "scm-a", "volume", "b-data", "epoch", 2L, "owner", "scm-a", "step", "acquired",
                "reason", "taken over from scm-b (epoch 1)"), eventsA.get(eventsA.size() - 1));
        Await.until("B's watchdog sees it lost b-data", () -> !ctxB.panics.isEmpty(), () -> eventsB);
        assertEquals(List.of("volume b-data taken over by scm-a at epoch 2 (ours was 1)"), ctxB.panics);
        assertThrows(FencedException.class, bData::fence);
        assertTrue(eventsB.stream().anyMatch(e -> e.get("step").equals("lost") && e.get("owner").equals("scm-a")
                && e.get("epoch").equals(2L)), eventsB.toString());

        // B reboots (stop, shutDown, init) and comes back; A hands B's personality back (FAILBACK)
        b.stop();
        b.shutDown();
        Volume bDataOnA = a.volume("b-data");
        ctxA.serve(personalityA);
        a.opMode(OpMode.MASTER, SysConfig.DAC);
        assertEquals(List.of("a-data", "a-logs"), names(a.volumes()));
        assertEquals(Map.of("scm", "scm-a", "volume", "b-data", "epoch", 2L, "owner", "", "step", "released"),
                eventsA.get(eventsA.size() - 1));
        assertFalse(bDataOnA.owned());
        assertThrows(FencedException.class, bDataOnA::fence);
        assertEquals("refused", eventsA.get(eventsA.size() - 1).get("step"));

        ctxB.panics.clear();
        b.init(ctxB);
        b.opMode(OpMode.SLAVE, SysConfig.DAC);
        assertEquals(3, b.volume("b-data").epoch());
        b.volume("b-data").fence();
        assertTrue(ctxA.panics.isEmpty(), "a released volume taken by its home SCM is no reason to panic");
    }

    @Test
    void stopReleasesEverythingAndShutDownStopsTheWatchdog() throws Exception {
        TestContext ctx = new TestContext("scm-a");
        StorageModule a = module("scm-a", eventsA);
        a.init(ctx);
        ctx.serve(personalityA);
        a.opMode(OpMode.MASTER, SysConfig.DAC);
        Volume v = a.volume("a-data");
        a.stop();
        assertTrue(a.volumes().isEmpty());
        assertThrows(FencedException.class, v::fence);
        assertEquals("", RecordFiles.read(shared.resolve("owners/a-data"), "a-data").owner());
        a.shutDown();
        assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().startsWith("hasm-storage-watchdog")));
        assertNull(a.volume("a-data"));
    }

    @Test
    void withoutSharedStorageItRunsIdleUnlessAPersonalityHasVolumes() throws Exception {
        TestContext ctx = new TestContext("scm-a");
        StorageModule a = module("scm-a", eventsA, Map.of());
        a.init(ctx);
        a.test();
        ctx.serve(new TestContext.TestPersonality("A", "scm-a", List.of()));
        a.opMode(OpMode.MASTER, SysConfig.DAC);
        assertTrue(a.volumes().isEmpty());

        ctx.serve(personalityA);
        HaException e = assertThrows(HaException.class, () -> a.opMode(OpMode.MASTER, SysConfig.DAC));
        assertTrue(e.getMessage().contains("shared.dir is not set, but personality A has volumes a-data, a-logs"), e.getMessage());
    }

    @Test
    void badConfigurationFailsInitNamingTheProperty() {
        TestContext ctx = new TestContext("scm-a");
        HaException e = assertThrows(HaException.class,
                () -> module("scm-a", eventsA, Map.of("shared.dir", shared.toString(), "check.interval.ms", "fast")).init(ctx));
        assertTrue(e.getMessage().contains("check.interval.ms=fast"), e.getMessage());
        e = assertThrows(HaException.class,
                () -> module("scm-a", eventsA, Map.of("shared.dir", shared.resolve("absent").toString())).init(ctx));
        assertTrue(e.getMessage().contains("shared.dir=") && e.getMessage().contains("absent"), e.getMessage());
        e = assertThrows(HaException.class, () -> module("scm-b", eventsA, Map.of()).init(ctx));
        assertTrue(e.getMessage().contains("hasm.scm=scm-b"), e.getMessage());
    }

    @Test
    void aPersonalityWithAnInvalidVolumeNameFailsOpMode() throws Exception {
        TestContext ctx = new TestContext("scm-a");
        StorageModule a = module("scm-a", eventsA);
        a.init(ctx);
        ctx.serve(new TestContext.TestPersonality("A", "scm-a", List.of("../etc")));
        HaException e = assertThrows(HaException.class, () -> a.opMode(OpMode.MASTER, SysConfig.DAC));
        assertTrue(e.getMessage().contains("personality A") && e.getMessage().contains("'../etc'"), e.getMessage());
    }

    @Test
    void aDamagedRecordFailsOpModeNamingTheFile() throws Exception {
        TestContext ctx = new TestContext("scm-a");
        StorageModule a = module("scm-a", eventsA);
        a.init(ctx);
        java.nio.file.Files.writeString(shared.resolve("owners/a-logs"), "owner=");
        ctx.serve(personalityA);
        HaException e = assertThrows(HaException.class, () -> a.opMode(OpMode.MASTER, SysConfig.DAC));
        assertTrue(e.getMessage().contains(shared.resolve("owners/a-logs").toString()), e.getMessage());
        assertEquals(List.of("a-data"), names(a.volumes()), "the other volume is served");
    }

    @Test
    void settingsAreValidated() throws IOException {
        StorageSettings s = StorageSettings.parse(Map.of(), k -> "scm-a");
        assertEquals(List.of(), s.problems());
        assertEquals(200, s.checkIntervalMs());
        assertEquals(2000, s.leaseMs());
        assertNull(s.sharedDir());
        s = StorageSettings.parse(Map.of("shared.dir", "relative/dir", "check.interval.ms", 5, "lease.ms", "300"),
                k -> "bad name");
        assertEquals(List.of("shared.dir=relative/dir is not an absolute path",
                "check.interval.ms=5 is out of range [10, 60000]",
                "lease.ms=300 must be at least twice check.interval.ms=200",
                "framework property hasm.scm=bad name is not a valid SCM name"), s.problems());
    }
}
