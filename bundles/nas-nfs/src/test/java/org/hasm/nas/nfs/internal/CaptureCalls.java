package org.hasm.nas.nfs.internal;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Captures the calls libnfs's clients make against the NFS core, one fixture file per program and
 * procedure, into {@code src/test/resources/org/hasm/nas/nfs/internal/calls}. Not a test: it made
 * the fixtures {@link XdrCapturedTest} decodes, and is run again by hand
 * ({@code java ... CaptureCalls DIR}) when a client's calls should be captured anew.
 */
public final class CaptureCalls {
    private CaptureCalls() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        Files.createDirectories(out);
        try (TestServer server = new TestServer(); RecordingProxy proxy = new RecordingProxy(TestServer.ADDRESS, server.port)) {
            Files.writeString(server.folder.resolve("hello.txt"), "hello\n");
            Files.createDirectory(server.folder.resolve("sub"));
            byte[] data = new byte[3_000];
            new Random(1).nextBytes(data);
            Path local = server.dir.resolve("local.bin");
            Files.write(local, data);
            String base = "nfs://" + TestServer.ADDRESS + "/data";
            String q = "?nfsport=" + proxy.port() + "&mountport=" + proxy.port() + "&version=3";
            Duration t = Duration.ofSeconds(60);
            Fixture.run(t, "nfs-ls", base + q);
            Fixture.run(t, "nfs-cat", base + "/hello.txt" + q);
            Fixture.run(t, "nfs-cp", local.toString(), base + "/up.bin" + q);
            Fixture.run(t, "nfs-cp", base + "/up.bin" + q, server.dir.resolve("back.bin").toString());
            Map<String, byte[]> first = new LinkedHashMap<>();
            for (byte[] call : proxy.calls()) {
                ByteBuffer b = ByteBuffer.wrap(call);
                b.getInt(); // xid
                b.getInt(); // CALL
                b.getInt(); // rpc version
                int prog = b.getInt();
                int vers = b.getInt();
                int proc = b.getInt();
                first.putIfAbsent(prog + "-" + vers + "-" + proc, call);
            }
            for (Map.Entry<String, byte[]> e : first.entrySet()) {
                Files.write(out.resolve(e.getKey() + ".bin"), e.getValue());
                System.out.println("captured " + e.getKey() + ": " + e.getValue().length + " bytes");
            }
        }
    }
}
