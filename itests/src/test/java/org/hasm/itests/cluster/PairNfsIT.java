package org.hasm.itests.cluster;

import static org.hasm.itests.cluster.Pair.Scm.A;
import static org.hasm.itests.cluster.Pair.Scm.B;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.hasm.itests.cluster.OwnerWatch.Owner;
import org.hasm.itests.cluster.Pair.Scm;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.support.Await;
import org.hasm.nas.nfs.internal.NfsClient;
import org.hasm.nas.nfs.internal.RpcClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The NFS service on two real SCMs: libnfs lists, reads and writes through each personality's
 * address; after {@code kill -9} of the SCM serving A, the handles a client holds work on the peer
 * without a new MOUNT (also after failback and after renaming their folder), every write acknowledged
 * FILE_SYNC or committed reads back identical, the COMMIT verifier changes so the client resends
 * what was only UNSTABLE, and a REMOVE and a RENAME whose replies were lost, retransmitted with the
 * same XID after the takeover, get their original success. A paused SCM that wakes after the
 * takeover answers no NFS request for the volume it lost, and after the failback serves nothing of what it
 * knew before its pause.
 */
class PairNfsIT {
    private static final Duration STEP = Duration.ofSeconds(20);
    private static final Duration RUN = Duration.ofSeconds(60);

    @Test
    void handlesWritesAndRetransmissionsSurviveTakeoverAndFailback(@TempDir Path work) throws Exception {
        Requirements.require(Requirements.tool("nfs-ls") != null, "nfs-ls is not installed: install libnfs-utils");
        try (Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            for (Scm scm : Scm.values()) {
                // no search of the export: the new owner finds every file by its handle through the index alone
                pair.writeConfig(scm, "org.hasm.nas.nfs.cfg", "scan.limit = 1\n");
            }
            PairFaultIT.startInDac(pair);
            String addressA = pair.personalityAddress(A);
            for (Scm home : Scm.values()) {
                libnfs(pair, home, work);
            }

            NfsClient c = connect(pair, A, null);
            byte[] root = c.mount("/files");
            byte[] dir = c.mkdirHandle(root, "dir");
            byte[] f = c.create(dir, "f.bin");
            byte[] data = bytes(1, 100_000);
            assertEquals(NfsClient.OK, c.write(f, 0, data, NfsClient.FILE_SYNC).status());
            Map<byte[], byte[]> stable = new LinkedHashMap<>();
            for (int i = 0; i < 20; i++) {
                byte[] fh = c.create(root, "s-" + i);
                byte[] content = bytes(100 + i, 4096 + i);
                NfsClient.Written w = c.write(fh, 0, content, NfsClient.FILE_SYNC);
                assertEquals(NfsClient.FILE_SYNC, w.committed());
                stable.put(fh, content);
            }
            // UNSTABLE writes: the first half committed, the second half not
            byte[] u = c.create(root, "u.bin");
            List<byte[]> chunks = new ArrayList<>();
            for (int k = 0; k < 8; k++) {
                chunks.add(bytes(1000 + k, 8192));
            }
            for (int k = 0; k < 4; k++) {
                assertEquals(NfsClient.UNSTABLE, c.write(u, k * 8192L, chunks.get(k), NfsClient.UNSTABLE).committed());
            }
            byte[] committedBy = c.commit(u);
            byte[] unstableBy = null;
            for (int k = 4; k < 8; k++) {
                unstableBy = c.write(u, k * 8192L, chunks.get(k), NfsClient.UNSTABLE).verifier();
            }
            assertArrayEquals(committedBy, unstableBy, "one verifier while scm-a serves the volume");

            // a REMOVE and a RENAME whose replies are lost on the way
            c.create(root, "gone.txt");
            c.create(root, "old.txt");
            int removeXid = RpcClient.nextXid();
            int renameXid = RpcClient.nextXid();
            c.sendRemove(removeXid, root, "gone.txt");
            c.sendRename(renameXid, root, "old.txt", root, "new.txt");
            Path volumeA = pair.shared().resolve("volumes").resolve(pair.volume(A));
            Await.until("the REMOVE and the RENAME carried out", STEP,
                    () -> !Files.exists(volumeA.resolve("gone.txt")) && Files.exists(volumeA.resolve("new.txt")),
                    pair::diagnostics);
            c.close();

            // a client writes files in a loop through A's address while scm-a is killed
            NfsWriteLoop writer = NfsWriteLoop.start(addressA, pair.nfsPort(), root, "w-", Duration.ofMinutes(2));
            awaitAcks(writer, 10, pair);
            pair.kill(A);
            int atKill = writer.ackCount();
            pair.awaitState(B, "DEGRADED", "MASTER", STEP);
            pair.awaitServedBy(A, B, STEP);
            awaitAcks(writer, atKill + 10, pair);
            writer.stop();
            System.out.println("# NFS writes across kill -9 of scm-a: " + writer.summary());
            NfsClient onB = connect(pair, A, root); // the same address, no new MOUNT
            for (NfsWriteLoop.Ack ack : writer.acks()) {
                assertArrayEquals(ack.content(), readAll(onB, onB.lookup(root, ack.name()), ack.content().length),
                        ack.name() + " was acknowledged (" + writer.summary() + ")");
            }
            assertEquals(NfsClient.OK, onB.remove(removeXid, root, "gone.txt"), "REMOVE retransmitted to scm-b");
            assertEquals(NfsClient.OK, onB.rename(renameXid, root, "old.txt", root, "new.txt"),
                    "RENAME retransmitted to scm-b");
            assertArrayEquals(data, readAll(onB, f, data.length), "a handle taken on scm-a, read on scm-b");
            for (Map.Entry<byte[], byte[]> e : stable.entrySet()) {
                assertArrayEquals(e.getValue(), readAll(onB, e.getKey(), e.getValue().length), "a FILE_SYNC write");
            }
            byte[] afterTakeover = onB.commit(u);
            assertFalse(Arrays.equals(committedBy, afterTakeover), "the verifier changed with the owner");
            // what the client was told is committed is there; it resends the rest, as RFC 1813 says
            byte[] firstHalf = readAll(onB, u, 4 * 8192);
            for (int k = 0; k < 4; k++) {
                assertArrayEquals(chunks.get(k), Arrays.copyOfRange(firstHalf, k * 8192, (k + 1) * 8192), "chunk " + k);
            }
            for (int k = 4; k < 8; k++) {
                assertEquals(NfsClient.OK, onB.write(u, k * 8192L, chunks.get(k), NfsClient.UNSTABLE).status());
            }
            assertArrayEquals(afterTakeover, onB.commit(u));
            assertEquals(NfsClient.OK, onB.rename(RpcClient.nextXid(), root, "dir", root, "dir-renamed"));
            assertArrayEquals(data, readAll(onB, f, data.length), "after renaming its folder");
            onB.close();

            pair.start(A);
            pair.awaitState(A, "DAC", "SLAVE", Pair.BOOT);
            pair.awaitServedBy(A, A, STEP);
            NfsClient back = connect(pair, A, root);
            assertArrayEquals(data, readAll(back, f, data.length), "after failback to scm-a");
            assertEquals(NfsClient.OK, back.getattrStatus(dir));
            byte[] all = readAll(back, u, 8 * 8192);
            for (int k = 0; k < 8; k++) {
                assertArrayEquals(chunks.get(k), Arrays.copyOfRange(all, k * 8192, (k + 1) * 8192), "chunk " + k);
            }
            assertNotEquals(null, back.lookup(root, "new.txt"));
            back.close();
            System.out.println("# NFS on " + addressA + ": handles, writes and retransmissions survived takeover and failback");
        }
    }

    /**
     * SIGSTOP of scm-a, the takeover, SIGCONT: the woken scm-a answers nothing for the volume it lost. Then,
     * with the manual failback policy holding scm-a back, the client changes the volume through scm-b (a file
     * written, one removed, one renamed, one created, a REMOVE answered); after the failback scm-a serves
     * none of what it knew before its pause: the removed file's handle is STALE, the renamed one's resolves
     * under its new name, the new file and the new contents are there, and the REMOVE scm-b answered,
     * retransmitted to scm-a, gets scm-b's reply from the reply cache.
     */
    @Test
    void aPausedScmThatWakesAfterATakeoverAnswersNoNfsRequestForTheVolumeAndNothingStaleAfterFailback(
            @TempDir Path work) throws Exception {
        try (Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            pair.editConfig(B, "org.hasm.status.cfg", "fence.agent=process", "fence.agent=none");
            for (Scm scm : Scm.values()) {
                pair.editConfig(scm, "org.hasm.controller.cfg", "init.peer.timeout.ms=",
                        "failback.policy=manual\ninit.peer.timeout.ms=");
            }
            PairFaultIT.startInDac(pair);
            String volume = pair.volume(A);
            Path file = pair.shared().resolve("volumes").resolve(volume).resolve("kept.txt");
            NfsClient c = connect(pair, A, null);
            byte[] root = c.mount("/files");
            byte[] f = c.create(root, "kept.txt");
            assertEquals(NfsClient.OK, c.write(f, 0, utf8("before"), NfsClient.FILE_SYNC).status());
            byte[] doomed = c.create(root, "doomed.txt");
            byte[] moved = c.create(root, "moved.txt");
            assertEquals(NfsClient.OK, c.getattrStatus(doomed));
            Owner first = OwnerWatch.read(pair.shared(), volume);

            pair.pause(A);
            pair.awaitState(B, "DEGRADED", "MASTER", STEP);
            Await.until("the record of " + volume + " to name scm-b at a higher epoch", STEP, () -> {
                Owner o = OwnerWatch.read(pair.shared(), volume);
                return o != null && o.owner().equals("scm-b") && o.epoch() > first.epoch();
            }, pair::diagnostics);
            // sent to the paused scm-a's connection: it can only be answered once scm-a wakes
            int write = RpcClient.nextXid();
            c.sendWrite(write, f, 0, utf8("after!"), NfsClient.FILE_SYNC);
            pair.resume(A);
            String outcome = outcome(c, write);
            assertFalse(outcome.equals("status 0"), "a WRITE sent to the paused scm-a was acknowledged after scm-b took "
                    + volume + " over\n" + pair.diagnostics());
            assertEquals("before", Files.readString(file), "the woken scm-a wrote nothing");
            System.out.println("# the woken scm-a answered: " + outcome);
            Await.until("scm-a to find " + volume + " taken over", STEP,
                    () -> pair.log(A).contains("volume " + volume + " taken over by scm-b"), pair::diagnostics);
            c.close();

            // scm-a back, waiting for the operator's failback; meanwhile the volume changes through scm-b
            pair.awaitStatus(B, "scm-b with scm-a waiting for failback", Pair.BOOT,
                    s -> s.path("reason").asText().contains("waits for hasmctl failback"));
            NfsClient onB = connect(pair, A, root);
            assertEquals(NfsClient.OK, onB.write(f, 0, utf8("from b"), NfsClient.FILE_SYNC).status());
            int removeXid = RpcClient.nextXid();
            assertEquals(NfsClient.OK, onB.remove(removeXid, root, "doomed.txt"));
            assertEquals(NfsClient.OK, onB.rename(RpcClient.nextXid(), root, "moved.txt", root, "moved-on-b.txt"));
            byte[] born = onB.create(root, "born.txt");
            assertEquals(NfsClient.OK, onB.write(born, 0, utf8("born on scm-b"), NfsClient.FILE_SYNC).status());
            onB.close();

            PairOperationsIT.ctl(pair, A, "failback", "--reason", "test");
            pair.awaitState(A, "DAC", "SLAVE", Pair.BOOT);
            pair.awaitServedBy(A, A, STEP);
            NfsClient back = connect(pair, A, root);
            assertEquals("from b", new String(readAll(back, f, 6), StandardCharsets.UTF_8), "kept.txt as scm-b wrote it");
            assertEquals(NfsClient.STALE, back.getattrStatus(doomed), "the handle of the file removed on scm-b");
            assertEquals(NfsClient.OK, back.remove(removeXid, root, "doomed.txt"),
                    "the REMOVE scm-b answered, retransmitted to scm-a after the failback");
            assertEquals(back.getattr(back.lookup(root, "moved-on-b.txt")).fileid(), back.getattr(moved).fileid(),
                    "the handle of the file renamed on scm-b is the file under its new name");
            assertEquals("born on scm-b", new String(readAll(back, born, 13), StandardCharsets.UTF_8),
                    "a handle scm-b gave, on scm-a");
            back.close();
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void awaitAcks(NfsWriteLoop writer, int count, Pair pair) {
        Await.until(count + " files acknowledged by the NFS writer", STEP, () -> writer.ackCount() >= count,
                () -> writer.summary() + pair.diagnostics());
    }

    /** @return "status N" for a reply, or what kept it from coming */
    private static String outcome(NfsClient c, int xid) {
        try {
            return "status " + c.receiveStatus(xid);
        } catch (IOException e) {
            return "no reply: " + e;
        }
    }

    /**
     * Connects to the NFS service at the personality's address once it serves the export: with a
     * handle the client holds, by GETATTR of it (no MOUNT), else by a NULL call.
     */
    private static NfsClient connect(Pair pair, Scm home, byte[] held) {
        NfsClient[] client = {null};
        Await.until("NFS at " + pair.personalityAddress(home) + ":" + pair.nfsPort() + " to serve the export", STEP, () -> {
            NfsClient c = null;
            try {
                c = new NfsClient(pair.personalityAddress(home), pair.nfsPort());
                boolean ok = held == null ? c.mount("/files") != null : c.getattrStatus(held) == NfsClient.OK;
                if (ok) {
                    client[0] = c;
                    return true;
                }
            } catch (IOException e) {
                // not there yet
            }
            close(c);
            return false;
        }, pair::diagnostics);
        return client[0];
    }

    private static void close(NfsClient c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                // gone already
            }
        }
    }

    private static byte[] readAll(NfsClient c, byte[] fh, int length) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < 1000 && out.size() < length; i++) {
            byte[] part = c.read(fh, out.size(), Math.min(65536, length - out.size()));
            if (part.length == 0) {
                break;
            }
            out.write(part);
        }
        return out.toByteArray();
    }

    private static byte[] bytes(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** nfs-cp, nfs-ls and nfs-cat through the personality's address. */
    private static void libnfs(Pair pair, Scm home, Path work) throws Exception {
        String base = "nfs://" + pair.personalityAddress(home) + "/files";
        String q = "?nfsport=" + pair.nfsPort() + "&mountport=" + pair.nfsPort() + "&version=3";
        byte[] data = bytes(home.ordinal() + 7, 300_000);
        Path local = work.resolve("libnfs-" + home.id() + ".bin");
        Files.write(local, data);
        Path shared = pair.shared().resolve("volumes").resolve(pair.volume(home));
        Await.until("nfs-cp to " + base, STEP, () -> run("nfs-cp", local.toString(), base + "/libnfs.bin" + q).startsWith("0"),
                pair::diagnostics);
        assertArrayEquals(data, Files.readAllBytes(shared.resolve("libnfs.bin")));
        String ls = run("nfs-ls", base + q);
        assertTrue(ls.startsWith("0") && ls.contains("libnfs.bin") && !ls.contains(".hasm-"), ls);
        Files.writeString(shared.resolve("hello.txt"), "hello from " + home.id() + "\n");
        assertEquals("0\nhello from " + home.id() + "\n", run("nfs-cat", base + "/hello.txt" + q));
        Path back = work.resolve("back-" + home.id() + ".bin");
        assertTrue(run("nfs-cp", base + "/libnfs.bin" + q, back.toString()).startsWith("0"));
        assertArrayEquals(data, Files.readAllBytes(back));
    }

    /** @return the exit code, a newline and the output */
    private static String run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Thread reader = new Thread(() -> {
                try (InputStream in = p.getInputStream()) {
                    in.transferTo(out);
                } catch (IOException e) {
                    // ended
                }
            }, "hasm-test-" + command[0]);
            reader.setDaemon(true);
            reader.start();
            if (!p.waitFor(RUN.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                reader.join(5_000);
                return "timeout\n" + out.toString(StandardCharsets.UTF_8);
            }
            reader.join(5_000);
            return p.exitValue() + "\n" + out.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "failed to run: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
