package org.hasm.itests.cluster;

import static org.hasm.itests.cluster.Pair.Scm.A;
import static org.hasm.itests.cluster.Pair.Scm.B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.hasm.itests.cluster.OwnerWatch.Owner;
import org.hasm.itests.cluster.Pair.Scm;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.support.Await;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SMB service on two real SCMs of the demo layout, with smbclient: each personality's share as a
 * user and as a guest, a wrong password and a read-only share; an smbd that dies alone comes back;
 * no acknowledged put is lost when the SCM that acknowledged it is killed; a paused SCM's smbd is gone
 * before its peer takes the volume over (the watchdog, with {@code fence.agent=none} so that nothing
 * else stops it). After every test no smbd of the pair is left.
 */
class PairSmbIT {

    private static final Duration STEP = Duration.ofSeconds(30);
    private static final Duration LIMIT = Duration.ofMinutes(2);
    private static final int SOME = 10;

    @BeforeEach
    void samba() {
        Smb.require();
    }

    @Test
    void smbclientThroughEachPersonalityAndAnSmbdKilledAloneComesBack(@TempDir Path work) throws Exception {
        Pair pair = Pair.create(work, Timing.TEST.startedTogether());
        try (pair) {
            for (Scm scm : Scm.values()) {
                for (String p : List.of("a", "b")) {
                    String volume = p.equals("a") ? "vol-a" : "vol-b";
                    pair.editConfig(scm, "org.hasm.personality~" + p + ".cfg", "export.smb.files=" + volume + ":/",
                            "export.smb.files=" + volume + ":/\nexport.smb.ro=" + volume + ":/:ro");
                }
            }
            PairFaultIT.startInDac(pair);
            String auth = Smb.auth(pair).toString();
            Path local = Files.writeString(work.resolve("local.txt"), "over SMB", StandardCharsets.UTF_8);
            for (Scm home : Scm.values()) {
                awaitShare(pair, home);
                Path back = work.resolve("back-" + home.id());
                Smb.Result r = Smb.client(pair, home, "files", auth, "put " + local + " one.txt; rename one.txt two.txt;"
                        + " get two.txt " + back + "; ls");
                assertTrue(r.ok() && r.output().contains("two.txt"), home.personality() + ": " + r.output());
                assertEquals("over SMB", Files.readString(back, StandardCharsets.UTF_8));
                Path onVolume = pair.shared().resolve("volumes").resolve(pair.volume(home)).resolve("two.txt");
                assertEquals("over SMB", Files.readString(onVolume, StandardCharsets.UTF_8));
                r = Smb.client(pair, home, "files", auth, "del two.txt");
                assertTrue(r.ok(), r.output());
                assertFalse(Files.exists(onVolume), onVolume + " after del");

                r = Smb.client(pair, home, "files", null, "put " + local + " guest.txt; ls");
                assertTrue(r.ok() && r.output().contains("guest.txt"), "a guest in the demo's guest share: " + r.output());
                r = Smb.client(pair, home, "files", "-Udemo%wrong-password", "ls");
                assertTrue(r.output().contains("NT_STATUS_LOGON_FAILURE"), "a wrong password: " + r.output());
                r = Smb.client(pair, home, "ro", auth, "get guest.txt " + back + "; put " + local + " ro.txt");
                assertTrue(r.output().contains("NT_STATUS_ACCESS_DENIED opening remote file \\ro.txt"),
                        "a put into the read-only share: " + r.output());
                assertEquals("over SMB", Files.readString(back, StandardCharsets.UTF_8));
                r = Smb.client(pair, home, "ro", null, "ls");
                assertTrue(r.output().contains("NT_STATUS_ACCESS_DENIED"), "a guest in a share without guests: " + r.output());
            }

            // scm-a's smbd of A dies alone: seen, reported, started again; the pair does not move
            long main = mainSmbd(Smb.smbdOf(pair, A, "A"));
            ProcessHandle.of(main).orElseThrow().destroyForcibly();
            Await.until("a new smbd of A on scm-a that serves", STEP, () -> {
                List<Long> now = Smb.smbdOf(pair, A, "A");
                return !now.isEmpty() && !now.contains(main) && ls(pair, A);
            }, pair::diagnostics);
            assertTrue(pair.log(A).contains("personality A: smbd ended by itself"), pair.log(A));
            assertTrue(pair.roles("DAC/MASTER", "DAC/SLAVE"), pair.diagnostics());
        } finally {
            assertNoSmbdLeft(pair);
        }
    }

    @Test
    void noAcknowledgedPutIsLostWhenTheScmServingItIsKilled(@TempDir Path work) throws Exception {
        Pair pair = Pair.create(work, Timing.TEST.startedTogether());
        try (pair) {
            PairFaultIT.startInDac(pair);
            awaitShare(pair, A);
            try (SmbPutLoop writer = SmbPutLoop.start(pair, A, "k-", work.resolve("put"), LIMIT, null)) {
                writer.awaitAcks(0, SOME, STEP, pair::diagnostics);
                pair.kill(A);
                long killed = System.nanoTime();
                int atKill = writer.ackCount();
                // the kernel ends smbd with its JVM (parent-death signal), the watchdog its whole group
                Await.until("no smbd of scm-a after its kill -9", STEP, () -> Smb.smbdUnder(pair.node(A)).isEmpty(),
                        () -> Smb.smbdUnder(pair.node(A)).toString());
                System.out.println("# scm-a's smbd gone " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed)
                        + " ms (at most, polled) after kill -9 of its JVM");
                pair.awaitState(B, "DEGRADED", "MASTER", STEP);
                Await.until("scm-b's smbd to serve A", STEP, () -> "scm-b".equals(Smb.holder(pair, A)), pair::diagnostics);
                writer.awaitAcks(atKill, SOME, STEP, pair::diagnostics);
                writer.stop();
                System.out.println("# SMB puts across kill -9 of scm-a: " + writer.summary());
                everyAckReadsBack(pair, writer, work.resolve("get"));
            }
        } finally {
            assertNoSmbdLeft(pair);
        }
    }

    @Test
    void aPausedScmsSmbdIsGoneBeforeItsPeerTakesTheVolume(@TempDir Path work) throws Exception {
        Pair pair = Pair.create(work, Timing.TEST.startedTogether());
        try (pair) {
            // the storage lease alone decides: nothing but the watchdog stops the paused scm-a's smbd
            pair.editConfig(B, "org.hasm.status.cfg", "fence.agent=process", "fence.agent=none");
            PairFaultIT.startInDac(pair);
            awaitShare(pair, A);
            String volume = pair.volume(A);
            Owner first = OwnerWatch.read(pair.shared(), volume);
            assertEquals("scm-a", first.owner());
            long origin = System.nanoTime();
            try (OwnerWatch watch = OwnerWatch.start(pair.shared(), volume, LIMIT);
                    SmbPutLoop writer = SmbPutLoop.start(pair, A, "p-", work.resolve("put"), LIMIT,
                            () -> Smb.holder(pair, A))) {
                writer.awaitAcks(0, SOME, STEP, pair::diagnostics);
                List<Long> before = Smb.smbdOf(pair, A, "A");
                assertFalse(before.isEmpty());

                pair.pause(A);
                long paused = System.nanoTime();
                Await.until("scm-a's smbd of A to be gone while scm-a is stopped", STEP,
                        () -> before.stream().noneMatch(Smb::running),
                        () -> "pids " + before + ", record: " + watch.describe(origin));
                long gone = System.nanoTime();
                // the watch's own history, not a read of the record: the moment it was taken comes from there
                Await.until("the record of " + volume + " to name scm-b", STEP, () -> watch.history().stream()
                        .anyMatch(s -> s.owner().owner().equals("scm-b") && s.owner().epoch() > first.epoch()),
                        () -> watch.describe(origin) + pair.diagnostics());
                long takenAt = watch.history().stream().filter(s -> s.owner().owner().equals("scm-b")).findFirst()
                        .orElseThrow().nanos();
                System.out.println("# SIGSTOP of scm-a: its smbd gone after at most "
                        + TimeUnit.NANOSECONDS.toMillis(gone - paused) + " ms, scm-b owned " + volume + " after "
                        + TimeUnit.NANOSECONDS.toMillis(takenAt - paused) + " ms");
                assertTrue(gone < takenAt, "scm-a's smbd was still there when scm-b took " + volume + " over: gone "
                        + TimeUnit.NANOSECONDS.toMillis(gone - origin) + " ms, record " + watch.describe(origin));
                Await.until("scm-b's smbd to serve A", STEP, () -> "scm-b".equals(Smb.holder(pair, A)), pair::diagnostics);
                int atTakeover = writer.ackCount();
                writer.awaitAcks(atTakeover, SOME, STEP, pair::diagnostics);

                pair.resume(A);
                pair.awaitState(A, "DAC", "SLAVE", Pair.BOOT);
                pair.awaitState(B, "DAC", "MASTER", STEP);
                Await.until("scm-a's smbd to serve A again", STEP, () -> "scm-a".equals(Smb.holder(pair, A)),
                        pair::diagnostics);
                writer.awaitAcks(writer.ackCount(), SOME, STEP, pair::diagnostics);
                writer.stop();
                watch.close();
                System.out.println("# SMB puts across SIGSTOP of scm-a: " + writer.summary() + "; record: "
                        + watch.describe(origin));
                for (long pid : before) {
                    assertFalse(Smb.running(pid), "smbd " + pid + " of the paused scm-a outlived it");
                }
                assertEquals(List.of(), watch.acknowledgedByNonOwner(writer.acks(), origin),
                        "puts acknowledged by an smbd whose SCM did not own " + volume);
                assertEquals(List.of(), OwnerWatch.epochProblems(watch.history()));
                everyAckReadsBack(pair, writer, work.resolve("get"));
            }
        } finally {
            assertNoSmbdLeft(pair);
        }
    }

    @Test
    void hasmCheckRefusesWhatTheSmbServiceCannotRunWith(@TempDir Path work) throws Exception {
        Pair pair = Pair.create(work, Timing.TEST);
        Path node = pair.node(A);
        pair.editConfig(A, "org.hasm.personality~a.cfg", "smb.port=" + Smb.port(pair), "smb.port=99999");
        pair.editConfig(A, "org.hasm.personality~a.cfg", "smb.guest=files", "smb.guest=nosuch");
        pair.editConfig(A, "org.hasm.personality~a.cfg", "export.smb.files=vol-a:/", "export.smb.files=vol-a:/\n"
                + "export.smb.IPC$=vol-a:/");
        pair.writeConfig(A, "org.hasm.nas.smb.cfg", "users=alice:not-a-hash\n");
        String problems = check(work.resolve("check-1"), node);
        String etc = node.resolve("etc") + "/";
        assertTrue(problems.contains("hasm: " + etc + "org.hasm.nas.smb.cfg: users: entry 1 ('alice'): the NT hash must be 32"
                + " hex digits"), problems);
        assertTrue(problems.contains(etc + "org.hasm.personality~a.cfg: smb.port: '99999' is not a port number"), problems);
        assertTrue(problems.contains(etc + "org.hasm.personality~a.cfg: smb.guest: names share nosuch, which the personality"
                + " does not export"), problems);
        assertTrue(problems.contains(etc + "org.hasm.personality~a.cfg: export.smb.IPC$: share IPC$: the name"), problems);
        assertFalse(problems.contains("not-a-hash"), "the hash (a password's equivalent) is never printed: " + problems);

        // a watchdog that would let a paused SCM's smbd outlive the storage lease
        pair.writeConfig(A, "org.hasm.nas.smb.cfg", "watchdog.ms=60000\n");
        problems = check(work.resolve("check-2"), node);
        assertTrue(problems.contains(etc + "org.hasm.nas.smb.cfg: watchdog.ms: 60000 must be shorter than the storage lease"),
                problems);
    }

    /** Runs {@code hasm check} on a node folder that must be refused. @return its stderr */
    private static String check(Path work, Path node) throws Exception {
        try (org.hasm.itests.dist.ScmProcess check = org.hasm.itests.dist.ScmProcess.start(
                org.hasm.itests.dist.ScmProcess.distribution(), work, "check", node.toString())) {
            assertEquals(2, check.awaitExit(Duration.ofSeconds(60)), check.transcript());
            return check.stderrText();
        }
    }

    /** Nothing was given up, and every acknowledged put reads back identical through A's address. */
    private static void everyAckReadsBack(Pair pair, SmbPutLoop writer, Path scratch) throws Exception {
        assertEquals(List.of(), writer.givenUp(), writer.summary());
        List<String> problems = SmbPutLoop.verify(pair, A, scratch, writer.acks());
        assertTrue(problems.isEmpty(), problems.size() + " of " + writer.ackCount()
                + " acknowledged puts do not read back:\n" + String.join("\n", problems) + pair.diagnostics());
    }

    private static void awaitShare(Pair pair, Scm home) {
        Await.until("the SMB share of " + home.personality() + " to answer", STEP, () -> ls(pair, home), pair::diagnostics);
    }

    private static boolean ls(Pair pair, Scm home) {
        try {
            return Smb.client(pair, home, "files", Smb.auth(pair).toString(), "ls").ok();
        } catch (Exception e) {
            return false;
        }
    }

    /** @return the smbd among {@code pids} whose parent is not one of them: the one that listens */
    private static long mainSmbd(List<Long> pids) {
        for (long pid : pids) {
            long parent = ProcessHandle.of(pid).flatMap(ProcessHandle::parent).map(ProcessHandle::pid).orElse(-1L);
            if (!pids.contains(parent)) {
                return pid;
            }
        }
        throw new AssertionError("no main smbd among " + pids);
    }

    /** Every smbd of the pair ends with its SCM: none may be left once the pair is closed. */
    private static void assertNoSmbdLeft(Pair pair) {
        Path dir = pair.node(A).getParent();
        Map<Long, String>[] left = new Map[1];
        try {
            Await.until("no smbd of the pair left", Duration.ofSeconds(10), () -> (left[0] = Smb.smbdUnder(dir)).isEmpty(),
                    () -> left[0].toString());
        } finally {
            Smb.smbdUnder(dir).keySet().forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        }
    }
}
