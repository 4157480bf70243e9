package org.hasm.nas.smb.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.hasm.spi.Personality;
import org.hasm.testkit.ContractKit;
import org.hasm.testkit.Logs;
import org.junit.jupiter.api.Test;

/**
 * The SMB service against hasm's contract kit, like any service bundle: one smbd per personality,
 * started and stopped as the kit hands personalities over, and a client that writes a file through
 * each served personality with smbclient (SMB3, the user alice). smbd writes the volume itself, so the
 * fenced volume is checked after the kit's fence lag: nothing may change once the lag is over.
 */
class SmbContractTest {

    /** smbclient puts a file on the personality's share: must succeed. */
    private static void put(Personality p, int port, Path local) throws IOException {
        Commands.Result r = SmbFixture.smbclient(p.addresses().get(0), port, "files", "alice%password",
                "put " + local + " kit-" + System.nanoTime() + ".txt");
        if (r.exit() != 0) {
            throw new IOException("smbclient put through personality " + p.name() + ": exit " + r.exit() + ": " + r.output());
        }
    }

    @Test
    void theSmbServiceKeepsTheLifecycleContract() throws IOException {
        SmbFixture.requireSamba();
        int port = ContractKit.freePort();
        Path local = Files.createTempFile("hasm-smb-kit", ".txt");
        try {
            Files.writeString(local, "written through the contract kit");
            SmbSettings settings = new SmbSettings("smbd", "pdbedit",
                    SmbUser.parse("alice:" + SmbFixture.PASSWORD_HASH + ":" + System.getProperty("user.name")), "nobody",
                    5000, 0, 100, 2000, 1);
            ContractKit.forModule("smb", kit -> new SmbModule(settings, Logs.named("org.hasm.nas.smb").logger(),
                            kit.volumes(), kit.readiness(), kit.folder(), 2000))
                    .property(SharePlan.PORT, Integer.toString(port))
                    .export("smb", "files", "files")
                    .ports(port)
                    // smbd writes the volume itself: its supervisor kills it within a tick (a quarter of the
                    // watchdog, 250 ms here) of the volume's loss, well inside the peer's wait of a storage lease
                    .fenceLag(java.time.Duration.ofMillis(1000))
                    .client(p -> put(p, port, local))
                    .run()
                    .assertNoViolations();
        } finally {
            Files.deleteIfExists(local);
        }
    }
}
