package org.hasm.itests.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.hasm.itests.cluster.Pair;
import org.hasm.itests.cluster.Pair.Scm;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.cluster.Requirements;
import org.hasm.itests.support.Await;
import org.hasm.itests.support.PlainGanesha;
import org.hasm.nas.nfs.internal.NfsClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The NFS service against its peer, NFS-Ganesha (VFS FSAL), in the same run on the same folder
 * (personality A's volume), both on loopback (Ganesha in a network namespace of its own, its clients
 * run there too):
 * <ul>
 * <li>{@code nfs-cp} of a 256 MiB file to the export and back: {@code nfs.write.hasm},
 * {@code nfs.write.ganesha}, {@code nfs.read.*} in MiB/s (median, min, max of {@value #RUNS} runs) and
 * {@code nfs.write.ratio} / {@code nfs.read.ratio}, hasm over Ganesha with the order of the turns taken
 * out ({@link #balancedRatio}; target ≥ 1.0);</li>
 * <li>metadata: CREATE + GETATTR + REMOVE of {@value #FILES} files, one call at a time, by the Java
 * client ({@link NfsMetaClient}, a JVM of its own for each server): {@code nfs.meta.*} in ops/s and
 * {@code nfs.meta.ratio} (target ≥ 1.0). hasm makes every namespace change durable before it answers
 * (and its reply too, for the duplicate request cache); Ganesha's VFS FSAL makes none. So Ganesha runs the
 * load a second time on the same folder made {@code dirsync} ({@code chattr +D}, inherited by the folders
 * made in it: every change to a folder is committed before the call returns), the same durability of
 * the namespace: {@code nfs.meta.ganesha_dirsync}, {@code nfs.meta.durability_cost} (dirsync over plain,
 * what that durability costs Ganesha) and {@code nfs.meta.ratio_same_policy} (hasm over the dirsync peer:
 * what hasm itself costs beyond the durability). A file system without the attribute (not ext2/3/4) says
 * so and leaves these three out. {@code nfs.meta.durable_floor} is what the disk allows any server that
 * makes each change durable (a file made, it and its folder forced, removed, the folder forced again,
 * straight on the file system, counted as the client's three calls), and {@code nfs.meta.floor_over_ganesha} that floor
 * over Ganesha: below 1.0, no server that keeps the namespace durable reaches Ganesha's plain figure on
 * this disk. {@code nfs.meta.reply_floor} adds what items 3 and 4 of the issue add (each reply appended to a
 * log and forced after its change, hasm's order; {@code nfs.meta.ratio_to_reply_floor} is hasm over it: what
 * hasm's calls cost beyond its forces), and {@code nfs.meta.log_floor} forces only one write into a
 * preallocated log per change, the change itself unforced (the fewest and cheapest forces of any server
 * whose duplicate request cache lives on the volume); each over Ganesha as {@code *_over_ganesha} (see
 * {@link #floor}). {@code nfs.meta.ganesha_null} is the same client sending three NULL calls (which do
 * nothing) to Ganesha in place of each file's three: what the client, loopback and an RPC layer alone
 * take ({@code nfs.meta.hasm_null}: the same to hasm). {@code nfs.meta.durable_bound_over_ganesha} adds that time to the log floor's, over Ganesha: the
 * most any server that keeps its changes and its replies on the volume could reach on this machine;</li>
 * <li>the client-visible outage across {@code kill -9} of the SCM serving A, at the demo's timing: a
 * client READs a small file through A's address again and again, and {@code nfs.outage} is the
 * longest gap between two successful READs (median, min, max of {@value #OUTAGE_RUNS} kills; target
 * ≤ 1 s).</li>
 * </ul>
 * Both servers run at once and take turns, each run of one followed by the same run of the other (which one
 * goes first alternates from run to run), after uncounted rounds of each kind on each: at least
 * {@value #WARMUP}, and more until hasm's JIT compilers are done ({@code nfs.warmup.*_rounds}, see
 * {@link #warmUp}): a JVM's first runs measure its compiler, and a peer measured minutes later, on a
 * machine whose load moved meanwhile, measures that move. {@code nfs.transfer.hasm_jit_share} and
 * {@code nfs.meta.hasm_jit_share} say how busy hasm's JIT compilers still were in the counted runs (percent
 * of their wall time, one core's worth being 100).
 * Root is not squashed on either server (Ganesha: {@code No_Root_Squash}; hasm:
 * {@code nfs.root.squash.files=false}), so both serve the same caller alike. Figures only, nothing
 * asserted; a failed transfer or call fails the run.
 */
class NfsBench {

    // knobs for a quicker look (-Dbench.nfs.mib=64 ...); the figures the README quotes use the defaults
    private static final int MIB = Integer.getInteger("bench.nfs.mib", 256);
    /** Counted transfer rounds; even, so that each server goes first in as many as it goes second. */
    private static final int RUNS = Integer.getInteger("bench.nfs.runs", 6);
    private static final int FILES = Integer.getInteger("bench.nfs.files", 10_000);
    private static final int META_RUNS = Integer.getInteger("bench.nfs.meta.runs", 3);
    /** Fewest uncounted rounds of each kind before the counted ones: the JVM compiles hasm's hot paths then. */
    private static final int WARMUP = Integer.getInteger("bench.nfs.warmup", 2);
    /** Most uncounted rounds of each kind, however busy hasm's JIT still is. */
    private static final int WARMUP_MAX = Integer.getInteger("bench.nfs.warmup.max", 12);
    /**
     * The JIT is taken for done when its threads were busy for at most this share of a round. Not less: in
     * a whole SCM (Felix, every module, several Grizzly transports) C2 keeps recompiling in bursts, a few
     * percent of a core, long after the NFS paths are compiled.
     */
    private static final int QUIET_PERCENT = 5;
    private static final int WARMUP_FILES = 3_000;
    private static final int OUTAGE_RUNS = Integer.getInteger("bench.nfs.outage.runs", 5);
    private static final Duration STEP = Duration.ofSeconds(60);
    private static final Duration TRANSFER = Duration.ofMinutes(5);
    private static final long PACE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    /** Reads before the kill, so that the client is in its steady state when it happens. */
    private static final Duration BEFORE = Duration.ofMillis(500);
    /** Successful reads after the gap, so that one lucky read does not end the measurement. */
    private static final int AFTER = 20;
    private static final Duration LIMIT = Duration.ofSeconds(30);
    private static final int GANESHA_NFS_PORT = 2049;
    private static final int GANESHA_MOUNT_PORT = 20048;

    @Test
    void throughputAndMetadataAgainstGaneshaAndTheOutageAcrossAKill(@TempDir Path work) throws Exception {
        Requirements.require(Requirements.tool("nfs-cp") != null, "nfs-cp is not installed: install libnfs-utils");
        String missing = PlainGanesha.missing();
        Requirements.require(missing == null, missing);
        Path big = work.resolve("big.bin");
        SmbBench.writeRandom(big, MIB);
        Path back = work.resolve("back.bin");
        List<Double> hasmWrite = new ArrayList<>();
        List<Double> hasmRead = new ArrayList<>();
        List<Double> hasmMeta = new ArrayList<>();
        List<Double> ganeshaWrite = new ArrayList<>();
        List<Double> ganeshaRead = new ArrayList<>();
        List<Double> ganeshaMeta = new ArrayList<>();
        List<Double> ganeshaDirsyncMeta = new ArrayList<>();
        List<Double> durableFloor = new ArrayList<>();
        List<Double> replyFloor = new ArrayList<>();
        List<Double> logFloor = new ArrayList<>();
        List<Double> ganeshaNull = new ArrayList<>();
        List<Double> hasmNull = new ArrayList<>();
        List<Boolean> hasmWentFirst = new ArrayList<>();
        try (Pair pair = Pair.create(work.resolve("pair"), Timing.TEST.startedTogether())) {
            unsquashRoot(pair);
            pair.start(Scm.A);
            pair.start(Scm.B);
            pair.awaitState(Scm.A, "DAC", "MASTER", STEP);
            pair.awaitState(Scm.B, "DAC", "SLAVE", STEP);
            String address = pair.personalityAddress(Scm.A);
            int port = pair.nfsPort();
            awaitMount(address, port, pair::diagnostics);
            Path folder = pair.shared().resolve("volumes").resolve(pair.volume(Scm.A));
            try (PlainGanesha ganesha = PlainGanesha.start(work.resolve("ganesha"), folder, GANESHA_NFS_PORT,
                    GANESHA_MOUNT_PORT)) {
                long scmA = pair.pid(Scm.A);
                // one round: each server has the big file written and read back, in turn (which goes first
                // alternates: hasmFirst), each run under a name of its own; {hasm write, Ganesha write, hasm read,
                // Ganesha read}
                Round transfers = (round, counted) -> {
                    String hasmName = "big-hasm-" + round + ".bin";
                    String hasmUrl = "nfs://" + address + "/files/" + hasmName + "?nfsport=" + port + "&mountport="
                            + port + "&version=3";
                    String ganeshaName = "big-ganesha-" + round + ".bin";
                    String ganeshaUrl = ganesha.url("/" + ganeshaName);
                    boolean hasmFirst = hasmFirst(round);
                    double[] writes = inTurn(hasmFirst,
                            () -> rate(List.of("nfs-cp", big.toString(), hasmUrl), big, folder.resolve(hasmName)),
                            () -> rate(ganesha.inNamespace(List.of("nfs-cp", big.toString(), ganeshaUrl)), big,
                                    folder.resolve(ganeshaName)));
                    double[] reads = inTurn(hasmFirst,
                            () -> rate(List.of("nfs-cp", hasmUrl, back.toString()), big, back),
                            () -> rate(ganesha.inNamespace(List.of("nfs-cp", ganeshaUrl, back.toString())), big, back));
                    Files.delete(folder.resolve(hasmName));
                    Files.delete(folder.resolve(ganeshaName));
                    return new double[] {writes[0], writes[1], reads[0], reads[1]};
                };
                int warm = warmUp("transfers", scmA, transfers);
                double jitBefore = compilerMs(scmA);
                long countedStart = System.nanoTime();
                for (int run = 0; run < RUNS; run++) {
                    int round = warm + run;
                    double[] r = transfers.run(round, true);
                    hasmWrite.add(r[0]);
                    ganeshaWrite.add(r[1]);
                    hasmRead.add(r[2]);
                    ganeshaRead.add(r[3]);
                    hasmWentFirst.add(hasmFirst(round));
                }
                BenchReport.print("nfs.warmup.transfer_rounds", warm, "rounds");
                jitShare("nfs.transfer.hasm_jit_share", scmA, jitBefore, countedStart);
                Round metadata = (round, counted) -> {
                    int files = counted ? FILES : WARMUP_FILES;
                    String name = (counted ? "meta-" : "meta-warm-") + round;
                    double h = meta(List.of(), address, port, port, "/files", name + "-hasm", files);
                    double g = meta(ganesha.inNamespace(List.of()), "127.0.0.1", ganesha.nfsPort(), ganesha.mountPort(),
                            ganesha.exportPath(), name + "-ganesha", files);
                    return new double[] {h, g};
                };
                int metaWarm = warmUp("metadata", scmA, metadata);
                jitBefore = compilerMs(scmA);
                countedStart = System.nanoTime();
                for (int run = 0; run < META_RUNS; run++) {
                    double[] r = metadata.run(run, true);
                    hasmMeta.add(r[0]);
                    ganeshaMeta.add(r[1]);
                }
                BenchReport.print("nfs.warmup.metadata_rounds", metaWarm, "rounds");
                jitShare("nfs.meta.hasm_jit_share", scmA, jitBefore, countedStart);
                for (int run = 0; run < META_RUNS; run++) {
                    durableFloor.add(floor(folder.resolve("meta-floor-" + run), FILES, Floor.CHANGE));
                    replyFloor.add(floor(folder.resolve("meta-floor-reply-" + run), FILES, Floor.CHANGE_THEN_REPLY));
                    logFloor.add(floor(folder.resolve("meta-floor-log-" + run), FILES, Floor.LOG_ONLY));
                    ganeshaNull.add(meta(ganesha.inNamespace(List.of()), "127.0.0.1", ganesha.nfsPort(),
                            ganesha.mountPort(), ganesha.exportPath(), "meta-null-ganesha-" + run, FILES, true));
                    hasmNull.add(meta(List.of(), address, port, port, "/files", "meta-null-hasm-" + run, FILES, true));
                }
                String dirsync = dirsync(folder, true);
                if (dirsync == null) {
                    try {
                        for (int run = 0; run < META_RUNS; run++) {
                            ganeshaDirsyncMeta.add(meta(ganesha.inNamespace(List.of()), "127.0.0.1", ganesha.nfsPort(),
                                    ganesha.mountPort(), ganesha.exportPath(), "meta-ganesha-dirsync-" + run, FILES));
                        }
                    } finally {
                        dirsync(folder, false);
                    }
                } else {
                    System.out.println("# nfs.meta.ganesha_dirsync not measured: " + dirsync);
                }
            }
        }
        BenchReport.summaryOfDoubles("nfs.write.hasm", hasmWrite, "MiB/s");
        BenchReport.summaryOfDoubles("nfs.write.ganesha", ganeshaWrite, "MiB/s");
        BenchReport.summaryOfDoubles("nfs.read.hasm", hasmRead, "MiB/s");
        BenchReport.summaryOfDoubles("nfs.read.ganesha", ganeshaRead, "MiB/s");
        BenchReport.summaryOfDoubles("nfs.meta.hasm", hasmMeta, "ops/s");
        BenchReport.summaryOfDoubles("nfs.meta.ganesha", ganeshaMeta, "ops/s");
        balancedRatio("nfs.write.ratio", hasmWrite, ganeshaWrite, hasmWentFirst);
        balancedRatio("nfs.read.ratio", hasmRead, ganeshaRead, hasmWentFirst);
        BenchReport.ratio("nfs.meta.ratio", hasmMeta, ganeshaMeta);
        BenchReport.summaryOfDoubles("nfs.meta.durable_floor", durableFloor, "ops/s");
        BenchReport.ratio("nfs.meta.floor_over_ganesha", durableFloor, ganeshaMeta);
        BenchReport.summaryOfDoubles("nfs.meta.reply_floor", replyFloor, "ops/s");
        BenchReport.ratio("nfs.meta.reply_floor_over_ganesha", replyFloor, ganeshaMeta);
        BenchReport.ratio("nfs.meta.ratio_to_reply_floor", hasmMeta, replyFloor);
        BenchReport.summaryOfDoubles("nfs.meta.log_floor", logFloor, "ops/s");
        BenchReport.ratio("nfs.meta.log_floor_over_ganesha", logFloor, ganeshaMeta);
        BenchReport.summaryOfDoubles("nfs.meta.ganesha_null", ganeshaNull, "ops/s");
        BenchReport.summaryOfDoubles("nfs.meta.hasm_null", hasmNull, "ops/s");
        // no server does a CREATE, GETATTR or REMOVE in less than the empty call takes the quickest server, nor
        // keeps its changes and replies on the volume with fewer forces than the log floor: the two times add up
        double bound = 1 / (1 / BenchReport.median(logFloor) + 1 / BenchReport.median(ganeshaNull));
        BenchReport.print("nfs.meta.durable_bound_over_ganesha", bound / BenchReport.median(ganeshaMeta), "x");
        if (!ganeshaDirsyncMeta.isEmpty()) {
            BenchReport.summaryOfDoubles("nfs.meta.ganesha_dirsync", ganeshaDirsyncMeta, "ops/s");
            BenchReport.ratio("nfs.meta.durability_cost", ganeshaDirsyncMeta, ganeshaMeta);
            BenchReport.ratio("nfs.meta.ratio_same_policy", hasmMeta, ganeshaDirsyncMeta);
        }

        if (OUTAGE_RUNS > 0) {
            outage(work.resolve("outage"));
        }
    }

    /** nfs.outage: the longest gap between successful READs through A's address across kill -9 of its SCM. */
    private static void outage(Path work) throws Exception {
        List<Long> gaps = new ArrayList<>();
        List<String> runs = new ArrayList<>();
        try (Pair pair = Pair.create(work, Timing.DEMO)) {
            unsquashRoot(pair);
            pair.start(Scm.A);
            pair.start(Scm.B);
            pair.awaitSettled("DAC/MASTER", "DAC/SLAVE", Duration.ofSeconds(1), Pair.BOOT.multipliedBy(2));
            String address = pair.personalityAddress(Scm.A);
            int port = pair.nfsPort();
            byte[] root = awaitMount(address, port, pair::diagnostics);
            byte[] probe;
            byte[] content = "a small file read again and again\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            try (NfsClient c = new NfsClient(address, port)) {
                probe = c.create(root, "probe");
                if (c.write(probe, 0, content, NfsClient.FILE_SYNC).status() != NfsClient.OK) {
                    throw new AssertionError("no probe file" + pair.diagnostics());
                }
            }
            for (int run = 0; run < OUTAGE_RUNS; run++) {
                // scm-a serves A again (as MASTER in the first run, as SLAVE after a failback)
                pair.awaitExample(Scm.A, "personality A on scm-a", Pair.BOOT);
                pair.awaitStatus(Scm.B, "peer alive", Pair.BOOT, s -> s.path("peer").path("alive").asBoolean());
                awaitRead(address, port, probe, pair);
                String role = Pair.role(pair.status(Scm.A));
                long gap = gapAcrossKill(pair, address, port, probe, content);
                gaps.add(TimeUnit.NANOSECONDS.toMillis(gap));
                runs.add(role + " killed: gap " + TimeUnit.NANOSECONDS.toMillis(gap) + " ms");
                pair.start(Scm.A);
                pair.awaitState(Scm.A, "DAC", "SLAVE", Pair.BOOT);
            }
        }
        System.out.println("# nfs.outage: READs through A's address across kill -9 of the SCM serving A, demo timing ("
                + Timing.DEMO.intervalMs() + " ms x " + Timing.DEMO.counter() + "): " + runs);
        BenchReport.summary("nfs.outage", gaps, "ms");
    }

    /** @return the longest time between two successful READs around a kill of scm-a, in ns */
    private static long gapAcrossKill(Pair pair, String address, int port, byte[] probe, byte[] content)
            throws Exception {
        long start = System.nanoTime();
        long lastOk = -1;
        long longest = 0;
        boolean killed = false;
        int okAfterKill = 0;
        NfsClient c = null;
        try {
            // bounded by LIMIT; paced so that a dead address does not become a busy loop
            while (System.nanoTime() - start < LIMIT.toNanos()) {
                if (!killed && System.nanoTime() - start >= BEFORE.toNanos()) {
                    if (lastOk < 0) {
                        throw new AssertionError("no successful READ before the kill" + pair.diagnostics());
                    }
                    pair.kill(Scm.A);
                    killed = true;
                }
                boolean ok;
                try {
                    if (c == null) {
                        c = new NfsClient(address, port);
                    }
                    ok = Arrays.equals(content, c.read(probe, 0, content.length));
                } catch (IOException e) {
                    // the connection ended with its SCM, or JUKEBOX while the peer takes the volume
                    close(c);
                    c = null;
                    ok = false;
                }
                long now = System.nanoTime();
                if (ok) {
                    if (lastOk >= 0) {
                        longest = Math.max(longest, now - lastOk);
                    }
                    lastOk = now;
                    if (killed && ++okAfterKill >= AFTER) {
                        return longest;
                    }
                }
                LockSupport.parkNanos(PACE_NANOS);
            }
        } finally {
            close(c);
        }
        throw new AssertionError("READs did not come back within " + LIMIT.toMillis() + " ms of the kill"
                + pair.diagnostics());
    }

    private static void awaitRead(String address, int port, byte[] probe, Pair pair) {
        Await.until("a READ through " + address + ":" + port, STEP, () -> {
            try (NfsClient c = new NfsClient(address, port)) {
                return c.read(probe, 0, 1).length == 1;
            } catch (IOException e) {
                return false;
            }
        }, pair::diagnostics);
    }

    private static byte[] awaitMount(String address, int port, java.util.function.Supplier<?> state) {
        byte[][] root = {null};
        Await.until("NFS at " + address + ":" + port + " to mount /files", STEP, () -> {
            try (NfsClient c = new NfsClient(address, port)) {
                root[0] = c.mount("/files");
                return true;
            } catch (IOException e) {
                return false;
            }
        }, state);
        return root[0];
    }

    /**
     * Sets or clears the dirsync attribute of the folder Ganesha serves.
     *
     * @return {@code null} if done, else why not (the file system has no such attribute)
     */
    private static String dirsync(Path folder, boolean on) throws IOException {
        List<String> command = List.of("chattr", on ? "+D" : "-D", folder.toString());
        if (Requirements.tool("chattr") == null) {
            return "chattr is not installed (e2fsprogs)";
        }
        PlainGanesha.Result r = PlainGanesha.run(command, STEP);
        if (r.code() != 0) {
            String why = String.join(" ", command) + ": exit " + r.code() + ": " + r.output().strip();
            if (on) {
                return why;
            }
            throw new IOException(why);
        }
        return null;
    }

    /** Both SCMs serve both personalities at some time: each one's copy of every personality is changed. */
    private static void unsquashRoot(Pair pair) throws IOException {
        for (Scm scm : Scm.values()) {
            try (DirectoryStream<Path> cfgs = Files.newDirectoryStream(pair.node(scm).resolve("etc"),
                    "org.hasm.personality~*.cfg")) {
                for (Path cfg : cfgs) {
                    Files.writeString(cfg, "\nnfs.root.squash.files=false\n", StandardOpenOption.APPEND);
                }
            }
        }
    }

    /** A round of one kind of load on both servers, numbered (warm-up and counted rounds apart); its figures. */
    private interface Round {
        double[] run(int round, boolean counted) throws IOException;
    }

    /**
     * Runs uncounted rounds until hasm's JVM has compiled its hot paths: at least {@value #WARMUP}, then
     * until the JIT compiler threads of the SCM serving A were busy for at most {@value #QUIET_PERCENT}% of a
     * round (read from {@code /proc}), at most {@value #WARMUP_MAX}. A round measured while C2 still
     * compiles measures the compiler, which shares the machine's cores with the server and the client.
     *
     * @return the rounds run
     */
    private static int warmUp(String what, long pid, Round round) throws IOException {
        for (int i = 0; i < WARMUP_MAX; i++) {
            double before = compilerMs(pid);
            long start = System.nanoTime();
            round.run(i, false);
            double wallMs = (System.nanoTime() - start) / 1e6;
            double jitMs = compilerMs(pid) - before;
            System.out.printf("# %s warm-up round %d: hasm's JIT compilers busy %.0f ms of %.0f ms%n", what, i + 1,
                    jitMs, wallMs);
            if (i + 1 >= WARMUP && jitMs * 100 <= QUIET_PERCENT * wallMs) {
                return i + 1;
            }
        }
        System.out.println("# " + what + ": hasm's JIT compilers still busy after " + WARMUP_MAX
                + " warm-up rounds; measured all the same");
        return WARMUP_MAX;
    }

    /**
     * Prints hasm over Ganesha with the order of the turns taken out: the transfer that goes second in a
     * round is measured on a disk still busy with the first one's (on this machine a write second takes
     * about three times as long, whichever server it is), so each server is compared with the other in the
     * same place: the geometric mean of (hasm first over Ganesha first) and (hasm second over Ganesha
     * second), each a ratio of medians. Its inputs go out as comments.
     */
    private static void balancedRatio(String bench, List<Double> hasm, List<Double> ganesha, List<Boolean> hasmFirst) {
        List<Double> hasmAsFirst = new ArrayList<>();
        List<Double> hasmAsSecond = new ArrayList<>();
        List<Double> ganeshaAsFirst = new ArrayList<>();
        List<Double> ganeshaAsSecond = new ArrayList<>();
        for (int i = 0; i < hasm.size(); i++) {
            (hasmFirst.get(i) ? hasmAsFirst : hasmAsSecond).add(hasm.get(i));
            (hasmFirst.get(i) ? ganeshaAsSecond : ganeshaAsFirst).add(ganesha.get(i));
        }
        if (hasmAsFirst.isEmpty() || hasmAsSecond.isEmpty()) {
            BenchReport.ratio(bench, hasm, ganesha); // one order only (a single run): the plain ratio
            return;
        }
        double first = BenchReport.median(hasmAsFirst) / BenchReport.median(ganeshaAsFirst);
        double second = BenchReport.median(hasmAsSecond) / BenchReport.median(ganeshaAsSecond);
        System.out.printf("# %s: first in a round %.3f (hasm %s, Ganesha %s), second %.3f (hasm %s, Ganesha %s)%n",
                bench, first, hasmAsFirst, ganeshaAsFirst, second, hasmAsSecond, ganeshaAsSecond);
        BenchReport.print(bench, Math.sqrt(first * second), "x");
    }

    /** @return the CPU time the JIT compiler threads of process {@code pid} have used, in ms */
    private static double compilerMs(long pid) throws IOException {
        return StatusCostBench.compilerTicks(pid) * 1000.0 / StatusCostBench.TICKS_PER_SECOND;
    }

    /** @return whether hasm takes its turn first in this round (it alternates, round by round) */
    private static boolean hasmFirst(int round) {
        return round % 2 == 0;
    }

    /** Prints how busy hasm's JIT compiler threads were during the counted runs, in percent of their wall time. */
    private static void jitShare(String bench, long pid, double msBefore, long startNanos) throws IOException {
        double jitMs = compilerMs(pid) - msBefore;
        BenchReport.print(bench, 100 * jitMs / ((System.nanoTime() - startNanos) / 1e6), "%");
    }

    /** One transfer, measured: MiB/s. */
    private interface Transfer {
        double run() throws IOException;
    }

    /** @return hasm's figure and Ganesha's, the two transfers run in the order given */
    private static double[] inTurn(boolean hasmFirst, Transfer hasm, Transfer ganesha) throws IOException {
        if (hasmFirst) {
            double h = hasm.run();
            return new double[] {h, ganesha.run()};
        }
        double g = ganesha.run();
        return new double[] {hasm.run(), g};
    }

    /**
     * @return MiB/s of one nfs-cp of the big file; the copy must equal it. A local copy is removed
     *     first, and the page cache written out ({@code sync}); on the servers every run writes a new name (nfs-cp creates GUARDED, and a file removed
     *     behind Ganesha's back is still in its cache).
     */
    private static double rate(List<String> command, Path source, Path copy) throws IOException {
        Files.deleteIfExists(copy);
        // what the last transfer left dirty in the page cache is written out first, not during this one
        PlainGanesha.Result synced = PlainGanesha.run(List.of("sync"), TRANSFER);
        if (synced.code() != 0) {
            throw new AssertionError("sync: exit " + synced.code() + ": " + synced.output());
        }
        long start = System.nanoTime();
        PlainGanesha.Result r = PlainGanesha.run(command, TRANSFER);
        long nanos = System.nanoTime() - start;
        if (r.code() != 0) {
            throw new AssertionError(String.join(" ", command) + ": exit " + r.code() + ": " + r.output());
        }
        System.out.println("# " + String.join(" ", command) + ": " + nanos / 1_000_000 + " ms");
        if (Files.size(copy) != Files.size(source) || Files.mismatch(source, copy) != -1) {
            throw new AssertionError(String.join(" ", command) + ": " + copy + " differs from " + source);
        }
        return MIB / (nanos / 1e9);
    }

    /** What a floor forces per namespace change; see {@link #floor}. */
    enum Floor {
        /** The change: the new inode and its folder at a create, the folder at a remove (RFC 1813). */
        CHANGE(true, false),
        /** The change, then the reply appended to a log and forced after it (items 3 and 4: hasm's order). */
        CHANGE_THEN_REPLY(true, true),
        /**
         * Only one forced write into a preallocated log per change, the change itself unforced: the fewest
         * forces of any server whose duplicate request cache lives on the volume (an intent log that the
         * next owner would replay), and the cheapest kind of force there is (no inode to write).
         */
        LOG_ONLY(false, true);

        final boolean change;
        final boolean reply;

        Floor(boolean change, boolean reply) {
            this.change = change;
            this.reply = reply;
        }
    }

    /** Bytes of a reply record in the floors' log: a CREATE's reply (handle and attributes) is about this. */
    private static final int REPLY_BYTES = 256;

    /**
     * A floor under a server on this disk: for each file, made, then removed, with what {@code kind}
     * forces after each of the two changes, by this JVM straight on the volume's file system, no network,
     * no RPC, no server. Counted as the client's three calls (CREATE, GETATTR, REMOVE; a GETATTR costs no
     * force), in ops/s like {@link NfsMetaClient}: a server that does what {@code kind} forces cannot
     * beat it.
     */
    private static double floor(Path folder, int files, Floor kind) throws IOException {
        Files.createDirectories(folder);
        Path logFile = folder.resolveSibling(folder.getFileName() + ".log");
        ByteBuffer record = ByteBuffer.allocateDirect(REPLY_BYTES);
        try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ);
                FileChannel log = FileChannel.open(logFile, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                        StandardOpenOption.WRITE)) {
            if (kind == Floor.LOG_ONLY) {
                // written out and forced first, so that a later force writes data blocks only, no size
                ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
                long size = 2L * files * REPLY_BYTES;
                for (long at = 0; at < size; at += zeros.capacity()) {
                    zeros.clear();
                    while (zeros.hasRemaining()) {
                        log.write(zeros, at + zeros.position());
                    }
                }
            }
            log.force(true);
            dir.force(true);
            long position = 0;
            long start = System.nanoTime();
            for (int i = 0; i < files; i++) {
                Path f = folder.resolve("f-" + i);
                Files.createFile(f);
                if (kind.change) {
                    try (FileChannel made = FileChannel.open(f, StandardOpenOption.READ)) {
                        made.force(true); // the new inode: a folder's force does not write it everywhere
                    }
                    dir.force(true);
                }
                position = reply(log, record, position, kind);
                Files.delete(f);
                if (kind.change) {
                    dir.force(true);
                }
                position = reply(log, record, position, kind);
            }
            long nanos = System.nanoTime() - start;
            System.out.println("# " + folder.getFileName() + " (" + kind + "): ops " + 3L * files + " nanos " + nanos);
            return 3L * files / (nanos / 1e9);
        } finally {
            Files.deleteIfExists(logFile);
            Files.deleteIfExists(folder);
        }
    }

    private static long reply(FileChannel log, ByteBuffer record, long position, Floor kind) throws IOException {
        if (!kind.reply) {
            return position;
        }
        record.clear();
        record.putLong(0, position);
        while (record.hasRemaining()) {
            log.write(record, position + record.position());
        }
        log.force(false);
        return position + REPLY_BYTES;
    }

    /** @return ops/s of one run of {@link NfsMetaClient}, started with {@code prefix} (a namespace, or nothing) */
    private static double meta(List<String> prefix, String host, int nfsPort, int mountPort, String export,
            String folder, int files) throws IOException {
        return meta(prefix, host, nfsPort, mountPort, export, folder, files, false);
    }

    /** @param empty NULL calls in place of the files' calls ({@link NfsMetaClient}) */
    private static double meta(List<String> prefix, String host, int nfsPort, int mountPort, String export,
            String folder, int files, boolean empty) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                NfsMetaClient.class.getName(), host, Integer.toString(nfsPort), Integer.toString(mountPort), export,
                folder, Integer.toString(files)));
        if (empty) {
            command.add("null");
        }
        PlainGanesha.Result r = PlainGanesha.run(command, TRANSFER);
        String line = r.output().lines().filter(l -> l.startsWith("ops ")).findFirst().orElse(null);
        if (r.code() != 0 || line == null) {
            throw new AssertionError(String.join(" ", command) + ": exit " + r.code() + ": " + r.output());
        }
        System.out.println("# " + folder + ": " + line);
        String[] words = line.split(" ");
        return Long.parseLong(words[1]) / (Long.parseLong(words[3]) / 1e9);
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
}
