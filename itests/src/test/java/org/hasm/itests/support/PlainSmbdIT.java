package org.hasm.itests.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.hasm.itests.cluster.Requirements;
import org.hasm.itests.dist.FreePorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SMB peer and the smbtorture runner the SMB service is measured with: a plain smbd serves a
 * folder, smbtorture's results are read test by test, and nothing of smbd is left after close.
 */
class PlainSmbdIT {

    @Test
    void aPlainSmbdServesSmbtortureAndLeavesNothingBehind(@TempDir Path work) throws Exception {
        for (String tool : List.of("smbd", "pdbedit", "smbtorture", "setsid")) {
            Requirements.require(Requirements.tool(tool) != null, tool
                    + " is not installed: apt-get install samba samba-testsuite util-linux");
        }
        Path folder = Files.createDirectories(work.resolve("folder"));
        Path dir = work.resolve("smbd");
        int port = FreePorts.range(0, "127.0.0.1");
        long session;
        try (PlainSmbd smbd = PlainSmbd.start(dir, folder, port, "share", "pw-" + port)) {
            session = smbd.session();
            SmbTorture.Results results = SmbTorture.run(smbd.unc(), smbd.port(), smbd.user(), smbd.password(),
                    List.of("smb2.connect", "smb2.read"), Duration.ofMinutes(2), work.resolve("torture"));
            assertEquals(SmbTorture.Result.SUCCESS, results.byTest().get("smb2.connect.connect"), results.byTest()
                    + "\n" + smbd.transcript());
            assertTrue(results.count(SmbTorture.Result.SUCCESS) >= 4, results.toString());
            assertTrue(PlainSmbd.processesOf(session).size() >= 1, "smbd runs in its own session");
        }
        assertEquals(List.of(), PlainSmbd.processesOf(session), "no smbd of the peer is left");
    }

    @Test
    void resultsAreReadTestByTest() {
        assertEquals(SmbTorture.Result.FAILURE, SmbTorture.parse("smb2.rw", List.of("time: 1", "test: rw1",
                "failure: rw1 [", "bad", "]", "success: rw2")).get("smb2.rw.rw1"));
        assertEquals(SmbTorture.Result.ERROR, SmbTorture.parse("smb2.bogus", List.of("Unknown torture operation"))
                .get("smb2.bogus"), "a suite that reports no test is an error of the suite");
    }
}
