package org.hasm.psom.internal;

import static org.hasm.psom.internal.Cores.bytes;
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
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.hasm.psom.internal.Cores.Scm;
import org.hasm.spi.shared.Persistence;
import org.hasm.spi.shared.SharedObjectException.Reason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pruning tombstones ({@link Psom#prune}): a tombstone goes once it is older than its lifetime and
 * the SLAVE dropped its own first, and no SCM brings a pruned object back, neither one that was
 * away when the object was deleted nor one whose store was copied back from an older state.
 */
class PruneTest {
    /** Old enough at once: these tests are about who holds what, not about the clock. */
    private static final Duration SHORT = Duration.ofMillis(1);

    @TempDir
    Path data;

    private Cores cores;

    @AfterEach
    void close() {
        if (cores != null) {
            cores.close();
        }
    }

    private Scm[] pair(Duration lifetime) throws Exception {
        cores = new Cores(lifetime);
        return cores.pair(data);
    }

    private static void delete(Psom p, String name) throws Exception {
        p.delete(p.lock(name, Duration.ofSeconds(1), "test#1"));
    }

    private static boolean fileOf(Scm s, String name) {
        return Files.exists(new ObjectStore(s.dir, step -> { }).fileOf(name));
    }

    /** Runs rounds of pruning on the MASTER until it pruned something (the tombstone reached its age). */
    private static void pruneOnce(Scm master) {
        Await.until("a round of pruning removes a tombstone", () -> master.core.prune() > 0,
                () -> master.core.tombstones() + " tombstones on " + master.name);
    }

    private boolean logged(String scm, String text) {
        synchronized (cores.logged) {
            return cores.logged.stream().anyMatch(l -> l.startsWith(scm + ": ") && l.contains(text));
        }
    }

    @Test
    void aTombstoneOldEnoughIsPrunedOnTheSlaveFirstThenOnTheMaster() throws Exception {
        Scm[] s = pair(SHORT);
        s[0].core.create("x", Persistence.PERSISTENT);
        put(s[0].core, "x", "v");
        delete(s[0].core, "x");
        assertEquals(1, s[0].core.tombstones());
        assertEquals(1, s[1].core.tombstones(), "the SLAVE holds the tombstone too");
        assertTrue(fileOf(s[0], "x") && fileOf(s[1], "x"));

        pruneOnce(s[0]);
        assertEquals(0, s[0].core.tombstones());
        assertEquals(0, s[1].core.tombstones());
        assertFalse(fileOf(s[0], "x") || fileOf(s[1], "x"), "the tombstone's file is gone on both");
        assertEquals(1, s[0].core.pruned().generation());
        assertEquals(1, s[1].core.pruned().generation());
        assertEquals(1, s[0].core.pruned().confirmed(), "the SLAVE confirmed the round");
        assertTrue(logged("scm-a", "pruned 1 tombstones"), cores.logged.toString());
        assertTrue(logged("scm-b", "pruned 1 tombstones"), cores.logged.toString());

        // both power-cycled: nothing comes back, and the pruning state is kept
        s[0].boot("scm-b");
        s[1].boot("scm-a");
        s[0].core.master(false);
        s[1].core.slave();
        assertFalse(s[0].core.exists("x") || s[1].core.exists("x"));
        assertEquals(0, s[0].core.tombstones() + s[1].core.tombstones());
        assertEquals(1, s[1].core.pruned().generation());
    }

    @Test
    void aTombstoneYoungerThanItsLifetimeIsKept() throws Exception {
        Scm[] s = pair(Duration.ofDays(1));
        s[0].core.create("x", Persistence.PERSISTENT);
        delete(s[0].core, "x");
        assertEquals(0, s[0].core.prune());
        assertEquals(1, s[0].core.tombstones());
        assertEquals(1, s[1].core.tombstones());
    }

    @Test
    void aTombstoneIsKeptWhileTheSlaveHasNotConfirmedDroppingItsOwn() throws Exception {
        Scm[] s = pair(SHORT);
        s[0].core.create("x", Persistence.PERSISTENT);
        delete(s[0].core, "x");
        // the link fails before the MASTER finds the peer dead: it still counts it a replica
        cut(s[0], s[1]);
        assertTrue(s[0].core.peerReplica());
        Await.until("the MASTER tries a round with the tombstone old enough, and gives up", () -> {
            assertEquals(0, s[0].core.prune());
            return logged("scm-a", "tombstones not pruned");
        }, () -> cores.logged);
        assertEquals(1, s[0].core.tombstones(), "not confirmed by the SLAVE: kept");
        // a SLAVE that is not one any more (stopped) refuses: kept again
        link(s[0], s[1]);
        s[1].core.alone();
        assertEquals(0, s[0].core.prune());
        assertEquals(1, s[0].core.tombstones());
        assertEquals(1, s[1].core.tombstones());
        // a SLAVE again: pruned on both
        s[1].core.slave();
        pruneOnce(s[0]);
        assertEquals(0, s[0].core.tombstones() + s[1].core.tombstones());
    }

    @Test
    void aSlaveAwayWhenTheObjectWasDeletedCannotBringItBack() throws Exception {
        Scm[] s = pair(SHORT);
        s[0].core.create("x", Persistence.PERSISTENT);
        put(s[0].core, "x", "before");
        // scm-b dies; scm-a takes over alone and deletes x
        cut(s[0], s[1]);
        s[0].core.peerGone("test: scm-b dead");
        s[0].core.master(true);
        delete(s[0].core, "x");
        Await.until("the MASTER finds the tombstone old enough and keeps it for the SLAVE", () -> {
            s[0].core.prune();
            return logged("scm-a", "keeps 1 tombstones");
        }, () -> cores.logged);
        assertEquals(1, s[0].core.tombstones(), "kept: the SLAVE was not there to drop x first");

        // scm-b boots with its stale copy and resynchronises: it takes the tombstone
        s[1].boot("scm-a");
        assertEquals("before", value(s[1].core, "x"), "scm-b missed the deletion");
        link(s[0], s[1]);
        s[1].core.slave();
        assertFalse(s[1].core.exists("x"));
        assertFalse(s[0].core.exists("x"));

        // now pruned on both; a later return of either brings nothing back
        pruneOnce(s[0]);
        assertEquals(0, s[0].core.tombstones() + s[1].core.tombstones());
        s[1].boot("scm-a");
        s[1].core.slave();
        assertFalse(s[0].core.exists("x") || s[1].core.exists("x"));
        assertEquals(List.of(), s[0].core.names(""));
    }

    @Test
    void aSlaveBackInTheMiddleOfARoundHasItsStaleCopyRemovedButNotALaterOne() throws Exception {
        Scm[] s = pair(SHORT);
        s[0].core.create("x", Persistence.PERSISTENT);
        s[0].core.create("y", Persistence.PERSISTENT);
        Meta stale = entryMeta(s[1], "x");
        cut(s[0], s[1]);
        s[0].core.peerGone("test");
        delete(s[0].core, "x");
        Meta tombstone = entryMeta(s[0], "x");
        assertTrue(tombstone.newerThan(stale));
        // scm-b is a SLAVE that could not resynchronise yet; the MASTER's round reaches it
        s[1].core.slave();
        byte[] answer = s[1].core.handle(new Wire.Out(Wire.PRUNE).put(1L)
                .putMetas(List.of(tombstone, new Meta("y", Persistence.PERSISTENT, 0, 0, true, 0))).bytes());
        assertEquals(1, Wire.answer(answer).getLong(), "it answers with its generation, now durable");
        assertFalse(s[1].core.exists("x"), "the copy older than the tombstone is removed");
        assertFalse(fileOf(s[1], "x"));
        assertTrue(s[1].core.exists("y"), "a copy later than the pruned stamp stays");
        // only a SLAVE prunes at its peer's request
        Wire.Refused refused = assertThrows(Wire.Refused.class, () -> Wire.answer(
                s[0].core.handle(new Wire.Out(Wire.PRUNE).put(1L).putMetas(List.of(tombstone)).bytes())));
        assertEquals(Reason.UNAVAILABLE, refused.reason);
        assertEquals(1, s[0].core.tombstones());
    }

    /** @return the stamp of the object as the SCM has it on disk */
    private static Meta entryMeta(Scm s, String name) throws IOException {
        Path file = new ObjectStore(s.dir, step -> { }).fileOf(name);
        return ObjectStore.decode(Files.readAllBytes(file), file).entry().meta();
    }

    @Test
    void anObjectCreatedAgainAfterTheSlavePrunedItsTombstoneIsOnBoth() throws Exception {
        Scm[] s = pair(SHORT);
        s[0].core.create("x", Persistence.PERSISTENT);
        put(s[0].core, "x", "one");
        put(s[0].core, "x", "two");
        delete(s[0].core, "x");
        Meta tombstone = entryMeta(s[0], "x");
        // the round stops after the SLAVE dropped its copy, before the MASTER drops its own
        Wire.answer(s[1].core.handle(new Wire.Out(Wire.PRUNE).put(1L).putMetas(List.of(tombstone)).bytes()));
        assertEquals(0, s[1].core.tombstones());
        assertEquals(1, s[0].core.tombstones());
        // the SLAVE creates it again: its stamp must be later than the tombstone the MASTER still holds
        assertTrue(s[1].core.create("x", Persistence.PERSISTENT));
        assertTrue(s[0].core.exists("x"), "the MASTER took the new object over its tombstone");
        put(s[1].core, "x", "three");
        assertEquals("three", value(s[0].core, "x"));
        assertEquals(0, s[0].core.prune(), "x is no tombstone any more");
        assertTrue(s[0].core.exists("x") && s[1].core.exists("x"));
    }

    @Test
    void aSlaveStoreCopiedBackFromBeforeThePruningDoesNotBringPrunedObjectsBack() throws Exception {
        Scm[] s = pair(SHORT);
        s[0].core.create("x", Persistence.PERSISTENT);
        s[0].core.create("y", Persistence.PERSISTENT);
        put(s[0].core, "x", "old");
        put(s[0].core, "y", "kept");
        Path copy = data.resolve("scm-b-copy");
        copyTree(s[1].dir, copy);
        delete(s[0].core, "x");
        pruneOnce(s[0]);
        s[0].core.create("z", Persistence.PERSISTENT);

        // scm-b comes back on the copy of its folder taken before x was deleted
        s[1].core.close();
        replaceTree(copy, s[1].dir);
        s[1].boot("scm-a");
        assertEquals("old", value(s[1].core, "x"));
        assertEquals(0, s[1].core.pruned().generation());
        s[1].core.slave();
        assertFalse(s[1].core.exists("x"), "dropped, not given");
        assertFalse(s[0].core.exists("x"), "the MASTER did not take it back");
        assertEquals("kept", value(s[1].core, "y"));
        assertTrue(s[1].core.exists("z"));
        assertTrue(logged("scm-b", "dropped 1 stale ones"), cores.logged.toString());
        assertTrue(logged("scm-a", "scm-b is at pruning generation 0, below the 1"), cores.logged.toString());
        assertEquals(1, s[1].core.pruned().generation(), "it has caught up with the pruning");

        // and neither is behind any more: scm-b takes over alone, and what it wrote alone is given to
        // scm-a when scm-a returns, as before
        cut(s[0], s[1]);
        s[1].core.master(false);
        s[1].core.master(true);
        s[1].core.create("w", Persistence.PERSISTENT);
        s[0].boot("scm-b");
        link(s[0], s[1]);
        s[0].core.slave();
        assertTrue(s[0].core.exists("w"), "given, not dropped");
        assertTrue(s[0].core.exists("y") && s[0].core.exists("z"));
        assertFalse(s[0].core.exists("x") || s[1].core.exists("x"));
    }

    @Test
    void aMasterStoreCopiedBackFromBeforeThePruningDropsWhatOnlyItHoldsAsLoaded() throws Exception {
        Scm[] s = pair(SHORT);
        s[0].core.create("x", Persistence.PERSISTENT);
        s[0].core.create("y", Persistence.PERSISTENT);
        put(s[0].core, "x", "old");
        put(s[0].core, "y", "kept");
        Path copy = data.resolve("scm-a-copy");
        copyTree(s[0].dir, copy);
        delete(s[0].core, "x");
        pruneOnce(s[0]);

        // scm-a comes back as MASTER on the old copy, and writes alone before scm-b resynchronises
        s[0].core.close();
        replaceTree(copy, s[0].dir);
        s[0].boot("scm-b");
        cut(s[0], s[1]);
        s[0].core.master(false);
        s[0].core.create("w", Persistence.PERSISTENT);
        assertEquals("old", value(s[0].core, "x"));
        link(s[0], s[1]);
        s[1].core.slave();
        assertFalse(s[0].core.exists("x"), "dropped on the MASTER, as it loaded it");
        assertFalse(s[1].core.exists("x"), "not given to the SLAVE");
        assertEquals("kept", value(s[1].core, "y"));
        assertTrue(s[1].core.exists("w"), "written since the boot: given as before");
        assertTrue(logged("scm-a", "this SCM's PSOM store is at pruning generation 0, below the 1"),
                cores.logged.toString());
        assertEquals(1, s[0].core.pruned().generation(), "it has caught up with the pruning");
    }

    @Test
    void theBackgroundRoundsPruneOnTheirOwn() throws Exception {
        Scm[] s = pair(Duration.ofMillis(100));
        s[0].core.startPruning();
        s[1].core.startPruning(); // a SLAVE's rounds prune nothing by themselves
        s[0].core.create("x", Persistence.VOLATILE);
        s[0].core.create("y", Persistence.PERSISTENT);
        delete(s[0].core, "x");
        delete(s[0].core, "y");
        // the round logs once its batches are done, a moment after the last tombstone went: both are awaited
        Await.until("both tombstones pruned on both SCMs, and the MASTER's round logged",
                () -> s[0].core.tombstones() + s[1].core.tombstones() == 0 && logged("scm-a", "pruned "),
                () -> s[0].core.tombstones() + " on scm-a, " + s[1].core.tombstones() + " on scm-b; " + cores.logged);
        assertFalse(logged("scm-b", "keeps "), "a SLAVE leaves the rounds to its MASTER, silently: " + cores.logged);
        assertTrue(s[0].core.create("x", Persistence.PERSISTENT));
        assertTrue(s[1].core.exists("x"));
        put(s[0].core, "x", "again");
        assertEquals("again", value(s[1].core, "x"));
    }

    @Test
    void aStandaloneScmPrunesAlone() throws Exception {
        Psom alone = new Psom("scm-a", "(no peer)", new ObjectStore(data.resolve("alone"), step -> { }),
                new Psom.Peer() {
                    @Override
                    public byte[] request(byte[] payload, Duration timeout) throws IOException {
                        throw new IOException("standalone: no peer");
                    }

                    @Override
                    public void send(byte[] payload) throws IOException {
                        throw new IOException("standalone: no peer");
                    }
                }, new Psom.Log() {
                    @Override
                    public void info(String message) {
                    }

                    @Override
                    public void warn(String message) {
                    }
                }, Duration.ofMillis(200), Duration.ofMillis(300), SHORT, true);
        try {
            alone.load();
            alone.master(false);
            alone.create("x", Persistence.PERSISTENT);
            Psom.Handle h = alone.lock("x", Duration.ZERO, "t");
            alone.write(h, bytes("v"));
            alone.delete(h);
            Await.until("pruned alone", () -> alone.prune() > 0, alone::tombstones);
            assertEquals(0, alone.tombstones());
        } finally {
            alone.close();
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path t = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(f, t, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static void replaceTree(Path copy, Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
        copyTree(copy, dir);
    }
}
