package org.hasm.nas.nfs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
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
