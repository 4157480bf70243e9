package org.hasm.itests.cluster;

import static org.hasm.itests.cluster.Pair.Scm.A;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.support.Await;
import org.hasm.itests.support.StreamFuzz;
import org.hasm.itests.support.StreamFuzz.Framing;
import org.hasm.nas.nfs.internal.NfsClient;
import org.hasm.itests.support.Exclusive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Bad input at the file protocols of a pair in DAC: 100,000 seeded bad ONC RPC records at
 * personality A's NFS port (random arguments, wrong program/version/procedure, truncated records, a
 * record mark claiming 2 GiB, fragment storms, garbage), then bad NetBIOS/SMB2 frames at its SMB port,
 * and smbclient asking for names that climb out of the share or shares that do not exist. Each answer
 * may be an error or a closed connection; afterwards the pair is still in DAC with no transition, the
 * SCM serving A stayed within its memory bound, and both protocols still serve A's files.
 */
@ResourceLock(Exclusive.CPU_LOAD)
class PairFileProtocolFuzzIT {

    private static final Duration STEP = Duration.ofSeconds(30);
    private static final long NFS_RECORDS = 100_000;
    private static final long SMB_RECORDS = 10_000;
    private static final long SEED = 20261203;
    /** The heap limit of bin/hasm (256 MB) plus what a JVM keeps outside it; far below a leak's growth. */
    private static final long RSS_BOUND_KB = 512 * 1024;

    @Test
    void badRecordsAtNfsAndSmbLeaveThePairServing(@TempDir Path work) throws Exception {
        Requirements.require(Requirements.tool("nfs-ls") != null, "nfs-ls is not installed (apt-get install -y libnfs-utils)");
        Smb.require();
        Pair pair = Pair.create(work, Timing.TEST.startedTogether());
        try (pair) {
            // 110,000 records are parsed and refused by scm-a: as shipped, C2 compiler included, not at C1's pace
            pair.shippedJvm();
            PairFaultIT.startInDac(pair);
            String address = pair.personalityAddress(A);
            awaitNfs(pair);
            Path local = Files.writeString(work.resolve("before.txt"), "before the fuzz", StandardCharsets.UTF_8);
            String auth = Smb.auth(pair).toString();
            Await.until("A's SMB share to answer", STEP, () -> smbOk(pair, auth, "put " + local + " before.txt"),
                    pair::diagnostics);
            long transitions = transitions(pair);

            long t0 = System.nanoTime();
            StreamFuzz.Report nfs = new StreamFuzz(new InetSocketAddress(address, pair.nfsPort()), Framing.RPC, 100003, 3,
                    SEED).run(NFS_RECORDS, Duration.ofMinutes(4), Duration.ofMillis(50));
            long t1 = System.nanoTime();
            System.out.println("# NFS fuzz at " + address + ":" + pair.nfsPort() + " in " + (t1 - t0) / 1_000_000 + " ms: "
                    + nfs);
            StreamFuzz.Report smb = new StreamFuzz(new InetSocketAddress(address, Smb.port(pair)), Framing.NETBIOS, 0, 0,
                    SEED).run(SMB_RECORDS, Duration.ofMinutes(2), Duration.ofMillis(50));
            System.out.println("# SMB fuzz at " + address + ":" + Smb.port(pair) + " in " + (System.nanoTime() - t1) / 1_000_000
                    + " ms: " + smb);
            assertEquals(NFS_RECORDS, nfs.records(), "every NFS record went out: " + nfs + pair.diagnostics());
            assertEquals(0, nfs.connectFailures(), "the NFS port took every connection: " + nfs);

            // names that climb out of the share, and a share that does not exist
            Smb.Result climb = Smb.client(pair, A, "files", auth, "get ../../../../etc/passwd " + work.resolve("passwd"));
            assertFalse(climb.ok(), "a name above the share: " + climb.output());
            assertFalse(Files.exists(work.resolve("passwd")), "nothing outside the share was read");
            Smb.Result dots = Smb.client(pair, A, "files", auth, "cd ..; cd ..; ls");
            assertFalse(dots.output().contains("passwd"), "cd .. stays in the share: " + dots.output());
            Smb.Result nosuch = Smb.client(pair, A, "no-such-share", auth, "ls");
            assertTrue(nosuch.output().contains("NT_STATUS_BAD_NETWORK_NAME"), nosuch.output());

            long kb = org.hasm.itests.dist.ScmProcess.residentKb(pair.pid(A));
            assertTrue(kb > 0 && kb < RSS_BOUND_KB, "scm-a's resident memory after the fuzz: " + kb + " kB");
            assertTrue(pair.roles("DAC/MASTER", "DAC/SLAVE"), pair.diagnostics());
            assertEquals(transitions, transitions(pair), "no transition during the fuzz\n" + pair.diagnostics());
            // both protocols still serve A's files
            try (NfsClient c = new NfsClient(address, pair.nfsPort())) {
                byte[] root = c.mount("/files");
                byte[] fh = c.lookup(root, "before.txt");
                assertEquals("before the fuzz", new String(c.read(fh, 0, 100), StandardCharsets.UTF_8));
            }
            Path back = work.resolve("after.txt");
            assertTrue(smbOk(pair, auth, "get before.txt " + back), "SMB still serves A");
            assertEquals("before the fuzz", Files.readString(back, StandardCharsets.UTF_8));
        }
    }

    private static boolean smbOk(Pair pair, String auth, String commands) {
        try {
            return Smb.client(pair, A, "files", auth, commands).ok();
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static void awaitNfs(Pair pair) {
        Await.until("A's NFS export to answer", STEP, () -> {
            try (NfsClient c = new NfsClient(pair.personalityAddress(A), pair.nfsPort())) {
                return c.mount("/files") != null;
            } catch (IOException e) {
                return false;
            }
        }, pair::diagnostics);
    }

    /** @return how many state lines the controllers of both SCMs logged so far */
    private static long transitions(Pair pair) {
        long n = 0;
        for (Pair.Scm scm : Pair.Scm.values()) {
            n += pair.log(scm).lines().filter(l -> l.contains("[org.hasm.controller]") && l.contains(" -> ")).count();
        }
        return n;
    }

}
