package org.hasm.itests.campaign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.zip.CRC32;
import org.hasm.itests.campaign.LogEvents.Event;
import org.hasm.itests.campaign.LogEvents.Type;
import org.hasm.itests.campaign.Timeline.End;
import org.hasm.itests.cluster.OwnerWatch;
import org.hasm.itests.cluster.OwnerWatch.Owner;
import org.hasm.itests.cluster.OwnerWatch.Seen;
import org.hasm.itests.cluster.Pair.Scm;
import org.hasm.itests.cluster.PutLoop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The campaign's checkers, each shown to fail on what it must catch (a broken ledger, a record that
 * went backwards, logs of a volume taken from a live owner, a healthy SCM fenced, a pair not in DAC)
 * and to pass what a correct pair does. No cluster: the inputs are written here, in the formats the
 * SCMs write (the log lines are copied from real logs).
 */
class CheckersIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long T0 = Instant.parse("2026-12-02T16:30:00Z").toEpochMilli();
    private static final long LEASE = 1000;
    private static final long DETECTION = 1000;

    // ---- 1: every acknowledged write reads back identical ----

    @Test
    void ledgerCountsAWriteGoneOrAlteredAsLostAndOneIntactButNotServedAsUnserved(@TempDir Path dir) throws Exception {
        Path volume = Files.createDirectories(dir.resolve("volume"));
        Path served = Files.createDirectories(dir.resolve("served"));
        byte[] one = "a-0\none".getBytes(StandardCharsets.US_ASCII);
        byte[] two = "a-1\ntwo".getBytes(StandardCharsets.US_ASCII);
        byte[] three = "a-2\nthree".getBytes(StandardCharsets.US_ASCII);
        byte[] four = "a-3\nfour".getBytes(StandardCharsets.US_ASCII);
        for (Path p : List.of(volume, served)) {
            Files.write(p.resolve("a-0"), one);
            Files.write(p.resolve("a-1"), "a-1\nTWO".getBytes(StandardCharsets.US_ASCII)); // altered
        }
        Files.write(volume.resolve("a-3"), four); // intact, but the address does not serve it
        List<PutLoop.Ack> ledger = List.of(ack("a-0", one), ack("a-1", two), ack("a-2", three), ack("a-3", four));

        Ledger.Outcome outcome = Ledger.check(ledger, Ledger.volume(served), Ledger.volume(volume));
        assertEquals(4, outcome.checked());
        assertEquals(2, outcome.lost(), outcome.problems().toString());
        assertEquals(1, outcome.unserved(), outcome.problems().toString());
        assertTrue(outcome.problems().get(0).startsWith("LOST a-1") && outcome.problems().get(0).contains("differ"),
                outcome.problems().toString());
        assertTrue(outcome.problems().get(1).startsWith("LOST a-2") && outcome.problems().get(1).contains("missing"),
                outcome.problems().toString());
        assertTrue(outcome.problems().get(2).startsWith("unserved a-3"), outcome.problems().toString());

        // an address that serves nothing: every intact file is unserved, not lost
        Path nothing = Files.createDirectories(dir.resolve("nothing"));
        Ledger.Outcome down = Ledger.check(List.of(ack("a-0", one), ack("a-3", four), ack("a-0", one), ack("a-0", one),
                ack("a-0", one)), Ledger.volume(nothing), Ledger.volume(volume));
        assertEquals(0, down.lost());
        assertEquals(5, down.unserved());
        assertEquals(4, down.problems().size(), "three lines and a count: " + down.problems());
        assertEquals("(2 more unserved)", down.problems().get(3));
        assertEquals(0, Ledger.check(List.of(ack("a-0", one)), Ledger.volume(served), Ledger.volume(volume))
                .problems().size());
    }

    // ---- 2: no volume had two owners ----

    @Test
    void recordHistoryWithAnOwnerChangeAtTheSameEpochOrAFallingEpochIsCaught() {
        List<Seen> right = List.of(seen(1, "scm-a", 1), seen(2, "", 1), seen(3, "scm-b", 2), seen(4, "scm-a", 3));
        assertEquals(List.of(), OwnerWatch.epochProblems(right));
        List<String> twoAtOne = OwnerWatch.epochProblems(List.of(seen(1, "scm-a", 4), seen(2, "scm-b", 4)));
        assertEquals(List.of("the record went from scm-a@4 to scm-b@4"), twoAtOne);
        List<String> freeThenSame = OwnerWatch.epochProblems(List.of(seen(1, "", 4), seen(2, "scm-b", 4)));
        assertEquals(1, freeThenSame.size(), freeThenSame.toString());
        List<String> falling = OwnerWatch.epochProblems(List.of(seen(1, "scm-b", 5), seen(2, "scm-a", 3)));
        assertEquals(1, falling.size(), falling.toString());
    }

    @Test
    void aWriteAcknowledgedByAnScmTheRecordDidNotNameIsCaught(@TempDir Path shared) throws Exception {
        Path owners = Files.createDirectories(shared.resolve("owners"));
        Files.writeString(owners.resolve("vol-a"), "owner=scm-b\nepoch=2\n", StandardCharsets.UTF_8);
        long origin = System.nanoTime();
        try (OwnerWatch watch = OwnerWatch.start(shared, "vol-a", Duration.ofSeconds(30))) {
            long sent = System.nanoTime();
            long answered = System.nanoTime();
            List<PutLoop.Ack> acks = List.of(new PutLoop.Ack("a-0", new byte[1], sent, answered, 201, "scm-a"),
                    new PutLoop.Ack("a-1", new byte[1], sent, answered, 201, "scm-b"),
                    new PutLoop.Ack("a-2", new byte[1], sent, answered, 201, "scm-a→scm-b"));
            List<String> found = watch.acknowledgedByNonOwner(acks, origin);
            assertEquals(1, found.size(), found.toString());
            assertTrue(found.get(0).startsWith("a-0 acknowledged by scm-a"), found.toString());
        }
    }

    @Test
    void aDamagedRecordIsUnreadableToTheWatchNotAChangeOfOwner(@TempDir Path shared) throws Exception {
        Path owners = Files.createDirectories(shared.resolve("owners"));
        String body = "# hasm volume ownership record: written by the storage module, do not edit\nvolume=vol-b\n"
                + "owner=scm-b\nepoch=2\nincarnation=1\ntime=2026-12-02T16:30:00Z\n";
        CRC32 crc = new CRC32();
        crc.update(body.getBytes(StandardCharsets.UTF_8));
        String record = body + "check=" + String.format("%08x", crc.getValue()) + "\n";
        Files.writeString(owners.resolve("vol-b"), record, StandardCharsets.UTF_8);
        assertEquals(new Owner("scm-b", 2), OwnerWatch.read(shared, "vol-b"));
        for (String damaged : List.of(record.replace("scm-b", "scm-c"), record.replace("epoch=2", "epoch=0"), "",
                "owner=scm-b\n")) {
            Files.writeString(owners.resolve("vol-b"), damaged, StandardCharsets.UTF_8);
            assertNull(OwnerWatch.read(shared, "vol-b"), damaged);
        }
    }

    @Test
    void logsParseTheLinesTheScmsWrite() {
        String log = String.join("\n",
                "2026-12-02T16:29:27.202Z INFO  [org.hasm.storage] volume vol-a acquired at epoch 1: never owned before",
                "2026-12-02T16:30:09.782Z INFO  [org.hasm.storage] volume vol-b released at epoch 2",
                "2026-12-02T16:30:14.470Z WARN  [org.hasm.status] fencing the peer scm-b with agent process (timeout 5000 ms)",
                "2026-12-02T16:30:14.678Z INFO  [org.hasm.storage] fence process (scm-b, /tmp/x/scm-b/hasm.pid): killed pid 16850",
                "2026-12-02T16:30:14.702Z WARN  [org.hasm.storage] volume vol-b acquired at epoch 4: taken over from scm-b (epoch 3)",
                "2026-12-02T16:30:15.000Z ERROR [org.hasm.storage] volume vol-a taken over by scm-b at epoch 3 (ours was 2):"
                        + " this SCM stops serving it and reboots",
                "2026-12-02T16:30:16.000Z WARN  [org.hasm.storage] fence refused: lease on volume vol-a lapsed: the watchdog"
                        + " has not confirmed its record for 1200 ms (lease 1000 ms)",
                "2026-12-02T16:30:17.000Z WARN  [org.hasm.storage] storage watchdog: volume ownership record"
                        + " /tmp/x/shared/owners/vol-a is unreadable: checksum mismatch (torn or damaged); fence() fails once"
                        + " the lease lapses",
                "2026-12-02T16:30:18.000Z INFO  [org.hasm.storage] storage watchdog: the record of volume vol-a is readable again",
                "\tat org.hasm.Some.trace(Some.java:1)",
                "2026-12-02T16:30:19.000Z INFO  [org.hasm.controller] SCM scm-a state=DAC opMode=MASTER sysConfig=DAC"
                        + " modules=6/6 active in 245 ms",
                "2026-12-02T17:43:24.665Z ERROR [org.hasm.controller] SCM scm-b state=MONITOR opMode=null sysConfig=null"
                        + " modules=0/6 active reason=HASM module storage (HaException: volume ownership record)");
        List<Event> events = LogEvents.parse(Scm.A, log);
        assertEquals(List.of(Type.ACQUIRED, Type.RELEASED, Type.FENCE_ATTEMPT, Type.FENCE_KILLED, Type.ACQUIRED,
                Type.LOST, Type.LEASE_LAPSED, Type.READ_PROBLEM, Type.READABLE_AGAIN, Type.STOPPED),
                events.stream().map(Event::type).toList());
        assertEquals("", events.get(0).from());
        assertEquals(1, events.get(0).epoch());
        assertEquals(16850, events.get(3).pid());
        assertEquals("scm-b", events.get(4).from());
        assertEquals("vol-b", events.get(4).volume());
        assertEquals(4, events.get(4).epoch());
        assertEquals("vol-a", events.get(5).volume());
        assertEquals("vol-a", events.get(7).volume());
        assertEquals(Instant.parse("2026-12-02T16:29:27.202Z").toEpochMilli(), events.get(0).ms());
    }

    @Test
    void channelBadLinesAreFoundAloneAndInTheLineOfChannelsThatRanOutTogether() {
        String log = String.join("\n",
                line(T0, "channel link to scm-b is BAD: nothing received from scm-b since 2026-12-02T16:29:59.800Z"
                        + " (received 9, missed 3, rejected 0)"),
                line(T0 + 500, "channels link, host to scm-b are BAD: nothing received from scm-b since"
                        + " 2026-12-02T16:30:00.300Z (link: received 12, missed 3, rejected 0; host: received 12,"
                        + " missed 3, rejected 0)"),
                line(T0 + 900, "channels host, disk to scm-b are BAD (host: ..., disk: ...)"),
                line(T0 + 950, "channel link to scm-b is GOOD again (received 13, missed 9, rejected 0)"),
                line(T0 + 990, "channels link, host to scm-a are BAD: nothing received from scm-a yet (...)"));
        assertEquals(2, LogEvents.countChannelBad(log, "link", "scm-b"));
        assertEquals(2, LogEvents.countChannelBad(log, "host", "scm-b"));
        assertEquals(1, LogEvents.countChannelBad(log, "disk", "scm-b"));
        assertEquals(log.indexOf("channels host, disk"), LogEvents.indexOfChannelBad(log, "disk", "scm-b"));
        assertEquals(0, LogEvents.countChannelBad(log, "ink", "scm-b"), "a channel's name, not part of one");
        assertEquals(-1, LogEvents.indexOfChannelBad(log, "disk", "scm-a"));
    }

    @Test
    void aVolumeTakenFromAPeerThatStillRanAndHeldItIsCaughtFromTheLogs() {
        Timeline t = new Timeline();
        t.started(Scm.A, 100, T0);
        t.started(Scm.B, 200, T0);
        String a = line(T0 + 100, "volume vol-a acquired at epoch 1: never owned before");
        String b = line(T0 + 5000, "volume vol-a acquired at epoch 2: taken over from scm-a (epoch 1)");
        List<String> found = Ownership.fromLogs(events(a, b), t, LEASE);
        assertEquals(1, found.size(), found.toString());
        assertTrue(found.get(0).startsWith("scm-b took volume vol-a over at epoch 2") && found.get(0).contains("pid 100"),
                found.get(0));

        // the same, with scm-a paused for less than a lease before: still held
        Timeline shortPause = new Timeline();
        shortPause.started(Scm.A, 100, T0);
        shortPause.paused(Scm.A, T0 + 4500);
        assertEquals(1, Ownership.fromLogs(events(a, b), shortPause, LEASE).size());
    }

    @Test
    void aVolumeTakenAfterTheOwnerDiedWasPausedForALeaseOrLetItGoIsNoDoubleOwner() {
        String a = line(T0 + 100, "volume vol-a acquired at epoch 1: never owned before");
        String b = line(T0 + 5000, "volume vol-a acquired at epoch 2: taken over from scm-a (epoch 1)");

        Timeline killed = new Timeline();
        killed.started(Scm.A, 100, T0);
        killed.ended(Scm.A, T0 + 3000, End.KILLED);
        assertEquals(List.of(), Ownership.fromLogs(events(a, b), killed, LEASE));

        Timeline paused = new Timeline();
        paused.started(Scm.A, 100, T0);
        paused.paused(Scm.A, T0 + 5000 - LEASE - 10);
        assertEquals(List.of(), Ownership.fromLogs(events(a, b), paused, LEASE));

        Timeline running = new Timeline();
        running.started(Scm.A, 100, T0);
        String lapsed = line(T0 + 4000, "fence refused: lease on volume vol-a lapsed: the watchdog has not confirmed"
                + " its record for 1200 ms (lease 1000 ms)");
        assertEquals(List.of(), Ownership.fromLogs(events(a + "\n" + lapsed, b), running, LEASE));
        // issue 8, defect 3: scm-a faulted to MONITOR and could not write the release on a full storage
        String monitor = String.join("\n", line(T0 + 3900, "volume vol-b acquired at epoch 2: taken over from scm-b (epoch 1)"),
                line(T0 + 4000, "SCM scm-a state=MONITOR opMode=null sysConfig=null modules=0/6 active reason=HASM"
                        + " module storage (HaException: volume ownership record /x/owners/vol-b cannot be written)"));
        assertEquals(List.of(), Ownership.fromLogs(events(a + "\n" + monitor, b), running, LEASE));
        String released = line(T0 + 4000, "volume vol-a released at epoch 1");
        String fromFree = line(T0 + 5000, "volume vol-a acquired at epoch 2: released at epoch 1");
        assertEquals(List.of(), Ownership.fromLogs(events(a + "\n" + released, fromFree), running, LEASE));
    }

    @Test
    void aVolumeTakenBeforeTheFenceKillReturnedIsCaught() {
        // issue 8, defect 2: the volume was taken 53 ms before the fence's kill returned
        Timeline t = new Timeline();
        t.started(Scm.A, 100, T0);
        t.paused(Scm.A, T0 + 4700);
        t.ended(Scm.A, T0 + 5100, End.ENDED);
        String a = line(T0 + 100, "volume vol-a acquired at epoch 1: never owned before");
        String early = String.join("\n",
                line(T0 + 5000, "volume vol-a acquired at epoch 2: taken over from scm-a (epoch 1)"),
                line(T0 + 5053, "fence process (scm-a, /x/scm-a/hasm.pid): killed pid 100"));
        assertEquals(1, Ownership.fromLogs(events(a, early), t, LEASE).size());
        String inOrder = String.join("\n",
                line(T0 + 4990, "fence process (scm-a, /x/scm-a/hasm.pid): killed pid 100"),
                line(T0 + 5000, "volume vol-a acquired at epoch 2: taken over from scm-a (epoch 1)"));
        assertEquals(List.of(), Ownership.fromLogs(events(a, inOrder), t, LEASE));
    }

    @Test
    void oneEpochAcquiredTwiceIsCaught() {
        Timeline t = new Timeline();
        String a = line(T0 + 100, "volume vol-a acquired at epoch 3: released at epoch 2");
        String b = line(T0 + 200, "volume vol-a acquired at epoch 3: released at epoch 2");
        List<String> found = Ownership.fromLogs(events(a, b), t, LEASE);
        assertEquals(1, found.size(), found.toString());
        assertTrue(found.get(0).startsWith("volume vol-a acquired twice at epoch 3"), found.get(0));
    }

    // ---- 4: no healthy SCM was fenced ----

    @Test
    void aFenceOfARunningScmDuringANetworkOnlyFaultIsWrongful() {
        Timeline t = new Timeline();
        t.started(Scm.A, 100, T0);
        t.started(Scm.B, 200, T0);
        Fault cut = new Fault(FaultKind.CUT_ALL, null, 0, 2000, List.of("link", "host"), 0, null, 0, 0);
        t.faultStarted(cut, T0 + 1000);
        t.faultUndone(cut, T0 + 3000);
        t.ended(Scm.B, T0 + 2600, End.ENDED);
        String a = String.join("\n", line(T0 + 2333, "fencing the peer scm-b with agent process (timeout 5000 ms)"),
                line(T0 + 2550, "fence process (scm-b, /x/scm-b/hasm.pid): killed pid 200"));
        Fences.Outcome o = Fences.check(events(a, ""), t, DETECTION);
        assertEquals(1, o.wrongful().size(), o.toString());
        assertTrue(o.wrongful().get(0).startsWith("scm-a fenced the healthy scm-b (pid 200)")
                && o.wrongful().get(0).contains("cut-all"), o.wrongful().get(0));
        assertEquals(List.of(), o.unexplained());
    }

    @Test
    void aFenceOfAPausedScmOrOneSilentOnNetworksAndStorageIsRight() {
        String a = String.join("\n", line(T0 + 2333, "fencing the peer scm-b with agent process (timeout 5000 ms)"),
                line(T0 + 2550, "fence process (scm-b, /x/scm-b/hasm.pid): killed pid 200"));

        Timeline paused = new Timeline();
        paused.started(Scm.B, 200, T0);
        paused.paused(Scm.B, T0 + 1000);
        paused.ended(Scm.B, T0 + 2600, End.ENDED);
        assertEquals(new Fences.Outcome(List.of(), List.of()), Fences.check(events(a, ""), paused, DETECTION));

        Timeline silent = new Timeline();
        silent.started(Scm.B, 200, T0);
        Fault cut = new Fault(FaultKind.CUT_ALL, null, 0, 2000, List.of("link", "host"), 0, null, 0, 0);
        Fault readOnly = new Fault(FaultKind.STORAGE_READ_ONLY, Scm.B, 0, 3000, null, 0, null, 0, 0);
        silent.faultStarted(cut, T0 + 1000);
        silent.faultStarted(readOnly, T0 + 500);
        silent.ended(Scm.B, T0 + 2600, End.ENDED);
        assertEquals(List.of(), Fences.check(events(a, ""), silent, DETECTION).wrongful());

        // the storage read-only for the fencer, not the victim: the victim was alive to see
        Timeline wrongSide = new Timeline();
        wrongSide.started(Scm.B, 200, T0);
        wrongSide.faultStarted(cut, T0 + 1000);
        wrongSide.faultStarted(new Fault(FaultKind.STORAGE_READ_ONLY, Scm.A, 0, 3000, null, 0, null, 0, 0), T0 + 500);
        wrongSide.ended(Scm.B, T0 + 2600, End.ENDED);
        assertEquals(1, Fences.check(events(a, ""), wrongSide, DETECTION).wrongful().size());
    }

    @Test
    void aProcessThatEndedWithNobodyKillingItIsReported() {
        Timeline t = new Timeline();
        t.started(Scm.B, 200, T0);
        t.ended(Scm.B, T0 + 2600, End.ENDED);
        t.started(Scm.A, 100, T0);
        t.ended(Scm.A, T0 + 2000, End.KILLED);
        Fences.Outcome o = Fences.check(List.of(), t, DETECTION);
        assertEquals(List.of(), o.wrongful());
        assertEquals(1, o.unexplained().size(), o.toString());
        assertTrue(o.unexplained().get(0).startsWith("scm-b (pid 200) ended"), o.unexplained().get(0));
    }

    // ---- 3: the pair converges to DAC ----

    @Test
    void convergedOnlyWithBothInDacEachHomeOwningAndHoldingItsPersonality() throws Exception {
        JsonNode master = status("DAC", "MASTER", "DAC");
        JsonNode slave = status("DAC", "SLAVE", "DAC");
        Owner a = new Owner("scm-a", 3);
        Owner b = new Owner("scm-b", 4);
        assertNull(Convergence.notConverged(master, slave, a, b, "scm-a", "scm-b"));
        assertNull(Convergence.notConverged(slave, master, a, b, "scm-a", "scm-b"), "roles swapped after a takeover");

        assertEquals("scm-b does not answer", Convergence.notConverged(master, null, a, b, "scm-a", "scm-b"));
        String monitor = Convergence.notConverged(master, status("MONITOR", "SLAVE", null), a, b, "scm-a", "scm-b");
        assertTrue(monitor.startsWith("scm-b is MONITOR/SLAVE"), monitor);
        String degraded = Convergence.notConverged(status("DEGRADED", "MASTER", "DEGRADED"), null, a, b, "scm-a", "none");
        assertTrue(degraded.startsWith("scm-a is DEGRADED/MASTER"), degraded);
        assertTrue(Convergence.notConverged(master, master, a, b, "scm-a", "scm-b").startsWith("roles are"));
        String taken = Convergence.notConverged(master, slave, a, new Owner("scm-a", 5), "scm-a", "scm-b");
        assertEquals("personality B's volume is owned by scm-a@5, not scm-b;", taken);
        assertTrue(Convergence.notConverged(master, slave, null, b, "scm-a", "scm-b").contains("unreadable"));
        assertEquals("personality A's address is held by scm-a, B's by none",
                Convergence.notConverged(master, slave, a, b, "scm-a", "none"));
    }

    // ---- helpers ----

    private static PutLoop.Ack ack(String name, byte[] content) {
        return new PutLoop.Ack(name, content, 0, 1, 201, "scm-a");
    }

    private static Seen seen(long nanos, String owner, long epoch) {
        return new Seen(nanos, new Owner(owner, epoch));
    }

    private static String line(long ms, String message) {
        return Instant.ofEpochMilli(ms) + " INFO  [org.hasm.storage] " + message;
    }

    private static List<Event> events(String logA, String logB) {
        return LogEvents.merge(LogEvents.parse(Scm.A, logA), LogEvents.parse(Scm.B, logB));
    }

    private static JsonNode status(String state, String opMode, String sysConfig) throws Exception {
        return JSON.readTree("{\"state\":\"" + state + "\",\"opMode\":\"" + opMode + "\",\"sysConfig\":"
                + (sysConfig == null ? "null" : "\"" + sysConfig + "\"") + ",\"reason\":null}");
    }
}
