package org.hasm.psom.internal;

import static org.hasm.psom.internal.Cores.cut;
import static org.hasm.psom.internal.Cores.link;
import static org.hasm.psom.internal.Cores.put;
import static org.hasm.psom.internal.Cores.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.hasm.psom.internal.Cores.Scm;
import org.hasm.spi.shared.Persistence;
import org.hasm.spi.shared.SharedObjectException;
import org.hasm.spi.shared.SharedObjectException.Reason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pruning alone while the peer is away ({@link Psom#prune}, {@link Psom#bornAlone}): the tombstones
 * of objects the MASTER created and deleted while the peer was no replica go without it, and no
 * other: not those of objects the peer may hold a copy of (from before the split, written by the peer
 * through the MASTER, owed by its last resynchronisation, kept by the peer when this store failed),
 * nor any after a restart or a takeover, until the peer has resynchronised with this MASTER. Each test
 * ends with the peer back, and nothing deleted back with it.
 */
class PruneAloneTest {
    /** Old enough at once: these tests are about who holds what, not about the clock. */
    private static final Duration SHORT = Duration.ofMillis(1);
    /** Long enough for a round to find a tombstone 1 ms old; a round that can prune never waits this long. */
    private static final Duration ROUNDS = Duration.ofSeconds(5);

    @TempDir
    Path data;

    private final Cores cores = new Cores(SHORT);
    private Scm master;
    private Scm slave;

    @BeforeEach
    void pair() throws Exception {
        Scm[] s = cores.pair(data);
        master = s[0];
        slave = s[1];
    }

    @AfterEach
    void close() {
        cores.close();
    }

    /** The SLAVE is found dead: the MASTER takes over alone (FAILOVER, a new term). */
    private void slaveAway() throws IOException {
        cut(master, slave);
        master.core.master(true);
    }

    /** The SLAVE comes back, as it was (its volatile objects too), and resynchronises. */
    private void slaveBack() throws SharedObjectException {
        link(master, slave);
        slave.core.slave();
        assertTrue(master.core.peerReplica(), cores.logged.toString());
    }

    private static void delete(Psom p, String name) throws Exception {
        p.delete(p.lock(name, Duration.ofSeconds(1), "test#1"));
    }

    private static void createAndDelete(Psom p, String name, Persistence persistence) throws Exception {
        assertTrue(p.create(name, persistence));
        delete(p, name);
    }

    private static boolean fileOf(Scm s, String name) {
        return Files.exists(new ObjectStore(s.dir, step -> { }).fileOf(name));
    }

    /** Runs rounds of pruning on the SCM until it holds {@code left} tombstones; @return how many its rounds pruned */
    private int pruneUntil(Scm s, int left) {
        int[] done = {0};
        Await.until(s.name + " down to " + left + " tombstones", ROUNDS, () -> {
            done[0] += s.core.prune();
            return s.core.tombstones() == left;
        }, () -> s.core.tombstones() + " tombstones; " + cores.logged);
        return done[0];
    }

    /** Runs rounds until the tombstones are well past their lifetime, and a round after that: none may prune. */
    private void pruneNothing(Scm s, int tombstones) {
        long from = System.nanoTime();
        Await.until(s.name + "'s tombstones past their lifetime", ROUNDS, () -> {
            assertEquals(0, s.core.prune(), "pruned alone: " + cores.logged);
            return System.nanoTime() - from > 10 * SHORT.toNanos();
        }, () -> cores.logged);
        assertEquals(0, s.core.prune(), "pruned alone: " + cores.logged);
        assertEquals(tombstones, s.core.tombstones());
        assertTrue(logged(s.name, "keeps "), cores.logged.toString());
    }

    private boolean logged(String scm, String text) {
        synchronized (cores.logged) {
            return cores.logged.stream().anyMatch(l -> l.startsWith(scm + ": ") && l.contains(text));
        }
    }

    private void existsOnNeither(String... names) throws SharedObjectException {
        for (String n : names) {
            assertFalse(master.core.exists(n), n + " back on the MASTER");
            assertFalse(slave.core.exists(n), n + " back on the SLAVE");
        }
    }

    @Test
    void whileTheSlaveIsAwayTheTombstonesOfObjectsCreatedAndDeletedAloneArePrunedAndThoseFromBeforeKept()
            throws Exception {
        master.core.create("before", Persistence.PERSISTENT);
        put(master.core, "before", "v");
        master.core.create("before-volatile", Persistence.VOLATILE);
        master.core.create("kept", Persistence.PERSISTENT);
        put(master.core, "kept", "confirmed in DAC");

        slaveAway();
        delete(master.core, "before");
        delete(master.core, "before-volatile");
        // a WebDAV lock each: created, written, deleted while the SLAVE is away
        master.core.create("http/A/export/lock/1", Persistence.PERSISTENT);
        put(master.core, "http/A/export/lock/1", "owner");
        delete(master.core, "http/A/export/lock/1");
        createAndDelete(master.core, "http/A/export/lock/2", Persistence.VOLATILE);
        master.core.create("http/A/export/lock/3", Persistence.PERSISTENT);
        put(master.core, "http/A/export/lock/3", "confirmed alone");
        put(master.core, "kept", "confirmed alone");
        assertTrue(master.core.bornAlone("http/A/export/lock/1") && master.core.bornAlone("http/A/export/lock/3"));
        assertFalse(master.core.bornAlone("before"), "the SLAVE holds a copy of it");
        assertEquals(4, master.core.tombstones());
        assertTrue(fileOf(master, "http/A/export/lock/1"));

        assertEquals(2, pruneUntil(master, 2));
        assertEquals(2, master.core.prunedAlone());
        assertFalse(fileOf(master, "http/A/export/lock/1"), "the tombstone's file is gone");
        assertTrue(fileOf(master, "before"), "the tombstone the SLAVE needs stays");
        assertEquals(0, master.core.pruned().generation(), "no round of the pair: the SLAVE never held them");
        assertTrue(logged("scm-a", "pruned 2 tombstones held over 1 ms alone"), cores.logged.toString());
        assertTrue(logged("scm-a", "keeps 2 tombstones"), cores.logged.toString());

        // the SLAVE comes back with its copies from before the split, the volatile one too
        assertEquals("v", value(slave.core, "before"));
        assertTrue(slave.core.exists("before-volatile"));
        slaveBack();
        existsOnNeither("before", "before-volatile", "http/A/export/lock/1", "http/A/export/lock/2");
        assertEquals("confirmed alone", value(slave.core, "http/A/export/lock/3"));
        assertEquals("confirmed alone", value(slave.core, "kept"));
        assertEquals(List.of("http/A/export/lock/3", "kept"), master.core.names(""));
        assertEquals(master.core.names(""), slave.core.names(""));

        // the rest goes with the SLAVE, as before
        pruneUntil(master, 0);
        assertEquals(0, slave.core.tombstones());
        existsOnNeither("before", "before-volatile");
    }

    @Test
    void aSlaveBackFromTheDeadOnItsDiskBringsNothingPrunedAloneBackAndMissesNoConfirmedObject() throws Exception {
        master.core.create("old", Persistence.PERSISTENT);
        put(master.core, "old", "from before");
        slaveAway();
        for (int i = 0; i < 50; i++) {
            createAndDelete(master.core, "http/A/export/lock/" + i, i % 2 == 0 ? Persistence.PERSISTENT
                    : Persistence.VOLATILE);
        }
        master.core.create("new", Persistence.PERSISTENT);
        put(master.core, "new", "written alone");
        delete(master.core, "old");
        assertEquals(50, pruneUntil(master, 1));

        // scm-b power-cycled meanwhile: back on what its disk holds
        slave.boot("scm-a");
        assertEquals("from before", value(slave.core, "old"));
        slaveBack();
        existsOnNeither("old");
        assertEquals(List.of("new"), slave.core.names(""));
        assertEquals("written alone", value(slave.core, "new"));
        // and the other way round: scm-a dies, scm-b takes over with everything confirmed
        cut(master, slave);
        slave.core.master(true);
        assertEquals(List.of("new"), slave.core.names(""));
        assertEquals("written alone", value(slave.core, "new"));
    }

    @Test
    void aWriteOfThePeerThroughTheMasterClearsTheMark() throws Exception {
        // the SLAVE is held dead a moment; it still serves as SLAVE, and writes through the MASTER
        master.core.peerGone("test: held dead a moment");
        createAndDelete(master.core, "n", Persistence.PERSISTENT);
        createAndDelete(master.core, "p", Persistence.PERSISTENT);
        assertTrue(master.core.bornAlone("n") && master.core.bornAlone("p"));
        // the SLAVE, which never saw n, creates it: the MASTER keeps its later tombstone, the SLAVE its copy
        assertTrue(slave.core.create("n", Persistence.PERSISTENT));
        assertFalse(master.core.exists("n"));
        assertTrue(slave.core.exists("n"), "the SLAVE holds a copy of n now");
        assertFalse(master.core.bornAlone("n"), "a name the peer wrote is no longer born alone");
        assertTrue(master.core.bornAlone("p"));

        assertEquals(1, pruneUntil(master, 1));
        assertEquals(1, master.core.prunedAlone());
        // the SLAVE resynchronises: the tombstone kept for it deletes its copy
        slave.core.slave();
        existsOnNeither("n", "p");
    }

    @Test
    void afterThePeerIsAReplicaAgainNothingIsMarked() throws Exception {
        slaveAway();
        master.core.create("o", Persistence.PERSISTENT);
        put(master.core, "o", "alone");
        master.core.create("v", Persistence.VOLATILE);
        assertTrue(master.core.bornAlone("o") && master.core.bornAlone("v"));
        slaveBack();
        assertEquals("alone", value(slave.core, "o"));
        assertFalse(master.core.bornAlone("o") || master.core.bornAlone("v"), "the SLAVE holds copies of them now");

        // away again: o and v are deleted, their tombstones kept for the SLAVE's copies; p is born alone
        cut(master, slave);
        master.core.peerGone("test: dead again");
        delete(master.core, "o");
        delete(master.core, "v");
        createAndDelete(master.core, "p", Persistence.PERSISTENT);
        assertFalse(master.core.bornAlone("o") || master.core.bornAlone("v"));
        assertEquals(1, pruneUntil(master, 2));
        slaveBack();
        existsOnNeither("o", "v", "p");
    }

    @Test
    void aMasterRestartedWhileTheSlaveIsAwayPrunesNothingAloneUntilTheSlaveResynchronised() throws Exception {
        master.core.create("shared", Persistence.VOLATILE);
        put(master.core, "shared", "on both");
        master.core.create("before", Persistence.PERSISTENT);
        slaveAway();
        createAndDelete(master.core, "early", Persistence.PERSISTENT);
        assertEquals(1, pruneUntil(master, 0), "alone pruning works before the restart");
        createAndDelete(master.core, "a1", Persistence.PERSISTENT);
        assertTrue(master.core.bornAlone("a1"));

        // scm-a restarts, still alone: its volatile objects are gone, the SLAVE still holds "shared"
        master.boot("scm-b");
        master.core.master(true);
        assertFalse(master.core.exists("shared"));
        assertEquals("on both", value(slave.core, "shared"));
        assertFalse(master.core.bornAlone("a1"), "marks live in memory only");
        // absent here, but not proof that the SLAVE has none: "shared" is the restart's loss, not a new name
        createAndDelete(master.core, "shared", Persistence.VOLATILE);
        createAndDelete(master.core, "late", Persistence.PERSISTENT);
        assertFalse(master.core.bornAlone("shared") || master.core.bornAlone("late"));
        pruneNothing(master, 3);
        assertTrue(logged("scm-a", "none is pruned alone before the peer has resynchronised"), cores.logged.toString());

        // the SLAVE returns: its copy of "shared" meets the tombstone and goes; all go with the SLAVE later
        slaveBack();
        existsOnNeither("shared", "a1", "late", "early");
        assertTrue(slave.core.exists("before"));
        pruneUntil(master, 0);
        // resynchronised with this MASTER since its boot: it prunes alone again when the SLAVE is next away
        cut(master, slave);
        master.core.peerGone("test: dead again");
        createAndDelete(master.core, "again", Persistence.PERSISTENT);
        assertEquals(1, pruneUntil(master, 0));
    }

    @Test
    void aMasterThatTookOverFromItsMasterPrunesNothingAloneUntilThePeerResynchronisedWithIt() throws Exception {
        master.core.create("x", Persistence.PERSISTENT);
        // scm-a (MASTER) creates y while scm-b no longer answers: never confirmed, kept on scm-a's disk
        master.peer = null;
        SharedObjectException e = assertThrows(SharedObjectException.class,
                () -> master.core.create("y", Persistence.PERSISTENT));
        assertEquals(Reason.PEER, e.reason(), e.getMessage());
        assertTrue(master.core.exists("y"));
        // scm-a dies; scm-b takes over, never having seen y, creates it and deletes it
        slave.peer = null;
        slave.core.master(false);
        slave.core.master(true);
        createAndDelete(slave.core, "y", Persistence.PERSISTENT);
        assertFalse(slave.core.bornAlone("y"), "scm-b does not know what scm-a holds");
        pruneNothing(slave, 1);

        // scm-a returns as SLAVE: the survivor's tombstone wins over its unconfirmed y
        master.boot("scm-b");
        link(master, slave);
        master.core.slave();
        existsOnNeither("y");
        assertTrue(slave.core.peerReplica());
        // scm-a has resynchronised with scm-b: alone again, scm-b prunes what it creates and deletes alone
        cut(master, slave);
        slave.core.peerGone("test: dead again");
        createAndDelete(slave.core, "z", Persistence.PERSISTENT);
        assertTrue(slave.core.bornAlone("z"));
        assertEquals(1, pruneUntil(slave, 1), "z alone; y's tombstone stays for scm-a");
        assertTrue(logged("scm-b", "pruned 1 tombstones held over 1 ms alone"), cores.logged.toString());
    }

    @Test
    void namesTheSlaveStillHadToGiveAtTheEndOfItsResynchronisationAreNeverMarked() throws Exception {
        // scm-b, stopped (MONITOR), writes w alone; its resynchronisation is cut before it gives w
        slave.core.alone();
        slave.core.create("w", Persistence.PERSISTENT);
        put(slave.core, "w", "scm-b's");
        slave.tap = (payload, deliver) -> {
            if (payload[0] == Wire.PUSH) {
                throw new IOException("link cut");
            }
            return deliver.to(payload);
        };
        slave.core.slave();
        assertTrue(logged("scm-b", "runs as SLAVE not resynchronised"), cores.logged.toString());
        assertTrue(master.core.peerReplica(), "the MASTER answered the last page");
        assertFalse(master.core.exists("w"));
        slave.tap = null;

        slaveAway();
        createAndDelete(master.core, "w", Persistence.PERSISTENT);
        createAndDelete(master.core, "p", Persistence.PERSISTENT);
        assertFalse(master.core.bornAlone("w"), "scm-b still holds w");
        assertTrue(master.core.bornAlone("p"));
        assertEquals(1, pruneUntil(master, 1));
        slaveBack();
        existsOnNeither("w", "p");
    }

    @Test
    void aCreateThePeerKeptThatThisStoreFailedToKeepIsNeverMarked() throws Exception {
        cores.killAt.set("scm-a:write-" + ObjectStore.STEP_TEMP_FORCED); // the MASTER's own store fails the create
        SharedObjectException e = assertThrows(SharedObjectException.class,
                () -> master.core.create("n", Persistence.PERSISTENT));
        assertEquals(Reason.STORAGE, e.reason(), e.getMessage());
        cores.killAt.set(null);
        assertFalse(master.core.exists("n"));
        assertTrue(slave.core.exists("n"), "replicated before this store failed");

        slaveAway();
        createAndDelete(master.core, "n", Persistence.PERSISTENT);
        createAndDelete(master.core, "p", Persistence.PERSISTENT);
        assertFalse(master.core.bornAlone("n"), "scm-b holds n");
        assertEquals(1, pruneUntil(master, 1));
        slaveBack();
        existsOnNeither("n", "p");
    }
}
