package org.hasm.controller.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.hasm.spi.Call;
import org.hasm.spi.HaModule;
import org.hasm.spi.OpMode;
import org.hasm.spi.Personality;
import org.hasm.spi.ScmState;
import org.hasm.spi.SysConfig;
import org.hasm.spi.Tier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two controller cores talking to each other through their message handlers (the link's part is
 * tested in the link module and the cluster tests); the test plays the status monitor.
 */
class PairTest {
    private static final Personality A = new TestPersonality("A", "scm-a", List.of("127.0.0.1"), Map.of());
    private static final Personality B = new TestPersonality("B", "scm-b", List.of("127.0.0.2"), Map.of());
    private final List<Scm> all = new ArrayList<>();
    /** What each SCM logged (info and warn), by name. */
    private final Map<String, List<String>> logs = new java.util.concurrent.ConcurrentHashMap<>();
    private long serviceIds = 1;

    @AfterEach
    void tearDown() {
        all.forEach(Scm::close);
    }

    private static final class Wire implements PeerPort {
        volatile Scm other;
        volatile long otherIncarnation;

        @Override
        public byte[] request(byte[] payload, Duration timeout) throws IOException {
            Scm o = other;
            if (o == null) {
                throw new IOException("connection refused");
            }
            return o.onPeerMessage(payload);
        }

        @Override
        public void send(byte[] payload) throws IOException {
            request(payload, Duration.ofSeconds(1));
        }

        @Override
        public long peerIncarnation() {
            return otherIncarnation;
        }
    }

    private Scm scm(String name, OpMode role, String peer, Wire wire, TestModule module) {
        return scm(name, role, peer, wire, module, Map.of());
    }

    private Scm scm(String name, OpMode role, String peer, PeerPort wire, TestModule module, Map<String, String> timing) {
        Map<Call, Duration> d = new EnumMap<>(Call.class);
        for (Call c : Call.values()) {
            d.put(c, Duration.ofSeconds(2));
        }
        Settings s = new Settings(name, role, peer, d, Settings.DEFAULT_MAX_DEADLINE, Duration.ofMillis(300), Duration.ofMillis(50), 200,
                List.of(A, B), List.of());
        List<String> log = logs.computeIfAbsent(name, n -> new java.util.concurrent.CopyOnWriteArrayList<>());
        Scm scm = new Scm(s, new Sink() {
            @Override
            public void debug(String message) {
            }

            @Override
            public void info(String message) {
                log.add(message);
                if (Boolean.getBoolean("pair.verbose")) {
                    System.out.println(name + ": " + message);
                }
            }

            @Override
            public void warn(String message) {
                log.add("WARN " + message);
            }

            @Override
            public void error(String message, Throwable t) {
                System.err.println(name + ": ERROR " + message);
                if (t != null) {
                    t.printStackTrace();
                }
            }

            @Override
            public void post(String topic, Map<String, Object> properties) {
            }
        }, () -> s, () -> timing);
        scm.peerPort(wire);
        scm.added(new ModuleEntry(serviceIds++, module, "t", "1", ModuleProperties.parse(
                Map.of(HaModule.MODULE_NAME, module.name, HaModule.MODULE_TIER, Tier.SERVICE.value()), "x")));
        all.add(scm);
        return scm;
    }

    private static void await(String what, BooleanSupplier c) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            LockSupport.parkNanos(2_000_000);
        }
    }

    private static void awaitState(Scm scm, ScmState state, OpMode mode) {
        await(scm.settings().scm() + " " + state + "/" + mode + " (is " + scm.snapshot() + ")",
                () -> scm.snapshot().state() == state && scm.snapshot().opMode() == mode);
    }

    private static List<String> names(List<Personality> ps) {
        return ps.stream().map(Personality::name).toList();
    }

    @Test
    void eachScmOfAPairKnowsThePeersReleaseAfterTheBootAndAfterThePeerRestartsOnAnother() {
        Wire toB = new Wire();
        Wire toA = new Wire();
        Scm a = scm("scm-a", OpMode.MASTER, "scm-b", toB, new TestModule("svc"));
        Scm b = scm("scm-b", OpMode.SLAVE, "scm-a", toA, new TestModule("svc"));
        a.version("1.0.0");
        b.version("1.0.0");
        toB.other = b;
        toA.other = a;
        a.start();
        b.start();
        awaitState(a, ScmState.DAC, OpMode.MASTER);
        awaitState(b, ScmState.DAC, OpMode.SLAVE);
        await("both releases known on both SCMs", () -> a.versions().peer() != null && b.versions().peer() != null);
        assertEquals("1.0.0", a.versions().peer().version());
        assertEquals("1.0.0", b.versions().peer().version());

        // scm-b comes back on the next release: the MASTER, which never asks, hears it from its INIT handshake
        toB.other = null;
        toA.other = null;
        a.peerChanged(false, ScmState.DAC, OpMode.SLAVE, OpMode.SLAVE, 1);
        awaitState(a, ScmState.DEGRADED, OpMode.MASTER);
        Scm b2 = scm("scm-b", OpMode.SLAVE, "scm-a", toA, new TestModule("svc"));
        b2.version("1.1.0");
        toB.other = b2;
        toA.other = a;
        b2.start();
        a.peerChanged(true, ScmState.BOOT, null, OpMode.SLAVE, 2);
        awaitState(b2, ScmState.DAC, OpMode.SLAVE);
        awaitState(a, ScmState.DAC, OpMode.MASTER);
        assertEquals("1.1.0", a.versions().peer().version());
        assertEquals("1.0.0", b2.versions().peer().version());
    }

    @Test
    void theWholeLifeOfAPairFromBootThroughBothFailuresAndBack() {
        Wire toB = new Wire();
        Wire toA = new Wire();
        TestModule ma = new TestModule("svc");
        TestModule mb = new TestModule("svc");
        Scm a = scm("scm-a", OpMode.MASTER, "scm-b", toB, ma);
        Scm b = scm("scm-b", OpMode.SLAVE, "scm-a", toA, mb);
        toB.other = b;
        toA.other = a;
        // FIG. 5: normal boot
        a.start();
        b.start();
        awaitState(a, ScmState.DAC, OpMode.MASTER);
        awaitState(b, ScmState.DAC, OpMode.SLAVE);
        assertEquals(List.of("A"), names(a.personalities()));
        assertEquals(List.of("B"), names(b.personalities()));

        // FIG. 9: the MASTER faults; the SLAVE impersonates and fails over
        toB.other = null;
        toA.other = null;
        b.peerChanged(false, ScmState.DAC, OpMode.MASTER, OpMode.MASTER, 1);
        awaitState(b, ScmState.DEGRADED, OpMode.MASTER);
        assertEquals(List.of("B", "A"), names(b.personalities()));
        // the state shows once the HASM tier took over; services are called in parallel, and may still be
        await("svc took over: " + mb.calls(),
                () -> mb.calls().containsAll(List.of("OPMODE(MASTER, DAC)", "OPMODE(MASTER, DEGRADED)")));

        // FIG. 11: the configured MASTER resumes, impersonates a SLAVE, and the roles stay swapped
        TestModule ma2 = new TestModule("svc");
        Wire toB2 = new Wire();
        Scm a2 = scm("scm-a", OpMode.MASTER, "scm-b", toB2, ma2);
        toB2.other = b;
        toA.other = a2;
        a2.start();
        // scm-b's status monitor hears the new life of scm-a
        b.peerChanged(true, ScmState.BOOT, null, OpMode.MASTER, 2);
        awaitState(a2, ScmState.DAC, OpMode.SLAVE);
        awaitState(b, ScmState.DAC, OpMode.MASTER);
        assertEquals(List.of("A"), names(a2.personalities()));
        assertEquals(List.of("B"), names(b.personalities()));
        await("scm-a's svc serves as SLAVE: " + ma2.calls(), () -> ma2.calls().size() == 4);
        assertEquals(List.of("INIT", "TEST", "OPMODE(SLAVE, ASSUMEDAC)", "OPMODE(SLAVE, DAC)"), ma2.calls());
        // FAILBACK gives work away: it waited for the services before PROCEED let scm-a go on
        assertEquals("OPMODE(MASTER, DAC)", mb.calls().get(mb.calls().size() - 1), "FAILBACK");

        // FIG. 8 with swapped roles: the SCM now SLAVE faults; the MASTER fails over without impersonating
        b.peerChanged(false, ScmState.DAC, OpMode.SLAVE, OpMode.MASTER, 2);
        awaitState(b, ScmState.DEGRADED, OpMode.MASTER);
        assertEquals(SysConfig.DEGRADED, b.snapshot().sysConfig());
    }

    @Test
    void bothConfiguredMasterBothGoToMonitorAndSayWhy() {
        Wire toB = new Wire();
        Wire toA = new Wire();
        Scm a = scm("scm-a", OpMode.MASTER, "scm-b", toB, new TestModule("svc"));
        Scm b = scm("scm-b", OpMode.MASTER, "scm-a", toA, new TestModule("svc"));
        toB.other = b;
        toA.other = a;
        a.start();
        b.start();
        await("both MONITOR", () -> a.snapshot().state() == ScmState.MONITOR && b.snapshot().state() == ScmState.MONITOR);
        assertTrue(a.snapshot().reason().contains("both SCMs are configured MASTER"), a.snapshot().reason());
        assertTrue(b.snapshot().reason().contains("both SCMs are configured MASTER"), b.snapshot().reason());
    }

    @Test
    void aPeerWithOtherTimingPutsTheBootingScmInMonitorNamingBothValues() {
        Map<String, String> tuned = Map.of("org.hasm.status interval.ms", "50", "org.hasm.status counter.start", "4",
                "org.hasm.storage lease.ms", "200");
        Map<String, String> patent = Map.of("org.hasm.status interval.ms", "1000", "org.hasm.status counter.start", "4",
                "org.hasm.storage lease.ms", "200", "org.hasm.status.channel~disk counter", "8");
        Wire toB = new Wire();
        Wire toA = new Wire();
        Scm a = scm("scm-a", OpMode.MASTER, "scm-b", toB, new TestModule("svc"), tuned);
        toB.other = null;
        a.start();
        awaitState(a, ScmState.DAC, OpMode.MASTER); // alone: nobody to compare with
        // scm-b boots with the patent's interval: its INIT handshake finds the difference
        Scm b = scm("scm-b", OpMode.SLAVE, "scm-a", toA, new TestModule("svc"), patent);
        toA.other = a;
        toB.other = b;
        b.start();
        await("scm-b in MONITOR (is " + b.snapshot() + ")", () -> b.snapshot().state() == ScmState.MONITOR);
        String reason = b.snapshot().reason();
        assertTrue(reason.contains("org.hasm.status interval.ms is 1000 here and 50 on scm-a"), reason);
        assertTrue(!reason.contains("counter.start") && !reason.contains("disk"),
                "only what differs on both sides is named: " + reason);
        assertEquals(List.of(), names(b.personalities()), "nothing served in MONITOR");
        assertEquals(ScmState.DAC, a.snapshot().state(), "the SCM that runs goes on");
    }

    @Test
    void aPairWithTheSameTimingForms() {
        Map<String, String> tuned = Map.of("org.hasm.status interval.ms", "50", "org.hasm.storage lease.ms", "200");
        Wire toB = new Wire();
        Wire toA = new Wire();
        Scm a = scm("scm-a", OpMode.MASTER, "scm-b", toB, new TestModule("svc"), tuned);
        Scm b = scm("scm-b", OpMode.SLAVE, "scm-a", toA, new TestModule("svc"),
                Map.of("org.hasm.status interval.ms", "50", "org.hasm.storage lease.ms", "200",
                        "org.hasm.status.channel~disk counter", "8"));
        toB.other = b;
        toA.other = a;
        a.start();
        b.start();
        awaitState(a, ScmState.DAC, OpMode.MASTER);
        awaitState(b, ScmState.DAC, OpMode.SLAVE);
    }

    // what scm-b sends to scm-a, in the last pairInDac
    private Wire pairToA;

    /** scm-a MASTER and scm-b SLAVE ({@code mb} its service) wired to each other, both in DAC. */
    private Scm[] pairInDac(TestModule mb) {
        Wire toB = new Wire();
        Wire toA = new Wire();
        pairToA = toA;
        Scm a = scm("scm-a", OpMode.MASTER, "scm-b", toB, new TestModule("svc"));
        Scm b = scm("scm-b", OpMode.SLAVE, "scm-a", toA, mb);
        toB.other = b;
        toA.other = a;
        a.start();
        b.start();
        awaitState(a, ScmState.DAC, OpMode.MASTER);
        awaitState(b, ScmState.DAC, OpMode.SLAVE);
        return new Scm[] {a, b};
    }

    @Test
    void aLeavingOfAnEarlierBootOfThePeerThanItsLastReadyIsIgnored() {
        Scm a = pairInDac(new TestModule("svc"))[0];
        // from now on the test alone speaks for scm-b: what the real scm-b would answer to scm-a's reactions (a
        // READY of its own boot) would change the peer's last boot under the test's feet
        pairToA.other = null;
        // scm-b left (RESET), booted again and said READY before scm-a, busy, handled its LEAVING: taken, the
        // LEAVING would make scm-a serve the personality scm-b's new boot serves after scm-a's PROCEED
        a.onPeerMessage(PeerMessages.of("READY", PeerServer.BOOT_TOKEN, "boot-2"));
        a.onPeerMessage(PeerMessages.of("LEAVING", "reason", "RESET: test", PeerServer.BOOT_TOKEN, "boot-1"));
        await("the stale LEAVING is dropped", () -> logs.get("scm-a").stream()
                .anyMatch(l -> l.contains("a LEAVING of an earlier boot of the peer than its last READY, ignored")));
        assertEquals(ScmState.DAC, a.snapshot().state());
        // the LEAVING of the boot that said READY last is taken
        a.onPeerMessage(PeerMessages.of("LEAVING", "reason", "SHUTDOWN: test", PeerServer.BOOT_TOKEN, "boot-2"));
        awaitState(a, ScmState.DEGRADED, OpMode.MASTER);
    }

    @Test
    void aSurrenderingSlaveIsTakenOverAtOnceAndComesBackAfterAReset() {
        TestModule mb = new TestModule("svc");
        Scm[] pair = pairInDac(mb);
        Scm a = pair[0];
        Scm b = pair[1];
        b.surrender("upgrade");
        awaitState(b, ScmState.HALTED, null);
        awaitState(a, ScmState.DEGRADED, OpMode.MASTER);
        assertTrue(b.personalities().isEmpty());
        // each state says why, with the operator's words
        assertEquals("SURRENDER: upgrade; the peer serves this SCM's personality until a reset", b.snapshot().reason());
        assertEquals("serving the peer's personality too: the peer left: surrender: upgrade", a.snapshot().reason());
        assertTrue(a.snapshot().since() != null);
        // one line sums the takeover up
        await("the takeover's line: " + logs.get("scm-a"), () -> logs.get("scm-a").stream()
                .anyMatch(l -> l.startsWith("B taken over from scm-b, ")));
        String line = logs.get("scm-a").stream().filter(l -> l.startsWith("B taken over from scm-b, ")).findFirst()
                .orElseThrow();
        assertTrue(line.matches("B taken over from scm-b, never heard; its volumes and addresses were up in \\d+ ms"
                + " \\(serving the peer's personality too: the peer left: surrender: upgrade\\)"), line);
        // what neither SCM can carry out is refused with why, and nothing is queued
        IllegalStateException degraded = assertThrows(IllegalStateException.class, () -> a.surrender("maintenance"));
        assertTrue(degraded.getMessage().startsWith("the SCM is DEGRADED: it serves its peer's personality too"),
                degraded.getMessage());
        IllegalStateException halted = assertThrows(IllegalStateException.class, () -> b.surrender("again"));
        assertTrue(halted.getMessage().startsWith("the SCM is HALTED already (SURRENDER: upgrade"), halted.getMessage());
        assertEquals(ScmState.DEGRADED, a.snapshot().state());
        b.reset("upgrade done");
        a.peerChanged(true, ScmState.BOOT, null, OpMode.SLAVE, 3);
        awaitState(b, ScmState.DAC, OpMode.SLAVE);
        awaitState(a, ScmState.DAC, OpMode.MASTER);
        assertEquals(List.of("A"), names(a.personalities()));
    }

    /**
     * A MASTER that answers what it is asked and notes what it hears, but never PROCEEDs by itself: serving
     * both personalities (DEGRADED) until the test says it released the peer's (DAC).
     */
    private static final class ScriptedMaster implements PeerPort {
        final List<Map<String, String>> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        volatile String state = "DEGRADED";

        @Override
        public byte[] request(byte[] payload, Duration timeout) {
            Map<String, String> m = PeerMessages.decode(payload);
            heard.add(m);
            if ("GETSTATE".equals(m.get(PeerMessages.TYPE))) {
                return PeerMessages.of("STATE", "scm", "scm-a", "state", state, "opMode", "MASTER", "sysConfig", state,
                        "configuredRole", "MASTER", Timing.FIELD, Timing.encode(Map.of()));
            }
            return PeerMessages.of("OK");
        }

        @Override
        public void send(byte[] payload) {
            request(payload, Duration.ofSeconds(1));
        }

        @Override
        public long peerIncarnation() {
            return 1;
        }

        String readyToken() {
            return heard.stream().filter(m -> "READY".equals(m.get(PeerMessages.TYPE))).findFirst()
                    .map(m -> m.get(PeerServer.BOOT_TOKEN)).orElse(null);
        }
    }

    /** scm-b, SLAVE, booted against the scripted MASTER until it said READY */
    private Scm saidReady(ScriptedMaster master) {
        Scm b = scm("scm-b", OpMode.SLAVE, "scm-a", master, new TestModule("svc"), Map.of());
        b.start();
        b.peerChanged(true, ScmState.DEGRADED, OpMode.MASTER, OpMode.MASTER, 1);
        await("scm-b says READY with its boot's token: " + master.heard, () -> master.readyToken() != null);
        return b;
    }

    /** The MASTER released scm-b's personality: it says DAC from now on, and scm-b's status monitor heard it. */
    private static void released(ScriptedMaster master, Scm b) {
        master.state = "DAC";
        b.peerChanged(true, ScmState.DAC, OpMode.MASTER, OpMode.MASTER, 1);
    }

    @Test
    void aProceedThatAnswersTheReadyOfAnEarlierBootIsIgnored() {
        ScriptedMaster master = new ScriptedMaster();
        Scm b = saidReady(master);
        String token = master.readyToken();
        assertTrue(!token.isEmpty(), master.heard.toString());

        // the answer to a READY of an earlier boot (scm-b reset before it came): dropped, scm-b stays in INIT
        b.onPeerMessage(PeerMessages.of("PROCEED", PeerServer.BOOT_TOKEN, "1" + token));
        await("the stale PROCEED is dropped", () -> logs.get("scm-b").stream()
                .anyMatch(l -> l.contains("a PROCEED that answers the READY of an earlier boot")));
        assertEquals(ScmState.INIT, b.snapshot().state());
        // the answer to this boot's READY, from a MASTER that released scm-b's personality
        released(master, b);
        b.onPeerMessage(PeerMessages.of("PROCEED", PeerServer.BOOT_TOKEN, token));
        awaitState(b, ScmState.DAC, OpMode.SLAVE);
    }

    @Test
    void aProceedWithoutATokenFromAnEarlierReleaseIsTaken() {
        ScriptedMaster master = new ScriptedMaster();
        Scm b = saidReady(master);
        released(master, b);
        b.onPeerMessage(PeerMessages.of("PROCEED"));
        awaitState(b, ScmState.DAC, OpMode.SLAVE);
    }

    @Test
    void aProceedSaidInMaintenanceBringsTheSlaveIntoDacInMaintenance() {
        // the scripted MASTER's GETSTATE says nothing of maintenance: scm-b learns it from the PROCEED alone
        ScriptedMaster master = new ScriptedMaster();
        Scm b = saidReady(master);
        released(master, b);
        assertFalse(b.machine().admin().maintenance());
        b.onPeerMessage(PeerMessages.of("PROCEED", PeerServer.BOOT_TOKEN, master.readyToken(), "reason",
                Transitions.IN_MAINTENANCE, PeerServer.MAINTENANCE, "true"));
        awaitState(b, ScmState.DAC, OpMode.SLAVE);
        assertTrue(b.machine().admin().maintenance(), "in DAC, in maintenance");
    }

    @Test
    void aPeerThatNeverAnswersLetsTheBootGoOnAlone() {
        Scm a = scm("scm-a", OpMode.MASTER, "scm-b", new Wire(), new TestModule("svc"));
        a.start();
        awaitState(a, ScmState.DAC, OpMode.MASTER);
        a.peerChanged(false, null, null, null, 0);
        awaitState(a, ScmState.DEGRADED, OpMode.MASTER);
        assertEquals(List.of("A", "B"), names(a.personalities()));
    }
}
