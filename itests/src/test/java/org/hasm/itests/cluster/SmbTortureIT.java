package org.hasm.itests.cluster;

import static org.hasm.itests.cluster.Pair.Scm.A;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.dist.FreePorts;
import org.hasm.itests.support.PlainSmbd;
import org.hasm.itests.support.SmbTorture;
import org.hasm.itests.support.SmbTorture.Result;
import org.hasm.itests.support.Exclusive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Samba's own conformance suites through hasm's SMB service, beside a plain smbd with Samba's
 * defaults on the same folder: the subset of {@code smb2.*} below runs against personality A's share
 * of a pair in DAC, then against the plain smbd serving A's volume folder (the pair stopped first, so
 * the two never share the folder at once). Every test the plain smbd passes must pass through hasm
 * too: hasm's configuration (its own folders, durability, the addresses it binds, the watchdog) may
 * not cost conformance. The results, test by test, are printed as {@code # smbtorture} lines.
 */
@ResourceLock(Exclusive.CPU_LOAD)
class SmbTortureIT {

    /** Connect, read, rw, getinfo, setinfo, dir, rename, delete-on-close, lock: what a file server does. */
    static final List<String> SUITES = List.of("smb2.connect", "smb2.read", "smb2.rw", "smb2.getinfo", "smb2.setinfo",
            "smb2.dir", "smb2.rename", "smb2.delete-on-close-perms", "smb2.lock");
    private static final Duration EACH_SUITE = Duration.ofMinutes(3);
    private static final Duration STEP = Duration.ofSeconds(30);

    @Test
    void theSuitesAPlainSmbdPassesPassThroughHasm(@TempDir Path work) throws Exception {
        Smb.require();
        Requirements.require(Requirements.tool("smbtorture") != null,
                "smbtorture is not installed (apt-get install -y samba-testsuite)");
        Requirements.require(Requirements.tool("pdbedit") != null, "pdbedit is not installed (apt-get install -y samba)");
        SmbTorture.Results hasm;
        Path folder;
        Pair pair = Pair.create(work.resolve("pair"), Timing.TEST.startedTogether());
        try (pair) {
            PairFaultIT.startInDac(pair);
            Map<String, String> auth = credentials(Smb.auth(pair));
            org.hasm.itests.support.Await.until("the SMB share of A to answer", STEP, () -> {
                try {
                    return Smb.client(pair, A, "files", Smb.auth(pair).toString(), "ls").ok();
                } catch (Exception e) {
                    return false;
                }
            }, pair::diagnostics);
            folder = pair.shared().resolve("volumes").resolve(pair.volume(A));
            hasm = SmbTorture.run("//" + pair.personalityAddress(A) + "/files", Smb.port(pair), auth.get("username"),
                    auth.get("password"), SUITES, EACH_SUITE, work.resolve("torture-hasm"));
            assertTrue(pair.roles("DAC/MASTER", "DAC/SLAVE"), "the suites leave the pair in DAC\n" + pair.diagnostics());
        }
        SmbTorture.Results plain;
        int port = FreePorts.range(0, "127.0.0.1");
        try (PlainSmbd smbd = PlainSmbd.start(work.resolve("plain"), folder, port, "files", "pw-" + port)) {
            plain = SmbTorture.run(smbd.unc(), smbd.port(), smbd.user(), smbd.password(), SUITES, EACH_SUITE,
                    work.resolve("torture-plain"));
        }
        List<String> regressions = new ArrayList<>();
        plain.byTest().forEach((test, result) -> {
            Result ours = hasm.byTest().get(test);
            System.out.println("# smbtorture " + test + ": hasm " + ours + ", plain smbd " + result);
            if (result == Result.SUCCESS && ours != Result.SUCCESS) {
                regressions.add(test + " (" + ours + ")");
            }
        });
        System.out.printf("# smbtorture %d suites: hasm %s (pass rate %.0f%%), plain smbd %s (pass rate %.0f%%)%n",
                SUITES.size(), hasm, 100 * hasm.passRate(), plain, 100 * plain.passRate());
        assertTrue(hasm.count(Result.SUCCESS) > 0, "nothing passed through hasm: " + hasm.byTest());
        assertEquals(List.of(), regressions, "tests a plain smbd passes that fail through hasm; the logs are in "
                + work.resolve("torture-hasm"));
    }

    /** @return the keys of an smbclient credentials file ({@code username = ...}, {@code password = ...}) */
    static Map<String, String> credentials(Path file) throws java.io.IOException {
        Map<String, String> keys = new java.util.HashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                keys.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
            }
        }
        return keys;
    }
}
