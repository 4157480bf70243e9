package org.hasm.psom.internal;

import static org.hasm.psom.internal.Cores.put;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.hasm.psom.internal.Cores.Scm;
import org.hasm.spi.shared.Persistence;
import org.hasm.spi.shared.SharedObjectException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status monitor holds the SLAVE dead a moment while the pair stays in DAC (no failover, no
 * new opMode): once it is seen serving again, the MASTER has it resynchronise and replicates to it
 * again, and flaps of the verdict never run two resynchronisations at once.
 */
class SlaveBackTest {
    private static final Duration SHORT = Duration.ofSeconds(10);

    @TempDir
    Path data;

    private final Cores cores = new Cores(Duration.ofDays(1));
    private Scm master;
    private Scm slave;

    @BeforeEach
    void pair() throws Exception {
        Scm[] s = cores.pair(data);
        master = s[0];
        slave = s[1];
        master.core.create("o", Persistence.PERSISTENT);
        put(master.core, "o", "before");
    }

    @AfterEach
    void close() {
        cores.close();
    }

    private static String valueOf(Psom p) {
        try {
            return p.read("o").map(b -> new String(b, StandardCharsets.UTF_8)).orElse(null);
        } catch (SharedObjectException e) {
            throw new IllegalStateException(e);
        }
    }

    private void awaitOnTheSlave(String value) {
        Await.until("the SLAVE holds " + value + " and is a replica", SHORT,
                () -> master.core.peerReplica() && value.equals(valueOf(slave.core)),
                () -> valueOf(slave.core) + ", replica " + master.core.peerReplica() + "; " + cores.logged);
    }

    @Test
    void aSlaveFoundDeadAMomentIsAReplicaAgainOnceSeenServing() throws Exception {
        master.core.peerGone("test: dead a moment");
        put(master.core, "o", "while dead");
        assertEquals("before", valueOf(slave.core), "not sent to a peer held dead");
        master.core.peerServing(true);
        awaitOnTheSlave("while dead");
        put(master.core, "o", "after");
        assertEquals("after", valueOf(slave.core), "replicated again before the write returned");
    }

    @Test
    void flapsOfTheVerdictNeverRunTwoResynchronisationsAtOnce() throws Exception {
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        AtomicInteger syncs = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        slave.tap = (payload, deliver) -> {
            if (payload[0] != Wire.SYNC) {
                return deliver.to(payload);
            }
            syncs.incrementAndGet();
            most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            try {
                go.await(SHORT.toMillis(), TimeUnit.MILLISECONDS);
                return deliver.to(payload);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted");
            } finally {
                inFlight.decrementAndGet();
            }
        };
        master.core.peerGone("test: dead a moment");
        put(master.core, "o", "while dead");
        master.core.peerServing(true);
        Await.until("a resynchronisation asked for is under way", SHORT, () -> syncs.get() == 1, cores.logged::toString);
        for (int i = 0; i < 5; i++) {
            master.core.peerGone("test: dead again");
            master.core.peerServing(true);
        }
        CompletableFuture<Void> opMode = CompletableFuture.runAsync(() -> {
            try {
                slave.core.slave(); // an opMode(SLAVE, DAC) meanwhile waits for it
            } catch (SharedObjectException e) {
                throw new IllegalStateException(e);
            }
        });
        go.countDown();
        opMode.get(SHORT.toSeconds(), TimeUnit.SECONDS);
        awaitOnTheSlave("while dead");
        assertEquals(1, most.get(), "resynchronisations at once");
        assertTrue(syncs.get() <= 3, "at most the one under way, one asked for meanwhile and the opMode's: " + syncs.get());
        put(master.core, "o", "after");
        assertEquals("after", valueOf(slave.core));
        assertFalse(cores.logged.stream().anyMatch(m -> m.contains("is not resynchronised")), cores.logged.toString());
    }

    @Test
    void aResynchronisationInterruptedByADeadVerdictBetweenPagesStartsAgainNotMissingWhatWasWrittenMeanwhile()
            throws Exception {
        // enough names for several pages
        String first = "a-" + "x".repeat(100);
        master.core.create(first, Persistence.PERSISTENT);
        put(master.core, first, "before");
        for (int i = 0; i < 400; i++) {
            String name = "n-" + i + "-" + "y".repeat(100);
            master.core.create(name, Persistence.PERSISTENT);
        }
        AtomicInteger pages = new AtomicInteger();
        slave.tap = (payload, deliver) -> {
            if (payload[0] == Wire.SYNC && pages.incrementAndGet() == 2) {
                // between the first page and the second: held dead a moment, and a write to a name the first page did
                master.core.peerGone("test: dead a moment");
                try {
                    put(master.core, first, "meanwhile");
                } catch (SharedObjectException e) {
                    throw new IllegalStateException(e);
                }
            }
            return deliver.to(payload);
        };
        slave.core.slave(); // the SLAVE's resynchronisation, as at opMode(SLAVE, DAC)
        assertTrue(pages.get() >= 2, "one page only: " + pages);
        assertFalse(master.core.peerReplica() && !"meanwhile".equals(Cores.value(slave.core, first)),
                "a replica again without what was written while it was held dead");
        slave.tap = null;
        master.core.peerServing(true); // seen serving again: asked, it starts over
        Await.until("the SLAVE holds what was written meanwhile and is a replica", SHORT,
                () -> master.core.peerReplica() && "meanwhile".equals(text(slave.core, first)),
                () -> cores.logged.toString());
    }

    private static String text(Psom p, String name) {
        try {
            return Cores.value(p, name);
        } catch (SharedObjectException e) {
            throw new IllegalStateException(e);
        }
    }
}
