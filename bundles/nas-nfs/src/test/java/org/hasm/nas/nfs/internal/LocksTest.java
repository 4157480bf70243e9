package org.hasm.nas.nfs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lock state of a personality with a small NSM table (4 client hosts): a host that released everything
 * makes room for a new one, a host that holds a lock never does, and nothing is forgotten while a volume of
 * the personality is not this SCM's (its locks there are unknown). A kill is the files as they were at that
 * moment, opened by a new SCM (the peer, at the next epoch) with none of the killed one's callbacks run.
 */
class LocksTest {
    private static final int PEERS = 4;
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String NOT_TOLD = "before the last stop: telling them now";

    @Test
    void aFullNsmTableForgetsTheHostsThatHoldNothingAndKeepsThoseThatHoldLocks(@TempDir Path dir) throws Exception {
        Fixture.RecordingEvents events = new Fixture.RecordingEvents();
        Fixture.TestVolumes volumes = new Fixture.TestVolumes();
        Fixture.TestVolume home = volume(volumes, dir, "v1");
        Fixture.TestVolume other = volume(volumes, dir, "v2");
        try (VolumeState v1 = new VolumeState(volumes, "v1", home.root, NfsSettings.DEFAULTS, events);
                VolumeState v2 = new VolumeState(volumes, "v2", other.root, NfsSettings.DEFAULTS, events);
                Locks locks = new Locks("A", v1, List.of(v1, v2), NlmSettings.DEFAULTS, events, PEERS)) {
            v1.open();
            v2.open();
            Locks.Place place = new Locks.Place(v1, v1.current(), 42);
            Locks.Place there = new Locks.Place(v2, v2.current(), 7);
            assertEquals(Nlm4.GRANTED_OK, lock(locks, there, 1), "host 1 holds a lock on the other volume");
            for (int i = 2; i <= PEERS; i++) {
                assertEquals(Nlm4.GRANTED_OK, lock(locks, place, i));
            }
            assertEquals(Nlm4.DENIED_NOLOCKS, lock(locks, place, 5), "every host kept holds a lock");

            locks.unlock(place, args(2).lock);
            locks.unlock(place, args(3).lock);
            other.owned.set(false);
            assertEquals(Nlm4.DENIED_NOLOCKS, lock(locks, place, 5), "host 1's locks on a volume not owned now are unknown");
            other.owned.set(true);
            assertEquals(Nlm4.GRANTED_OK, lock(locks, place, 5), "hosts 2 and 3 hold nothing: forgotten");
            assertEquals(List.of("host-1", "host-4", "host-5"), peers(home));
            assertEquals(Nlm4.GRANTED_OK, lock(locks, place, 6), "one place was left");
            assertEquals(Nlm4.DENIED_NOLOCKS, lock(locks, place, 7), "full again of hosts that hold locks");
        }
        assertEquals(1, events.infos.stream().filter(i -> i.contains("2 that hold no lock forgotten")).count(),
                events.infos.toString());
    }

    @Test
    void aLossFoundByAnScmThatDiedBeforeHandlingItIsHandledByTheNext(@TempDir Path dir) throws Exception {
        Fixture.RecordingEvents events = new Fixture.RecordingEvents();
        Fixture.TestVolumes volumes = new Fixture.TestVolumes();
        Fixture.TestVolume home = volume(volumes, dir, "v1");
        Path meta = home.root.resolve(FileIds.META);
        // callbacks go to a port where nothing listens: refused at once
        NlmSettings settings = new NlmSettings(100_000, 45_000, 1_000, Fixture.freePort());
        int state;
        try (VolumeState v1 = new VolumeState(volumes, "v1", home.root, NfsSettings.DEFAULTS, events);
                Locks locks = new Locks("A", v1, List.of(v1), settings, events, PEERS)) {
            v1.open();
            assertEquals(Nlm4.GRANTED_OK, lock(locks, new Locks.Place(v1, v1.current(), 42), 1));
            state = locks.state();
        }
        Path log = meta.resolve(LockStore.FILE);
        byte[] bytes = Files.readAllBytes(log);
        bytes[bytes.length - 5] ^= 0x10; // the lock's record damaged on the disk
        Files.write(log, bytes);
        // an SCM reads the log, finds the loss and is killed before it raised the NSM state
        try (LockStore killed = new LockStore(meta, home.epoch.get())) {
            assertTrue(killed.lost() != null);
        }
        try (VolumeState v1 = new VolumeState(volumes, "v1", home.root, NfsSettings.DEFAULTS, events);
                Locks locks = new Locks("A", v1, List.of(v1), settings, events, PEERS)) {
            v1.open();
            Locks.Place place = new Locks.Place(v1, v1.current(), 42);
            assertEquals(Nlm4.DENIED_GRACE_PERIOD, lock(locks, place, 2), "only reclaims: the loss was found again");
            assertEquals(state + 2, locks.state(), "the NSM state raised: clients reclaim");
        }
        assertEquals(1, events.events.stream().filter(e -> e.startsWith("NLM_STATE_LOST")).count(),
                events.events.toString());
        assertTrue(Files.exists(meta.resolve(LockStore.FILE + ".damaged")), "set aside once handled");
        try (LockStore next = new LockStore(meta, home.epoch.get())) {
            assertEquals(null, next.lost(), "handled: not reported again");
        }
    }

    @Test
    void aRaiseWhoseNoticesNeverWentIsToldAtTheNextOpenWithTheCurrentState(@TempDir Path dir) throws Exception {
        Fixture.RecordingEvents events = new Fixture.RecordingEvents();
        Fixture.TestVolumes volumes = new Fixture.TestVolumes();
        Fixture.TestVolume home = volume(volumes, dir, "v1");
        int state;
        try (ClientHost host = new ClientHost()) {
            NlmSettings settings = new NlmSettings(100_000, 45_000, 5_000, host.port);
            try (VolumeState v1 = new VolumeState(volumes, "v1", home.root, NfsSettings.DEFAULTS, events);
                    Locks locks = new Locks("A", v1, List.of(v1), settings, events, PEERS)) {
                v1.open();
                assertEquals(Nlm4.GRANTED_OK, lockFrom(locks, new Locks.Place(v1, v1.current(), 42), args(1)));
                state = locks.state();
            }
            // two losses, each raised and then killed before a callback ran
            NsmState killed = new NsmState(home.root.resolve(FileIds.META), PEERS, home.epoch.get());
            killed.raise();
            killed.raise();
            home.epoch.incrementAndGet(); // the peer takes the volume over
            try (VolumeState v1 = new VolumeState(volumes, "v1", home.root, NfsSettings.DEFAULTS, events);
                    Locks locks = new Locks("A", v1, List.of(v1), settings, events, PEERS)) {
                v1.open();
                assertEquals(state + 4, locks.state());
                awaitTold(events, state + 4);
            }
            List<ClientHost.Call> notices = host.calls(Nlm4.NSM_PROGRAM, Nlm4.SM_NOTIFY);
            assertEquals(1, notices.size(), "the current state, once");
            XdrNlm.StatChange n = new XdrNlm.StatChange(true);
            n.decode(notices.get(0).xdr());
            assertEquals(state + 4, n.state);
            assertEquals(TestServer.ADDRESS, n.name, "the server's name as the client called it");
        }
        assertEquals(List.of("personality A: clients not told of NSM state " + (state + 4) + " " + NOT_TOLD),
                events.warnings.stream().filter(w -> w.contains(NOT_TOLD)).toList());
    }

    @Test
    void aNoticeThatWentIsNotSentAgainAtTheNextOpen(@TempDir Path dir) throws Exception {
        Fixture.RecordingEvents events = new Fixture.RecordingEvents();
        Fixture.TestVolumes volumes = new Fixture.TestVolumes();
        Fixture.TestVolume home = volume(volumes, dir, "v1");
        try (ClientHost host = new ClientHost()) {
            NlmSettings settings = new NlmSettings(100_000, 45_000, 5_000, host.port);
            int state;
            try (VolumeState v1 = new VolumeState(volumes, "v1", home.root, NfsSettings.DEFAULTS, events);
                    Locks locks = new Locks("A", v1, List.of(v1), settings, events, PEERS)) {
                v1.open();
                assertEquals(Nlm4.GRANTED_OK, lockFrom(locks, new Locks.Place(v1, v1.current(), 42), args(1)));
                locks.simulateCrash(List.of(v1));
                state = locks.state();
                awaitTold(events, state);
            }
            assertEquals(1, host.calls(Nlm4.NSM_PROGRAM, Nlm4.SM_NOTIFY).size());
            home.epoch.incrementAndGet(); // the peer takes the volume over
            try (VolumeState v1 = new VolumeState(volumes, "v1", home.root, NfsSettings.DEFAULTS, events);
                    Locks locks = new Locks("A", v1, List.of(v1), settings, events, PEERS)) {
                v1.open();
                assertEquals(state, locks.state());
                // queued behind whatever the open queued: once it has arrived, a notice sent again would have too
                locks.callback("a marker", TestServer.ADDRESS, 0x20000001, 1, 7, new XdrNlm.Status());
                Fixture.await("the marker call", WAIT, () -> !host.calls(0x20000001, 7).isEmpty());
            }
            assertEquals(1, host.calls(Nlm4.NSM_PROGRAM, Nlm4.SM_NOTIFY).size(), "told once");
        }
        assertTrue(events.warnings.stream().noneMatch(w -> w.contains(NOT_TOLD)), events.warnings.toString());
    }

    @Test
    void aSimulatedCrashKilledBetweenTheRaiseAndTheClearLeavesTheLocksAndTheNoticesOwed(@TempDir Path dir)
            throws Exception {
        Fixture.RecordingEvents events = new Fixture.RecordingEvents();
        Fixture.TestVolumes volumes = new Fixture.TestVolumes();
        Fixture.TestVolume home = volume(volumes, dir.resolve("running"), "v1");
        Fixture.TestVolume other = volume(volumes, dir.resolve("running"), "v2");
        Path killedAt = dir.resolve("killed");
        // the killed SCM's notices go to a port where nothing listens: only the next owner's reach the client
        NlmSettings dead = new NlmSettings(100_000, 45_000, 1_000, Fixture.freePort());
        int state;
        try (VolumeState v1 = new VolumeState(volumes, "v1", home.root, NfsSettings.DEFAULTS, events);
                VolumeState v2 = new VolumeState(volumes, "v2", other.root, NfsSettings.DEFAULTS, events);
                Locks locks = new Locks("A", v1, List.of(v1, v2), dead, events, PEERS)) {
            v1.open();
            v2.open();
            assertEquals(Nlm4.GRANTED_OK, lockFrom(locks, new Locks.Place(v1, v1.current(), 42), args(1)));
            assertEquals(Nlm4.GRANTED_OK, lockFrom(locks, new Locks.Place(v2, v2.current(), 7), args(1)));
            state = locks.state();
            // the kill: v1's locks cleared and forced, v2's not cleared yet
            AtomicBoolean once = new AtomicBoolean();
            home.onFence = () -> {
                if (once.compareAndSet(false, true)) {
                    copy(home.root, killedAt.resolve("v1"));
                    copy(other.root, killedAt.resolve("v2"));
                }
            };
            locks.simulateCrash(List.of(v1, v2));
            assertTrue(once.get(), "the volume fenced after its clear");
        }
        Fixture.TestVolumes after = new Fixture.TestVolumes();
        Fixture.TestVolume home2 = volume(after, killedAt, "v1");
        Fixture.TestVolume other2 = volume(after, killedAt, "v2");
        home2.epoch.set(home.epoch.get() + 1); // the peer takes the volumes over
        other2.epoch.set(other.epoch.get() + 1);
        try (ClientHost host = new ClientHost();
                VolumeState v1 = new VolumeState(after, "v1", home2.root, NfsSettings.DEFAULTS, events);
                VolumeState v2 = new VolumeState(after, "v2", other2.root, NfsSettings.DEFAULTS, events);
                Locks locks = new Locks("A", v1, List.of(v1, v2), new NlmSettings(100_000, 45_000, 5_000, host.port),
                        events, PEERS)) {
            v1.open();
            v2.open();
            assertEquals(state + 2, locks.state(), "raised before any lock went");
            XdrNlm.LockArgs conflicting = args(2);
            conflicting.lock.offset = args(1).lock.offset;
            assertEquals(Nlm4.DENIED_GRACE_PERIOD, lockFrom(locks, new Locks.Place(v1, v1.current(), 42), conflicting),
                    "the grace recorded with the raise goes on: host-1 is still to reclaim");
            // which table was cleared shows to a request the grace admits: a reclaim (of host-2's, here)
            conflicting.reclaim = true;
            assertEquals(Nlm4.DENIED, lockFrom(locks, new Locks.Place(v2, v2.current(), 7), conflicting),
                    "host-1's lock on v2 was not cleared: it holds");
            assertEquals(Nlm4.GRANTED_OK, lockFrom(locks, new Locks.Place(v1, v1.current(), 42), conflicting),
                    "host-1's lock on v1 was cleared");
            awaitTold(events, state + 2);
            List<ClientHost.Call> notices = host.calls(Nlm4.NSM_PROGRAM, Nlm4.SM_NOTIFY);
            assertEquals(1, notices.size(), notices.toString());
            XdrNlm.StatChange n = new XdrNlm.StatChange(true);
            n.decode(notices.get(0).xdr());
            assertEquals(state + 2, n.state, "host-1 reclaims");
        }
        assertEquals(1, events.warnings.stream().filter(w -> w.contains("clients not told of NSM state " + (state + 2)
                + " " + NOT_TOLD)).count(), events.warnings.toString());
    }

    @Test
    void aLossIsFoundAndToldWhenTheVolumeIsServedAndItsGraceAdmitsOnlyReclaims(@TempDir Path dir) throws Exception {
        Fixture.RecordingEvents events = new Fixture.RecordingEvents();
        Fixture.TestVolumes volumes = new Fixture.TestVolumes();
        Fixture.TestVolume home = volume(volumes, dir, "v1");
        try (ClientHost host = new ClientHost()) {
            NlmSettings settings = new NlmSettings(100_000, 60_000, 5_000, host.port);
            int state;
            try (VolumeState v1 = new VolumeState(volumes, "v1", home.root, NfsSettings.DEFAULTS, events);
                    Locks locks = new Locks("A", v1, List.of(v1), settings, events, PEERS)) {
                assertEquals(Nlm4.GRANTED_OK, lockFrom(locks, new Locks.Place(v1, v1.current(), 42), args(1)));
                state = locks.state();
            }
            damage(home);
            home.epoch.incrementAndGet(); // the peer takes the volume over
            try (VolumeState v1 = new VolumeState(volumes, "v1", home.root, NfsSettings.DEFAULTS, events);
                    Locks locks = new Locks("A", v1, List.of(v1), settings, events, PEERS)) {
                locks.serve(); // what the opMode that gives this SCM the personality does: no lock request follows
                Fixture.await("SM_NOTIFY with no request", WAIT,
                        () -> !host.calls(Nlm4.NSM_PROGRAM, Nlm4.SM_NOTIFY).isEmpty());
                XdrNlm.StatChange n = new XdrNlm.StatChange(true);
                n.decode(host.calls(Nlm4.NSM_PROGRAM, Nlm4.SM_NOTIFY).get(0).xdr());
                assertEquals(state + 2, n.state, "the raised state: host-1 reclaims");
                String started = only(events, "NLM_GRACE_STARTED");
                assertTrue(started.contains("graceMs=60000") && started.contains("resumed=false")
                        && started.contains("volume=v1") && started.contains("was lost"), started);

                Locks.Place place = new Locks.Place(v1, v1.current(), 42);
                assertEquals(Nlm4.DENIED_GRACE_PERIOD, lockFrom(locks, place, args(2)), "a new lock in the grace");
                assertEquals(Nlm4.DENIED_GRACE_PERIOD, locks.test(place, args(2).lock.owner(), true, 0, 0),
                        "a TEST in the grace");
                XdrNlm.LockArgs reclaim = args(1);
                reclaim.reclaim = true;
                assertEquals(Nlm4.GRANTED_OK, lockFrom(locks, place, reclaim), "host-1 reclaims its lock");
                XdrNlm.LockArgs again = args(1);
                again.lock.offset = 500;
                assertEquals(Nlm4.DENIED_GRACE_PERIOD, lockFrom(locks, place, again),
                        "a reclaiming host's new lock waits for the grace's end too");
            }
        }
        assertTrue(events.events.stream().noneMatch(e -> e.startsWith("NLM_GRACE_ENDED")), events.events.toString());
    }

    @Test
    void aGraceSurvivesARestartAndATakeoverForTheTimeLeftAndEndsThen(@TempDir Path dir) throws Exception {
        Fixture.RecordingEvents events = new Fixture.RecordingEvents();
        Fixture.TestVolumes volumes = new Fixture.TestVolumes();
        Fixture.TestVolume home = volume(volumes, dir, "v1");
        AtomicLong clock = new AtomicLong(1_900_000_000_000L);
        long lostAt = clock.get();
        try (ClientHost host = new ClientHost()) {
            NlmSettings settings = new NlmSettings(100_000, 60_000, 5_000, host.port);
            try (VolumeState v1 = new VolumeState(volumes, "v1", home.root, NfsSettings.DEFAULTS, events);
                    Locks locks = new Locks("A", v1, List.of(v1), settings, events, PEERS, clock::get)) {
                assertEquals(Nlm4.GRANTED_OK, lockFrom(locks, new Locks.Place(v1, v1.current(), 42), args(1)));
            }
            damage(home);
            int state;
            try (VolumeState v1 = new VolumeState(volumes, "v1", home.root, NfsSettings.DEFAULTS, events);
                    Locks locks = new Locks("A", v1, List.of(v1), settings, events, PEERS, clock::get)) {
                locks.serve();
                Fixture.await("the loss found", WAIT, () -> events.events.stream().anyMatch(e -> e.startsWith("NLM_STATE_LOST")));
                state = locks.state();
                awaitTold(events, state);
            }

            // this SCM restarts 30 s into the grace: the same epoch, the state read again
            clock.set(lostAt + 30_000);
            try (VolumeState v1 = new VolumeState(volumes, "v1", home.root, NfsSettings.DEFAULTS, events);
                    Locks locks = new Locks("A", v1, List.of(v1), settings, events, PEERS, clock::get)) {
                Locks.Place place = new Locks.Place(v1, v1.current(), 42);
                assertEquals(Nlm4.DENIED_GRACE_PERIOD, lockFrom(locks, place, args(2)), "the grace goes on");
                XdrNlm.LockArgs reclaim = args(1);
                reclaim.reclaim = true;
                assertEquals(Nlm4.GRANTED_OK, lockFrom(locks, place, reclaim), "a reclaim is admitted");
                assertEquals(state, locks.state(), "not raised again: nothing more was lost");
            }
            assertEquals(List.of("volume=v1, graceMs=30000"), resumed(events), "the 30 s left, not a new full grace");

            // the peer takes the volume over 300 ms before the grace's end
            clock.set(lostAt + 59_700);
            home.epoch.incrementAndGet();
            try (VolumeState v1 = new VolumeState(volumes, "v1", home.root, NfsSettings.DEFAULTS, events);
                    Locks locks = new Locks("A", v1, List.of(v1), settings, events, PEERS, clock::get)) {
                locks.serve();
                Fixture.await("the grace's end", WAIT, () -> events.events.stream().anyMatch(e -> e.startsWith("NLM_GRACE_ENDED")));
                Locks.Place place = new Locks.Place(v1, v1.current(), 42);
                assertEquals(Nlm4.GRANTED_OK, lockFrom(locks, place, args(2)), "every lock admitted after the grace");
                XdrNlm.LockArgs conflicting = args(3);
                conflicting.lock.offset = args(1).lock.offset;
                assertEquals(Nlm4.DENIED, lockFrom(locks, place, conflicting), "host-1's reclaimed lock holds");
            }
            assertEquals(List.of("volume=v1, graceMs=30000", "volume=v1, graceMs=300"), resumed(events));
            assertEquals(null, new NsmState(home.root.resolve(FileIds.META), PEERS, home.epoch.get()).grace("v1"),
                    "its end recorded: nothing to resume any more");
            assertEquals(1, host.calls(Nlm4.NSM_PROGRAM, Nlm4.SM_NOTIFY).size(), "told once, at the loss");
        }
        assertTrue(only(events, "NLM_GRACE_ENDED").contains("volume=v1"), events.events.toString());
    }

    @Test
    void aTakeoverWithTheLockStateIntactReadsItAtOnceAndHasNoGrace(@TempDir Path dir) throws Exception {
        Fixture.RecordingEvents events = new Fixture.RecordingEvents();
        Fixture.TestVolumes volumes = new Fixture.TestVolumes();
        Fixture.TestVolume home = volume(volumes, dir, "v1");
        AtomicLong clock = new AtomicLong(1_900_000_000_000L);
        try (ClientHost host = new ClientHost()) {
            NlmSettings settings = new NlmSettings(100_000, 60_000, 5_000, host.port);
            try (VolumeState v1 = new VolumeState(volumes, "v1", home.root, NfsSettings.DEFAULTS, events);
                    Locks locks = new Locks("A", v1, List.of(v1), settings, events, PEERS, clock::get)) {
                assertEquals(Nlm4.GRANTED_OK, lockFrom(locks, new Locks.Place(v1, v1.current(), 42), args(1)));
            }
            // a loss long ago, whose grace ran out while nobody served the volume (its end was never recorded)
            NsmState earlier = new NsmState(home.root.resolve(FileIds.META), PEERS, home.epoch.get());
            earlier.raise(List.of("v1"), new NsmState.Grace(clock.get() - 1_000, "an earlier loss"), clock.get() - 61_000);
            earlier.told(earlier.state());
            int state = earlier.state();

            home.epoch.incrementAndGet(); // the peer takes the volume over
            Path log = home.root.resolve(FileIds.META).resolve(LockStore.FILE);
            try (VolumeState v1 = new VolumeState(volumes, "v1", home.root, NfsSettings.DEFAULTS, events);
                    Locks locks = new Locks("A", v1, List.of(v1), settings, events, PEERS, clock::get)) {
                locks.serve();
                Fixture.await("the log read at the start of serving", WAIT, () -> {
                    try {
                        return LockStore.newestEpoch(log) == home.epoch.get();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
                Locks.Place place = new Locks.Place(v1, v1.current(), 42);
                assertEquals(Nlm4.GRANTED_OK, lockFrom(locks, place, args(2)), "no grace: a new lock at once");
                assertEquals(null, locks.test(place, args(3).lock.owner(), true, 500, 599), "a TEST is answered");
                XdrNlm.LockArgs conflicting = args(3);
                conflicting.lock.offset = args(1).lock.offset;
                assertEquals(Nlm4.DENIED, lockFrom(locks, place, conflicting), "host-1's lock is held");
                assertEquals(state, locks.state(), "the NSM state unchanged");
                // queued behind whatever the open queued: once it has arrived, a notice would have too
                locks.callback("a marker", TestServer.ADDRESS, 0x20000001, 1, 7, new XdrNlm.Status());
                Fixture.await("the marker call", WAIT, () -> !host.calls(0x20000001, 7).isEmpty());
            }
            assertEquals(List.of(), host.calls(Nlm4.NSM_PROGRAM, Nlm4.SM_NOTIFY), "no client told anything");
        }
        assertTrue(events.events.stream().noneMatch(e -> e.startsWith("NLM_")), events.events.toString());
    }

    @Test
    void aLossWhoseDamagedLogCannotBeSetAsideIsToldOnceAndItsVolumeServedOnceItIs(@TempDir Path dir)
            throws Exception {
        Fixture.RecordingEvents events = new Fixture.RecordingEvents();
        Fixture.TestVolumes volumes = new Fixture.TestVolumes();
        Fixture.TestVolume home = volume(volumes, dir, "v1");
        Fixture.TestVolume other = volume(volumes, dir, "v2");
        // the state thread's tries of v2, counted by its looking the volume up (no request runs meanwhile)
        AtomicInteger tries = new AtomicInteger();
        Volumes counting = name -> {
            if (name.equals("v2") && Thread.currentThread().getName().equals("hasm-nlm-A-state")) {
                tries.incrementAndGet();
            }
            return volumes.volume(name);
        };
        try (ClientHost host = new ClientHost()) {
            NlmSettings settings = new NlmSettings(100_000, 60_000, 5_000, host.port);
            int state;
            try (VolumeState v1 = new VolumeState(volumes, "v1", home.root, NfsSettings.DEFAULTS, events);
                    VolumeState v2 = new VolumeState(volumes, "v2", other.root, NfsSettings.DEFAULTS, events);
                    Locks locks = new Locks("A", v1, List.of(v1, v2), settings, events, PEERS)) {
                assertEquals(Nlm4.GRANTED_OK, lockFrom(locks, new Locks.Place(v1, v1.current(), 42), args(1)));
                assertEquals(Nlm4.GRANTED_OK, lockFrom(locks, new Locks.Place(v2, v2.current(), 7), args(2)));
                state = locks.state();
            }
            damage(other);
            // v2 can no longer be renamed on (remounted read-only, say) while v1 stays writable: here a folder
            // that is not empty stands where the damaged log would go, so that every rename fails
            Path meta = other.root.resolve(FileIds.META);
            Path aside = meta.resolve(LockStore.FILE + ".damaged");
            Files.createDirectories(aside.resolve("in-the-way"));
            home.epoch.incrementAndGet(); // the peer takes the personality over
            other.epoch.incrementAndGet();
            try (VolumeState v1 = new VolumeState(counting, "v1", home.root, NfsSettings.DEFAULTS, events);
                    VolumeState v2 = new VolumeState(counting, "v2", other.root, NfsSettings.DEFAULTS, events);
                    Locks locks = new Locks("A", v1, List.of(v1, v2), settings, events, PEERS)) {
                locks.serve();
                Fixture.await("the loss told", WAIT, () -> host.calls(Nlm4.NSM_PROGRAM, Nlm4.SM_NOTIFY).size() >= 2);
                int seen = tries.get();
                // three more tries (each looks v2 up twice): 250, 500 and 1,000 ms apart
                Fixture.await("three more tries of v2", Duration.ofSeconds(30), () -> tries.get() >= seen + 6);
                assertEquals(state + 2, locks.state(), "raised once for the loss, not again at each try");

                Locks.Place there = new Locks.Place(v2, v2.current(), 7);
                assertEquals(Nlm4.DENIED_GRACE_PERIOD, lockFrom(locks, there, args(3)), "a new lock: the grace");
                XdrNlm.LockArgs reclaim = args(2);
                reclaim.reclaim = true;
                assertThrows(Locks.Dropped.class, () -> lockFrom(locks, there, reclaim),
                        "a reclaim that cannot be recorded yet gets no reply: the client sends it again");
                assertEquals(Nlm4.GRANTED_OK, locks.unlock(there, args(2).lock), "an unlock: it went with the log");
                assertEquals(state + 2, locks.state(), "nor raised at a request");
                XdrNlm.LockArgs conflicting = args(3);
                conflicting.lock.offset = args(1).lock.offset;
                assertEquals(Nlm4.DENIED, lockFrom(locks, new Locks.Place(v1, v1.current(), 42), conflicting),
                        "v1's state was not lost: host-1's lock holds, and v1 has no grace");

                Fixture.deleteTree(aside); // v2 writable again
                Fixture.await("the damaged log set aside", Duration.ofSeconds(30), () -> {
                    synchronized (events.infos) {
                        return events.infos.stream().anyMatch(i -> i.contains("damaged lock log is set aside now"));
                    }
                });
                assertEquals(Nlm4.GRANTED_OK, lockFrom(locks, there, reclaim), "host-2 reclaims its lock");
                assertEquals(Nlm4.DENIED_GRACE_PERIOD, lockFrom(locks, there, args(3)), "the grace goes on");
                assertEquals(state + 2, locks.state());
                // queued behind every notice the tries could have queued: once it has arrived, they would have too
                locks.callback("a marker", TestServer.ADDRESS, 0x20000001, 1, 7, new XdrNlm.Status());
                Fixture.await("the marker call", WAIT, () -> !host.calls(0x20000001, 7).isEmpty());
            }
            assertEquals(2, host.calls(Nlm4.NSM_PROGRAM, Nlm4.SM_NOTIFY).size(), "each of the two hosts told once");
            assertTrue(Files.isRegularFile(aside), "the damaged log kept aside");
            try (LockStore read = new LockStore(meta, other.epoch.get())) {
                assertEquals(null, read.lost(), "the new log reads");
                assertTrue(read.table().describe().contains("host-2"), read.table().describe());
            }
        }
        assertEquals(1, events.events.stream().filter(e -> e.startsWith("NLM_STATE_LOST ")).count(),
                events.events.toString());
        assertEquals(1, events.warnings.stream().filter(w -> w.contains("could not be set aside")).count(),
                events.warnings.toString());
    }

    @Test
    void aRequestOnAVolumeWhoseDamagedLogIsNotSetAsideYetRaisesNothingMoreAndANewOwnerReadsItAgain(@TempDir Path dir)
            throws Exception {
        Fixture.RecordingEvents events = new Fixture.RecordingEvents();
        Fixture.TestVolumes volumes = new Fixture.TestVolumes();
        Fixture.TestVolume home = volume(volumes, dir, "v1");
        Fixture.TestVolume other = volume(volumes, dir, "v2");
        // no grace period: what a request gets on v2 comes of its log not being set aside, not of a grace
        NlmSettings settings = new NlmSettings(100_000, 0, 1_000, Fixture.freePort());
        int state;
        try (VolumeState v1 = new VolumeState(volumes, "v1", home.root, NfsSettings.DEFAULTS, events);
                VolumeState v2 = new VolumeState(volumes, "v2", other.root, NfsSettings.DEFAULTS, events);
                Locks locks = new Locks("A", v1, List.of(v1, v2), settings, events, PEERS)) {
            assertEquals(Nlm4.GRANTED_OK, lockFrom(locks, new Locks.Place(v2, v2.current(), 7), args(1)));
            state = locks.state();
        }
        damage(other);
        Path aside = other.root.resolve(FileIds.META).resolve(LockStore.FILE + ".damaged");
        Files.createDirectories(aside.resolve("in-the-way"));
        try (VolumeState v1 = new VolumeState(volumes, "v1", home.root, NfsSettings.DEFAULTS, events);
                VolumeState v2 = new VolumeState(volumes, "v2", other.root, NfsSettings.DEFAULTS, events);
                Locks locks = new Locks("A", v1, List.of(v1, v2), settings, events, PEERS)) {
            Locks.Place there = new Locks.Place(v2, v2.current(), 7);
            // a lock request comes first, finds the loss and tells it; the log cannot be set aside
            assertEquals(Nlm4.DENIED_GRACE_PERIOD, lockFrom(locks, there, args(3)),
                    "nothing is granted that cannot be kept");
            assertEquals(state + 2, locks.state());
            assertEquals(Nlm4.DENIED_GRACE_PERIOD, lockFrom(locks, there, args(3)), "asked again: the same answer");
            assertEquals(Nlm4.DENIED_GRACE_PERIOD, locks.test(there, args(3).lock.owner(), true, 0, 0));
            locks.freeAll("host-1", List.of(v1, v2)); // a client's SM_NOTIFY: nothing of it is on v2 any more
            assertEquals(state + 2, locks.state(), "the same loss is not told again");

            // v2 changed hands and came back (a failback): a new reading, which finds the loss and tells it again
            other.epoch.incrementAndGet();
            assertEquals(Nlm4.DENIED_GRACE_PERIOD, lockFrom(locks, new Locks.Place(v2, v2.current(), 7), args(3)));
            assertEquals(state + 4, locks.state());

            Fixture.deleteTree(aside); // v2 writable again: the state thread, started by the request, sets it aside
            Fixture.await("the damaged log set aside", Duration.ofSeconds(30), () -> {
                synchronized (events.infos) {
                    return events.infos.stream().anyMatch(i -> i.contains("damaged lock log is set aside now"));
                }
            });
            assertEquals(Nlm4.GRANTED_OK, lockFrom(locks, new Locks.Place(v2, v2.current(), 7), args(3)));
            assertEquals(state + 4, locks.state());
        }
        assertEquals(2, events.events.stream().filter(e -> e.startsWith("NLM_STATE_LOST ")).count(),
                events.events.toString());
    }

    /** @return the one event of that name */
    private static String only(Fixture.RecordingEvents events, String name) {
        List<String> found = events.events.stream().filter(e -> e.startsWith(name + " ")).toList();
        assertEquals(1, found.size(), events.events.toString());
        return found.get(0);
    }

    /** @return "volume=V, graceMs=N" of every grace resumed so far */
    private static List<String> resumed(Fixture.RecordingEvents events) {
        synchronized (events.events) {
            return events.events.stream().filter(e -> e.startsWith("NLM_GRACE_STARTED ") && e.contains("resumed=true"))
                    .map(e -> e.replaceAll(".*graceMs=(\\d+).*volume=(\\w+).*", "volume=$2, graceMs=$1")).toList();
        }
    }

    /** Damages the last record of the volume's lock log on the disk: its lock state is lost. */
    private static void damage(Fixture.TestVolume v) throws IOException {
        Path log = v.root.resolve(FileIds.META).resolve(LockStore.FILE);
        byte[] bytes = Files.readAllBytes(log);
        bytes[bytes.length - 5] ^= 0x10;
        Files.write(log, bytes);
    }

    private static void awaitTold(Fixture.RecordingEvents events, int state) {
        Fixture.await("the clients told of NSM state " + state, WAIT, () -> {
            synchronized (events.infos) {
                return events.infos.stream().anyMatch(i -> i.endsWith(" told of NSM state " + state));
            }
        });
    }

    /** The files of a volume as they are now: what a kill at this moment leaves for the next owner. */
    private static void copy(Path from, Path to) {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : all.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Fixture.TestVolume volume(Fixture.TestVolumes volumes, Path dir, String name) throws Exception {
        Fixture.TestVolume v = new Fixture.TestVolume(name, Files.createDirectories(dir.resolve(name)));
        volumes.owned.put(name, v);
        return v;
    }

    private static int lock(Locks locks, Locks.Place place, int host) throws Exception {
        return locks.lock(place, args(host), true, "10.0.0." + host, "127.0.0.1");
    }

    /** A monitored lock of a client host that answers callbacks (a {@link ClientHost}, on the loopback address). */
    private static int lockFrom(Locks locks, Locks.Place place, XdrNlm.LockArgs a) throws Exception {
        return locks.lock(place, a, true, TestServer.ADDRESS, TestServer.ADDRESS);
    }

    /** An exclusive lock of host {@code host} on bytes of its own: no two hosts conflict. */
    private static XdrNlm.LockArgs args(int host) {
        XdrNlm.LockArgs a = new XdrNlm.LockArgs();
        a.exclusive = true;
        a.lock.callerName = "host-" + host;
        a.lock.oh = new byte[] {(byte) host};
        a.lock.svid = host;
        a.lock.offset = host * 100L;
        a.lock.length = 10;
        return a;
    }

    private static List<String> peers(Fixture.TestVolume home) throws Exception {
        NsmState read = new NsmState(home.root.resolve(FileIds.META), PEERS, home.epoch.get());
        return read.peers().stream().map(NsmState.Peer::name).sorted().toList();
    }
}
