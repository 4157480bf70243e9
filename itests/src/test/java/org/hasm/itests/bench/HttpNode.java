package org.hasm.itests.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.hasm.itests.dist.FreePorts;
import org.hasm.itests.dist.ScmProcess;

/**
 * A standalone node folder (the distribution's {@code examples/standalone}) that also runs the HTTP
 * service: features {@code hasm-core,hasm-example,hasm-http}, personality A on 127.0.0.1 with the
 * http export {@code files} of volume {@code vol-a} on a shared folder of its own, free ports.
 */
final class HttpNode {
    final Path node;
    final Path shared;
    final int httpPort;

    private HttpNode(Path node, Path shared, int httpPort) {
        this.node = node;
        this.shared = shared;
        this.httpPort = httpPort;
    }

    /** Writes the node folder {@code dir/node} and the shared folder {@code dir/shared}. */
    static HttpNode write(Path dist, Path dir) throws IOException {
        Path node = ScmProcess.copyStandalone(dist, dir.resolve("node"));
        Path shared = Files.createDirectories(dir.resolve("shared"));
        int base = FreePorts.range(2, "127.0.0.1");
        Path etc = node.resolve("etc");
        Path properties = etc.resolve("hasm.properties");
        String text = Files.readString(properties, StandardCharsets.UTF_8);
        String features = "hasm.features=hasm-core,hasm-example";
        String port = "org.osgi.service.http.port=7070";
        if (!text.contains(features) || !text.contains(port)) {
            throw new IllegalStateException(properties + " no longer has '" + features + "' and '" + port + "':\n" + text);
        }
        Files.writeString(properties, text.replace(features, features + ",hasm-http")
                .replace(port, "org.osgi.service.http.port=" + base), StandardCharsets.UTF_8);
        Files.writeString(etc.resolve("org.hasm.storage.cfg"), "shared.dir=" + shared + "\n", StandardCharsets.UTF_8);
        Files.writeString(etc.resolve("org.hasm.personality~a.cfg"), String.join("\n", "name=A", "home=scm-a",
                "addresses=127.0.0.1", "volumes=vol-a", "export.http.files=vol-a:/", "http.port=" + (base + 2),
                "example.port=" + (base + 1), ""), StandardCharsets.UTF_8);
        return new HttpNode(node, shared, base + 2);
    }

    /** @return the volume's folder, which the storage module creates at its first acquisition */
    Path volume() {
        return shared.resolve("volumes").resolve("vol-a");
    }

    URI files(String path) {
        return URI.create("http://127.0.0.1:" + httpPort + "/files/" + path);
    }

    /** @return the machine's load average over the last minute, from /proc/loadavg (-1 if unreadable) */
    static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Samples the process's resident memory for a while; a measurement window, not a wait for a
     * condition (nothing tells when a JVM has given back what it will).
     *
     * @return the last and the highest sample, in kB
     */
    static long[] sampleResident(ScmProcess scm, long windowMillis, long everyMillis) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(windowMillis);
        long last = scm.residentKb();
        long peak = last;
        for (int i = 0; i < 10_000 && System.nanoTime() - end < 0; i++) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(everyMillis));
            last = scm.residentKb();
            peak = Math.max(peak, last);
        }
        return new long[] {last, peak};
    }
}
