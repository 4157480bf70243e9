package org.hasm.nas.nfs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lock state of a personality with a small NSM table (4 client hosts): a host that released everything
 * makes room for a new one, a host that holds a lock never does, and nothing is forgotten while a volume of
 * the personality is not this SCM's (its locks there are unknown).
 */
class LocksTest {
    private static final int PEERS = 4;

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

    private static Fixture.TestVolume volume(Fixture.TestVolumes volumes, Path dir, String name) throws Exception {
        Fixture.TestVolume v = new Fixture.TestVolume(name, Files.createDirectories(dir.resolve(name)));
        volumes.owned.put(name, v);
        return v;
    }

    private static int lock(Locks locks, Locks.Place place, int host) throws Exception {
        return locks.lock(place, args(host), true, "10.0.0." + host, "127.0.0.1");
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
