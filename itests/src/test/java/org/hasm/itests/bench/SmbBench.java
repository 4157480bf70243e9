package org.hasm.itests.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.hasm.itests.cluster.Pair;
import org.hasm.itests.cluster.Pair.Scm;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.cluster.Smb;
import org.hasm.itests.dist.FreePorts;
import org.hasm.itests.support.Await;
import org.hasm.itests.support.PlainSmbd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SMB service against its peer, in the same run on the same disk: a 256 MiB put and get with
 * smbclient (SMB3) through the shares of a pair and through plain smbds, the runs interleaved and
 * the pair up throughout, so every variant shares the machine with the same background:
 * <ul>
 * <li>hasm, personality A's share: hasm's default policy, {@code smb.sync.files=always} (every write
 * on disk before it is answered): {@code smb.put.hasm}, {@code smb.get.hasm};</li>
 * <li>hasm, personality B's share configured {@code smb.sync.files=client} (on disk when the client
 * flushes, as a Windows server does): {@code smb.put.hasm_client};</li>
 * <li>a plain smbd with Samba's defaults: {@code smb.put.plain}, {@code smb.get.plain};</li>
 * <li>a plain smbd with hasm's default policy ({@code sync always}, {@code strict sync}):
 * {@code smb.put.plain_sync}.</li>
 * </ul>
 * Ratios: {@code smb.put.ratio} / {@code smb.get.ratio} (hasm's default over Samba's defaults, target
 * ≥ 0.9), {@code smb.put.ratio_client} (the {@code client} policy over Samba's defaults: the same
 * durability rule), {@code smb.put.durability_cost} (what {@code sync always} costs a plain smbd) and
 * {@code smb.put.ratio_same_policy} (hasm over a plain smbd with the same policy: what hasm itself
 * costs). Then the client-visible outage across kill -9 at the demo's timing: from the kill of the
 * SCM serving A to the first successful get through A's address ({@code smb.outage}, target ≤ 3 s).
 * Figures only, nothing asserted.
 */
class SmbBench {

    private static final int MIB = 256;
    private static final int RUNS = 3;
    private static final Duration STEP = Duration.ofSeconds(60);
    private static final Duration LIMIT = Duration.ofSeconds(30);

    @Test
    void throughputAgainstAPlainSmbdAndTheOutageAcrossAKill(@TempDir Path work) throws Exception {
        Smb.require();
        Path big = work.resolve("big.bin");
        writeRandom(big, MIB);
        List<Double> hasmPut = new ArrayList<>();
        List<Double> hasmGet = new ArrayList<>();
        List<Double> clientPut = new ArrayList<>();
        List<Double> plainPut = new ArrayList<>();
        List<Double> plainGet = new ArrayList<>();
        List<Double> syncPut = new ArrayList<>();
        try (Pair pair = Pair.create(work.resolve("pair"), Timing.TEST.startedTogether())) {
            for (Scm scm : Scm.values()) {
                pair.editConfig(scm, "org.hasm.personality~b.cfg", "smb.guest=files", "smb.guest=files\nsmb.sync.files=client");
            }
            pair.start(Scm.A);
            pair.start(Scm.B);
            pair.awaitState(Scm.A, "DAC", "MASTER", STEP);
            pair.awaitState(Scm.B, "DAC", "SLAVE", STEP);
            String auth = Smb.auth(pair).toString();
            awaitShare(pair, auth);
            Path folder = pair.shared().resolve("volumes").resolve(pair.volume(Scm.A));
            // the plain smbds serve A's volume folder too; the second one's port is chosen once the first listens
            try (PlainSmbd plain = PlainSmbd.start(work.resolve("plain"), folder, FreePorts.range(0, "127.0.0.1"),
                    "files", "pw-plain", List.of());
                    PlainSmbd sync = PlainSmbd.start(work.resolve("plain-sync"), folder, FreePorts.range(0, "127.0.0.1"),
                            "files", "pw-sync", List.of("sync always = yes", "strict sync = yes"))) {
                String plainUser = "-U" + plain.user() + "%" + plain.password();
                String syncUser = "-U" + sync.user() + "%" + sync.password();
                for (int run = 0; run < RUNS; run++) {
                    hasmPut.add(rate(() -> Smb.client(pair, Scm.A, "files", auth, "put " + big + " big.bin")));
                    hasmGet.add(rate(() -> Smb.client(pair, Scm.A, "files", auth, "get big.bin " + work.resolve("back.bin"))));
                    clientPut.add(rate(() -> Smb.client(pair, Scm.B, "files", auth, "put " + big + " big.bin")));
                    plainPut.add(rate(() -> plain(plain, plainUser, "put " + big + " big.bin")));
                    plainGet.add(rate(() -> plain(plain, plainUser, "get big.bin " + work.resolve("back.bin"))));
                    syncPut.add(rate(() -> plain(sync, syncUser, "put " + big + " big.bin")));
                }
            }
            if (!Files.exists(folder.resolve("big.bin"))) {
                throw new AssertionError("hasm's put did not land in A's volume " + folder);
            }
        }
        BenchReport.summaryOfDoubles("smb.put.hasm", hasmPut, "MiB/s");
        BenchReport.summaryOfDoubles("smb.put.hasm_client", clientPut, "MiB/s");
        BenchReport.summaryOfDoubles("smb.put.plain", plainPut, "MiB/s");
        BenchReport.summaryOfDoubles("smb.put.plain_sync", syncPut, "MiB/s");
        BenchReport.summaryOfDoubles("smb.get.hasm", hasmGet, "MiB/s");
        BenchReport.summaryOfDoubles("smb.get.plain", plainGet, "MiB/s");
        BenchReport.ratio("smb.put.ratio", hasmPut, plainPut);
        BenchReport.ratio("smb.put.ratio_client", clientPut, plainPut);
        BenchReport.ratio("smb.get.ratio", hasmGet, plainGet);
        BenchReport.ratio("smb.put.durability_cost", syncPut, plainPut);
        BenchReport.ratio("smb.put.ratio_same_policy", hasmPut, syncPut);

        List<Long> outages = new ArrayList<>();
        try (Pair pair = Pair.create(work.resolve("outage"), Timing.DEMO)) {
            pair.start(Scm.A);
            pair.start(Scm.B);
            String auth = Smb.auth(pair).toString();
            pair.awaitState(Scm.A, "DAC", "MASTER", STEP);
            pair.awaitState(Scm.B, "DAC", "SLAVE", STEP);
            awaitShare(pair, auth);
            Path probe = Files.writeString(work.resolve("probe.txt"), "probe");
            Smb.Result put = Smb.client(pair, Scm.A, "files", auth, "put " + probe + " probe.txt");
            if (!put.ok()) {
                throw new AssertionError("no probe file: " + put.output() + pair.diagnostics());
            }
            for (int run = 0; run < RUNS; run++) {
                pair.awaitState(Scm.A, "DAC", null, STEP);
                pair.awaitState(Scm.B, "DAC", null, STEP);
                awaitShare(pair, auth);
                long killed = System.nanoTime();
                pair.kill(Scm.A);
                long back = -1;
                // bounded by LIMIT; each attempt is an smbclient process with a 1 s timeout
                while (System.nanoTime() - killed < LIMIT.toNanos()) {
                    if (Smb.client(pair, Scm.A, "files", auth, "get probe.txt " + work.resolve("probe-back.txt")).ok()) {
                        back = System.nanoTime() - killed;
                        break;
                    }
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                }
                if (back < 0) {
                    throw new AssertionError("A's share did not come back within " + LIMIT + pair.diagnostics());
                }
                outages.add(TimeUnit.NANOSECONDS.toMillis(back));
                pair.start(Scm.A);
            }
        }
        System.out.println("# smb.outage: kill -9 of the SCM serving A to the first successful smbclient get through A's"
                + " address, demo timing (" + Timing.DEMO.intervalMs() + " ms x " + Timing.DEMO.counter() + "): " + outages);
        BenchReport.summary("smb.outage", outages, "ms");
    }

    private interface Transfer {
        Smb.Result run() throws IOException, InterruptedException;
    }

    /** @return MiB/s of one transfer of the big file */
    private static double rate(Transfer transfer) throws IOException, InterruptedException {
        long start = System.nanoTime();
        Smb.Result r = transfer.run();
        long nanos = System.nanoTime() - start;
        if (!r.ok()) {
            throw new AssertionError("the transfer failed: " + r.output());
        }
        return MIB / (nanos / 1e9);
    }

    private static Smb.Result plain(PlainSmbd smbd, String user, String commands) throws IOException, InterruptedException {
        return Smb.run(List.of("smbclient", smbd.unc(), "-p", Integer.toString(smbd.port()), "-m", "SMB3", "-t", "60",
                "-U", user.substring(2), "-c", commands), TimeUnit.SECONDS.toMillis(120));
    }

    private static void awaitShare(Pair pair, String auth) {
        Await.until("A's SMB share to answer", STEP, () -> {
            try {
                return Smb.client(pair, Scm.A, "files", auth, "ls").ok();
            } catch (IOException | InterruptedException e) {
                return false;
            }
        }, pair::diagnostics);
    }

    /** Writes {@code mib} MiB of seeded random bytes (the same file every run), for transfer benchmarks. */
    static void writeRandom(Path file, int mib) throws IOException {
        Random random = new Random(256);
        byte[] chunk = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int i = 0; i < mib; i++) {
                random.nextBytes(chunk);
                out.write(chunk);
            }
        }
    }
}
