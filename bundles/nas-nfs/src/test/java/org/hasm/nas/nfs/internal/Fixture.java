package org.hasm.nas.nfs.internal;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.hasm.netif.internal.Observer;
import org.hasm.netif.internal.Readiness;
import org.hasm.spi.Export;
import org.hasm.spi.Personality;
import org.hasm.spi.address.AddressReadiness;
import org.hasm.spi.storage.FencedException;
import org.hasm.spi.storage.Volume;
import org.junit.jupiter.api.Assumptions;

/** Hand-written SPI objects, a running NFS core and cleanup helpers for the tests of this module. */
final class Fixture {

    private Fixture() {
    }

    /** A volume in a temporary folder whose ownership, epoch and fencing a test controls. */
    static final class TestVolume implements Volume {
        final String name;
        final Path root;
        final AtomicBoolean owned = new AtomicBoolean(true);
        final AtomicLong epoch = new AtomicLong(1);
        final AtomicInteger fences = new AtomicInteger();
        /** The fence fails while the volume still looks owned: it was lost between the check and the fence. */
        final AtomicBoolean fenceFails = new AtomicBoolean();
        /** Runs in a fence before it decides: what the storage module does when the fence finds another owner. */
        volatile Runnable onFence = () -> { };

        TestVolume(String name, Path root) {
            this.name = name;
            this.root = root;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Path root() {
            return root;
        }

        @Override
        public long epoch() {
            return epoch.get();
        }

        @Override
        public boolean owned() {
            return owned.get();
        }

        @Override
        public void fence() throws FencedException {
            fences.incrementAndGet();
            onFence.run();
            if (!owned.get() || fenceFails.get()) {
                throw new FencedException("volume " + name + " taken over");
            }
        }
    }

    static final class TestVolumes implements Volumes {
        final Map<String, Volume> owned = new ConcurrentHashMap<>();

        @Override
        public Volume volume(String name) {
            return owned.get(name);
        }
    }

    /** hasm-netif's real address readiness, told that this SCM serves the given loopback addresses. */
    static final class LoopbackAddresses implements AutoCloseable {
        final Readiness readiness = new Readiness(new Observer() {
            @Override
            public void event(String topic, Map<String, Object> properties) {
                // the waits' events are hasm-netif's to test
            }

            @Override
            public void log(Level level, String message) {
                System.out.println("[netif] " + level + " " + message);
            }
        });
        final AddressReadiness service = readiness.client("org.hasm.nas.nfs");

        LoopbackAddresses(String... addresses) {
            Map<String, String> wanted = new LinkedHashMap<>();
            for (String a : addresses) {
                wanted.put(a, "personality at " + a);
            }
            readiness.serving("scm-t", wanted, wanted.keySet());
        }

        @Override
        public void close() {
            readiness.close();
        }
    }

    record TestExport(String name, String volume, String path, boolean readOnly) implements Export {
        @Override
        public String protocol() {
            return "nfs";
        }
    }

    record TestPersonality(String name, List<String> addresses, List<String> volumes, List<Export> nfs,
            Map<String, String> properties) implements Personality {
        @Override
        public String home() {
            return "scm-" + name.toLowerCase(Locale.ROOT);
        }

        @Override
        public List<Export> exports(String protocol) {
            return "nfs".equals(protocol) ? nfs : List.of();
        }
    }

    static TestPersonality personality(String name, String address, int port, int portmapPort, Export... exports) {
        List<String> vols = new ArrayList<>();
        for (Export e : exports) {
            if (!vols.contains(e.volume())) {
                vols.add(e.volume());
            }
        }
        return new TestPersonality(name, List.of(address), vols, List.of(exports),
                Map.of(NfsPlan.PORT, Integer.toString(port), NfsPlan.PORTMAP_PORT, Integer.toString(portmapPort)));
    }

    static final class RecordingEvents implements Events {
        final List<String> events = Collections.synchronizedList(new ArrayList<>());
        final List<String> warnings = Collections.synchronizedList(new ArrayList<>());
        final List<String> infos = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void info(String message) {
            infos.add(message);
            System.out.println("[nas-nfs] " + message);
        }

        @Override
        public void warn(String message) {
            warnings.add(message);
            System.out.println("[nas-nfs] WARN " + message);
        }

        @Override
        public void publish(String event, Map<String, ?> properties) {
            events.add(event + " " + new java.util.TreeMap<>(properties));
        }
    }

    /** @return a port nothing listens on now (ports of the tests are handed out in order, below the ephemeral range) */
    static int freePort() throws IOException {
        for (int i = 0; i < 200; i++) {
            int port = 20_000 + (int) (Math.random() * 12_000);
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new java.net.InetSocketAddress("127.0.0.1", port));
                return port;
            } catch (IOException e) {
                // taken: try another
            }
        }
        throw new IOException("no free port found in 200 tries");
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + timeout + " waiting for " + what);
            }
            // the polling interval of a deadline wait, not a fixed delay
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    static void deleteTree(Path root) {
        if (root == null || !Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            System.out.println("[nas-nfs] could not delete " + root + ": " + e.getMessage());
        }
    }

    /** An OS tool a test needs: on CI (CI=true) its absence fails the test, elsewhere it skips it. */
    static void requireTool(String tool, String install) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return;
            }
        }
        String message = tool + " is not installed: " + install;
        if ("true".equals(System.getenv("CI"))) {
            fail(message);
        }
        Assumptions.abort(message);
    }

    record ProcessResult(int exitCode, String output) {
    }

    /** Runs a process to its end with a deadline. */
    static ProcessResult run(Duration timeout, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread reader = new Thread(() -> {
            try (InputStream in = p.getInputStream()) {
                in.transferTo(out);
            } catch (IOException e) {
                // process gone
            }
        }, "hasm-test-output-" + command[0]);
        reader.setDaemon(true);
        reader.start();
        boolean exited = false;
        try {
            exited = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } finally {
            if (!exited) {
                p.destroyForcibly();
            }
            reader.join(10_000);
        }
        if (!exited) {
            fail(String.join(" ", command) + " did not finish within " + timeout + ":\n" + out);
        }
        return new ProcessResult(p.exitValue(), out.toString(StandardCharsets.UTF_8));
    }
}
