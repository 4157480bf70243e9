package org.hasm.nas.nfs.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.hasm.spi.Personality;
import org.hasm.testkit.ContractKit;
import org.hasm.testkit.Logs;
import org.junit.jupiter.api.Test;

class NfsContractTest {

    /** A client's MOUNT, CREATE and a FILE_SYNC WRITE on the personality's export: all must succeed. */
    private static void mountAndWrite(Personality p, int port) throws IOException {
        // a short reply timeout: a write refused on a fenced volume gets no reply at all
        try (NfsClient nfs = new NfsClient(p.addresses().get(0), port, 3000)) {
            byte[] root = nfs.mount("/data");
            byte[] f = nfs.create(root, "kit-" + System.nanoTime() + ".txt");
            NfsClient.Written w = nfs.write(f, 0, ("written through " + p.name()).getBytes(StandardCharsets.UTF_8),
                    NfsClient.FILE_SYNC);
            if (w.status() != NfsClient.OK) {
                throw new IOException("WRITE on personality " + p.name() + ": nfsstat3 " + w.status());
            }
        }
    }

    @Test
    void theNfsServiceKeepsTheLifecycleContract() {
        int port = ContractKit.freePort();
        int portmap = ContractKit.freePort();
        ContractKit.forModule("nfs", kit -> new NfsModule(NfsSettings.DEFAULTS, Logs.named("org.hasm.nas.nfs").logger(),
                        kit.volumes(), kit.readiness(), HandleKeys.hmac(TestServer.KEY), () -> 1))
                .property(NfsPlan.PORT, Integer.toString(port))
                .property(NfsPlan.PORTMAP_PORT, Integer.toString(portmap))
                .export("nfs", "data", "data")
                .client(p -> mountAndWrite(p, port))
                .run()
                .assertNoViolations();
    }
}
