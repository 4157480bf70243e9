package org.hasm.psom.internal;

import static org.hasm.psom.internal.Cores.bytes;
import static org.hasm.psom.internal.Cores.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.hasm.psom.internal.Cores.Scm;
import org.hasm.spi.shared.Persistence;
import org.hasm.spi.shared.SharedObjectException;
import org.hasm.spi.shared.SharedObjectException.Reason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A SLAVE's lock request whose answer does not come back in time (its caller interrupted, the
 * request stuck in the MASTER's queue past its timeout, the answer lost): the MASTER may grant it
 * all the same, and the lock must not stay held by a holder that never learnt its token.
 */
class SlaveLockRequestTest {
    private static final Duration SHORT = Duration.ofSeconds(5);

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
    }

    @AfterEach
    void close() {
        cores.close();
    }

    private void awaitNoLockOnTheMaster() {
        Await.until("no lock held on the MASTER", SHORT, () -> master.core.locks().isEmpty(),
                () -> master.core.locks() + "; " + cores.logged);
    }

    @Test
    void aLockTheMasterGrantedAfterTheSlaveGaveUpIsReleased() throws Exception {
        // the MASTER grants, the answer does not come back within the request's time
        slave.tap = (payload, deliver) -> {
            byte[] answer = deliver.to(payload);
            if (payload[0] == Wire.LOCK) {
                throw new IOException("no answer within the request timeout");
            }
            return answer;
        };
        SharedObjectException e = assertThrows(SharedObjectException.class,
                () -> slave.core.lock("o", Duration.ZERO, "http#2"));
        assertEquals(Reason.UNAVAILABLE, e.reason(), e.getMessage());
        awaitNoLockOnTheMaster();
        slave.tap = null;
        Psom.Handle h = master.core.lock("o", Duration.ZERO, "http#1");
        master.core.write(h, bytes("written"));
        master.core.unlock(h);
        assertEquals("written", value(slave.core, "o"));
    }

    @Test
    void aLockTheMasterGrantedToAnInterruptedWaiterIsReleased() throws Exception {
        slave.tap = (payload, deliver) -> {
            byte[] answer = deliver.to(payload);
            if (payload[0] == Wire.LOCK) {
                Thread.currentThread().interrupt(); // the caller is interrupted while the request is out
                throw new InterruptedIOException("interrupted waiting for the answer");
            }
            return answer;
        };
        try {
            SharedObjectException e = assertThrows(SharedObjectException.class,
                    () -> slave.core.lock("o", Duration.ofSeconds(10), "http#2"));
            assertEquals(Reason.LOCK_TIMEOUT, e.reason(), e.getMessage());
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is kept for the caller");
        } finally {
            Thread.interrupted();
        }
        awaitNoLockOnTheMaster();
        master.core.unlock(master.core.lock("o", Duration.ZERO, "http#1"));
    }

    @Test
    void aRetryOfARequestWhoseAnswerWasLostGetsTheSameGrant() throws Exception {
        AtomicInteger locks = new AtomicInteger();
        slave.tap = (payload, deliver) -> {
            byte[] answer = deliver.to(payload);
            if (payload[0] == Wire.LOCK && locks.incrementAndGet() == 1) {
                throw new IOException("answer lost");
            }
            return answer;
        };
        Psom.Handle h = slave.core.lock("o", Duration.ofSeconds(2), "http#2");
        assertEquals(2, locks.get(), "asked twice");
        assertEquals(1, master.core.locks().size(), master.core.locks().toString());
        assertEquals(h.token(), master.core.locks().get(0).token(), "the retry got the grant of the first try");
        slave.core.write(h, bytes("by the slave"));
        assertEquals("by the slave", value(master.core, "o"));
        slave.core.unlock(h);
        assertTrue(master.core.locks().isEmpty());
        Psom.Handle mine = slave.core.lock("o", Duration.ZERO, "http#2");
        assertEquals(Reason.LOCK_TIMEOUT, assertThrows(SharedObjectException.class,
                () -> slave.core.lock("o", Duration.ofMillis(50), "http#2")).reason(),
                "a new lock call of the same holder is no retry: locks stay not reentrant");
        slave.core.unlock(mine);
    }

    @Test
    void aLateCopyOfAGivenUpRequestTakesNothingAndAGiveUpLeavesALaterGrantHeld() throws Exception {
        AtomicReference<byte[]> stuck = new AtomicReference<>();
        AtomicReference<byte[]> gaveUp = new AtomicReference<>();
        slave.tap = (payload, deliver) -> {
            if (payload[0] == Wire.LOCK && stuck.compareAndSet(null, payload)) {
                throw new IOException("no answer: the request waits in the MASTER's queue");
            }
            byte[] answer = deliver.to(payload);
            if (payload[0] == Wire.ABANDON) {
                gaveUp.set(payload);
            }
            return answer;
        };
        assertThrows(SharedObjectException.class, () -> slave.core.lock("o", Duration.ZERO, "http#2"));
        Await.until("the SLAVE told the MASTER it gave up", SHORT, () -> gaveUp.get() != null, () -> cores.logged);
        // the request comes out of the MASTER's queue only now
        Wire.Refused late = assertThrows(Wire.Refused.class, () -> Wire.answer(master.core.handle(stuck.get())));
        assertEquals(Reason.LOCK_TIMEOUT, late.reason);
        assertTrue(master.core.locks().isEmpty(), master.core.locks().toString());
        // the same holder asks again and gets the lock; the earlier give-up, arriving again, leaves it
        Psom.Handle h = slave.core.lock("o", Duration.ZERO, "http#2");
        Wire.answer(master.core.handle(gaveUp.get()));
        assertEquals(1, master.core.locks().size());
        slave.core.write(h, bytes("still held"));
        assertEquals("still held", value(master.core, "o"));
        slave.core.unlock(h);
        assertFalse(master.core.locks().stream().anyMatch(g -> g.token() == h.token()));
    }
}
