package org.hasm.itests.cluster;

import static org.hasm.itests.cluster.Pair.Scm.A;
import static org.hasm.itests.cluster.Pair.Scm.B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.hasm.itests.cluster.OwnerWatch.Owner;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.support.Await;
import org.hasm.nas.nfs.internal.NfsClient;
import org.hasm.nas.nfs.internal.NlmClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NFS locks (NLM v4) on two real SCMs: a client locks a file through A's address; after {@code kill -9}
 * of scm-a, scm-b serves the same lock at once (another client's conflicting lock is DENIED, its TEST
 * names the holder, no grace period, the NSM state unchanged so no client must reclaim); the owner
 * unlocks and the other client gets the lock; after scm-a returns and takes A back, the same lock is
 * still held there.
 */
class PairNlmIT {
    private static final Duration STEP = Duration.ofSeconds(20);

    @Test
    void aLockHeldOnScmAIsHeldOnScmBAfterKillAndBackAfterFailback(@TempDir Path work) throws Exception {
        try (Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            PairFaultIT.startInDac(pair);
            byte[] file;
            try (NfsClient nfs = new NfsClient(pair.personalityAddress(A), pair.nfsPort())) {
                file = nfs.create(nfs.mount("/files"), "locked.db");
            }
            int state;
            try (NlmClient owner = client(pair, "client-1", 101)) {
                state = owner.smStat();
                assertTrue(state > 0, "SM_STAT on scm-a: " + state);
                assertEquals(NlmClient.GRANTED, owner.lock(file, 0, 0, true));
            }

            pair.kill(A);
            pair.awaitState(B, "DEGRADED", "MASTER", STEP);
            pair.awaitServedBy(A, B, STEP);
            try (NlmClient other = client(pair, "client-2", 202); NlmClient owner = client(pair, "client-1", 101)) {
                assertEquals(NlmClient.DENIED, answered(pair, () -> other.lock(file, 4096, 1, true)),
                        "the lock taken on scm-a holds on scm-b, at once");
                NlmClient.Tested held = other.test(file, 0, 1, false);
                assertEquals(NlmClient.DENIED, held.stat());
                assertEquals(101, held.svid(), "client-1 holds it");
                assertTrue(held.exclusive());
                assertEquals(state, owner.smStat(), "the NSM state did not change: no client must reclaim");
                assertEquals(NlmClient.GRANTED, owner.unlock(file, 0, 0));
                assertEquals(NlmClient.GRANTED, other.lock(file, 0, 0, true), "the owner let go; client-2 gets it");
            }

            pair.start(A);
            pair.awaitState(A, "DAC", "SLAVE", Pair.BOOT);
            pair.awaitServedBy(A, A, STEP);
            try (NlmClient owner = client(pair, "client-1", 101)) {
                assertEquals(NlmClient.DENIED, answered(pair, () -> owner.lock(file, 0, 1, true)),
                        "client-2's lock taken on scm-b holds on scm-a after failback");
                assertEquals(202, owner.test(file, 0, 1, true).svid());
                assertEquals(state, owner.smStat());
            }
            try (NlmClient other = client(pair, "client-2", 202)) {
                assertEquals(NlmClient.GRANTED, other.unlock(file, 0, 0));
            }
            System.out.println("# NLM on " + pair.personalityAddress(A) + ": a lock held across kill -9 and failback, NSM state "
                    + state + " throughout");
        }
    }

    @Test
    void aPausedScmThatWakesAfterATakeoverGrantsNoLock(@TempDir Path work) throws Exception {
        try (Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            pair.editConfig(B, "org.hasm.status.cfg", "fence.agent=process", "fence.agent=none");
            PairFaultIT.startInDac(pair);
            String volume = pair.volume(A);
            byte[] file;
            try (NfsClient nfs = new NfsClient(pair.personalityAddress(A), pair.nfsPort())) {
                file = nfs.create(nfs.mount("/files"), "locked.db");
            }
            NlmClient late = client(pair, "client-2", 202);
            Owner first = OwnerWatch.read(pair.shared(), volume);

            pair.pause(A);
            pair.awaitState(B, "DEGRADED", "MASTER", STEP);
            Await.until("the record of " + volume + " to name scm-b at a higher epoch", STEP, () -> {
                Owner o = OwnerWatch.read(pair.shared(), volume);
                return o != null && o.owner().equals("scm-b") && o.epoch() > first.epoch();
            }, pair::diagnostics);
            // sent on the connection to the paused scm-a: answered, if ever, only once it wakes
            int xid = late.sendLock(file, 0, 0, true);
            pair.resume(A);
            String outcome;
            try {
                outcome = "stat " + late.receiveStat(xid);
            } catch (IOException e) {
                outcome = "no reply: " + e;
            }
            assertTrue(!outcome.equals("stat " + NlmClient.GRANTED), "a LOCK sent to the paused scm-a was granted after "
                    + "scm-b took " + volume + " over\n" + pair.diagnostics());
            System.out.println("# the woken scm-a answered the LOCK: " + outcome);
            late.close();
            try (NlmClient other = client(pair, "client-3", 303)) {
                assertEquals(NlmClient.GRANTED, answered(pair, () -> other.lock(file, 0, 0, true)),
                        "scm-b, which serves A, knows of no lock of client-2");
            }
        }
    }

    @FunctionalInterface
    private interface Call {
        int stat() throws IOException;
    }

    /** @return the first answer that is not "not ours now" (DENIED_GRACE_PERIOD, while the volume changes hands) */
    private static int answered(Pair pair, Call call) {
        int[] stat = {-1};
        Await.until("an NLM answer from the SCM serving A", STEP, () -> {
            try {
                stat[0] = call.stat();
            } catch (IOException e) {
                return false;
            }
            return stat[0] != NlmClient.DENIED_GRACE_PERIOD;
        }, pair::diagnostics);
        return stat[0];
    }

    /** Connects to A's address once whichever SCM serves A answers there. */
    private static NlmClient client(Pair pair, String name, int svid) {
        NlmClient[] c = {null};
        Await.until("NLM at " + pair.personalityAddress(A) + ":" + pair.nfsPort(), STEP, () -> {
            try {
                NlmClient n = new NlmClient(pair.personalityAddress(A), pair.nfsPort(), name, svid);
                try {
                    n.smStat();
                    c[0] = n;
                    return true;
                } catch (IOException e) {
                    n.close();
                    return false;
                }
            } catch (IOException e) {
                return false;
            }
        }, pair::diagnostics);
        return c[0];
    }

}
