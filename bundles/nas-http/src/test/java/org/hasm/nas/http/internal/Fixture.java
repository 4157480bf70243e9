package org.hasm.nas.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hasm.netif.internal.Observer;
import org.hasm.netif.internal.Readiness;
import org.hasm.spi.Export;
import org.hasm.spi.Personality;
import org.hasm.spi.address.AddressReadiness;
import org.hasm.spi.storage.FencedException;
import org.hasm.spi.storage.Volume;
import org.hasm.spi.storage.VolumeProblem;
import org.junit.jupiter.api.Assumptions;

/** Hand-written SPI objects, a raw HTTP client and cleanup helpers for the tests of this module. */
final class Fixture {

    private Fixture() {
    }

    /** A volume in a temporary folder whose ownership and fencing a test controls. */
    static final class TestVolume implements Volume {
        final String name;
        final Path root;
        final AtomicBoolean owned = new AtomicBoolean(true);
        final AtomicBoolean refuseFence = new AtomicBoolean(false);
        final java.util.concurrent.atomic.AtomicInteger fences = new java.util.concurrent.atomic.AtomicInteger();

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
            return 1;
        }

        @Override
        public boolean owned() {
            return owned.get();
        }

        @Override
        public void fence() throws FencedException {
            fences.incrementAndGet();
            if (refuseFence.get() || !owned.get()) {
                throw new FencedException("volume " + name + " taken over at epoch 2");
            }
        }

        /** What the storage module would make of a failed write: set by the test; every report is kept. */
        final java.util.concurrent.atomic.AtomicReference<VolumeProblem.Kind> reportAs =
                new java.util.concurrent.atomic.AtomicReference<>();
        final List<IOException> failedWrites = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public VolumeProblem.Kind writeFailed(IOException cause) {
            failedWrites.add(cause);
            return reportAs.get();
        }
    }

    /**
     * A disk under the module's own files (the dead properties) that a test makes fail or wait: reads of the files
     * it names fail with an I/O error, a listing fails or waits until the test lets it go. Writes go through.
     */
    static final class TestDisk implements DurableWrite.ChannelOpener {
        /** The files whose read fails now. */
        volatile Predicate<Path> unreadable = file -> false;
        /** Set: listing a folder fails with it. */
        final AtomicReference<IOException> listFails = new AtomicReference<>();
        /** Set: a listing waits until it is counted down (the test lets it go). */
        volatile CountDownLatch listingWaits;
        /** How many listings started. */
        final AtomicInteger listings = new AtomicInteger();
        /** Set: a listing read to its end waits there until it is counted down (the test lets it go). */
        volatile CountDownLatch endWaits;
        /** How many listings were read to their end. */
        final AtomicInteger ended = new AtomicInteger();

        @Override
        public FileChannel open(Path target, FileChannel created) {
            return created;
        }

        @Override
        public FileChannel read(Path file) throws IOException {
            if (unreadable.test(file)) {
                throw new IOException("Input/output error");
            }
            return DurableWrite.ChannelOpener.super.read(file);
        }

        @Override
        public DirectoryStream<Path> list(Path folder) throws IOException {
            listings.incrementAndGet();
            CountDownLatch waits = listingWaits;
            if (waits != null) {
                try {
                    if (!waits.await(60, TimeUnit.SECONDS)) {
                        throw new IOException("the test never let the listing go");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
            }
            IOException fails = listFails.get();
            if (fails != null) {
                throw fails;
            }
            DirectoryStream<Path> names = DurableWrite.ChannelOpener.super.list(folder);
            CountDownLatch atEnd = endWaits;
            return atEnd == null ? names : new DirectoryStream<>() {
                @Override
                public Iterator<Path> iterator() {
                    Iterator<Path> each = names.iterator();
                    return new Iterator<>() {
                        private boolean done;

                        @Override
                        public boolean hasNext() {
                            if (each.hasNext() || done) {
                                return !done;
                            }
                            done = true;
                            ended.incrementAndGet();
                            try {
                                atEnd.await(60, TimeUnit.SECONDS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            return false;
                        }

                        @Override
                        public Path next() {
                            return each.next();
                        }
                    };
                }

                @Override
                public void close() throws IOException {
                    names.close();
                }
            };
        }
    }

    /** Volumes by name; a volume not in the map is not owned. */
    static final class TestVolumes implements Volumes {
        final Map<String, Volume> owned = new ConcurrentHashMap<>();

        @Override
        public Volume volume(String name) {
            return owned.get(name);
        }
    }

    /**
     * hasm's address readiness as the address module runs it in loopback mode, where every address of
     * a personality this SCM serves is up: the real one from hasm-netif, told by the test which
     * addresses this SCM serves (the address module's {@code opMode} does it in the framework).
     */
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
        final AddressReadiness service = readiness.client("org.hasm.nas.http");

        LoopbackAddresses(String... addresses) {
            serve(addresses);
        }

        /** This SCM serves exactly these addresses now: waits for others are cancelled. */
        void serve(String... addresses) {
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
            return "http";
        }
    }

    record TestPersonality(String name, List<String> addresses, List<String> volumes, List<Export> http,
            Map<String, String> properties) implements Personality {
        @Override
        public String home() {
            return "scm-" + name.toLowerCase(Locale.ROOT);
        }

        @Override
        public List<Export> exports(String protocol) {
            return "http".equals(protocol) ? http : List.of();
        }
    }

    static TestPersonality personality(String name, String address, int port, Export... exports) {
        List<String> vols = new ArrayList<>();
        for (Export e : exports) {
            vols.add(e.volume());
        }
        return new TestPersonality(name, List.of(address), vols, List.of(exports),
                Map.of(ServicePlan.PORT, Integer.toString(port)));
    }

    /** Records what the core reports. */
    static final class RecordingEvents implements Events {
        final List<String> events = Collections.synchronizedList(new ArrayList<>());
        final List<String> infos = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void info(String message) {
            infos.add(message);
            System.out.println("[nas-http] " + message);
        }

        final List<String> warnings = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void warn(String message) {
            warnings.add(message);
            System.out.println("[nas-http] WARN " + message);
        }

        @Override
        public void publish(String event, Map<String, ?> properties) {
            events.add(event + " " + new java.util.TreeMap<>(properties));
        }
    }

    /** A parsed HTTP response. */
    record Response(int status, Map<String, String> headers, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /**
     * Sends one request on its own connection, exactly as given (the request target is not
     * normalized or encoded), and reads the whole answer. {@code Connection: close} is added.
     */
    static Response send(String address, int port, String method, String target, Map<String, String> headers,
            byte[] body) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), 5_000);
            s.setSoTimeout(30_000);
            StringBuilder head = new StringBuilder();
            head.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
            head.append("Host: ").append(address).append(':').append(port).append("\r\n");
            head.append("Connection: close\r\n");
            Map<String, String> h = new LinkedHashMap<>(headers);
            if (body != null) {
                h.putIfAbsent("Content-Length", Integer.toString(body.length));
            }
            h.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
            head.append("\r\n");
            OutputStream out = s.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            if (body != null) {
                out.write(body);
            }
            out.flush();
            return read(s.getInputStream(), "HEAD".equals(method));
        }
    }

    private static final Pattern STATUS = Pattern.compile("HTTP/1\\.1 (\\d{3})");

    /** @return the statuses of a multistatus, by how often each occurs */
    static Map<Integer, Integer> statuses(Response r) {
        assertEquals(207, r.status(), r.text());
        Map<Integer, Integer> counts = new HashMap<>();
        Matcher m = STATUS.matcher(r.text());
        while (m.find()) {
            counts.merge(Integer.parseInt(m.group(1)), 1, Integer::sum);
        }
        return counts;
    }

    /** @return every property of a resource as PROPFIND (allprop) answers it */
    static String allprop(String address, int port, String path) throws IOException {
        Response r = send(address, port, "PROPFIND", path, Map.of("Depth", "0"), null);
        assertEquals(207, r.status(), path + ": " + r.text());
        return r.text();
    }

    static Response send(String address, int port, String method, String target) throws IOException {
        return send(address, port, method, target, Map.of(), null);
    }

    static Response read(InputStream in, boolean head) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        in.transferTo(all);
        byte[] bytes = all.toByteArray();
        int end = indexOf(bytes, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        if (end < 0) {
            throw new IOException("no complete response head: " + new String(bytes, StandardCharsets.ISO_8859_1));
        }
        String[] lines = new String(bytes, 0, end, StandardCharsets.ISO_8859_1).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
        byte[] body = java.util.Arrays.copyOfRange(bytes, end + 4, bytes.length);
        if (!head && "chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = dechunk(body);
        }
        return new Response(status, headers, body);
    }

    private static byte[] dechunk(byte[] in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int pos = 0;
        for (int guard = 0; guard < 1_000_000; guard++) {
            int eol = indexOf(java.util.Arrays.copyOfRange(in, pos, in.length), new byte[] {'\r', '\n'});
            if (eol < 0) {
                throw new IOException("bad chunked body");
            }
            String size = new String(in, pos, eol, StandardCharsets.ISO_8859_1).split(";")[0].trim();
            int n = Integer.parseInt(size, 16);
            pos += eol + 2;
            if (n == 0) {
                return out.toByteArray();
            }
            out.write(in, pos, n);
            pos += n + 2;
        }
        throw new IOException("too many chunks");
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** @return {@code true} if something accepts connections there */
    static boolean listening(String address, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), 1_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Polls until the condition holds or the deadline passes. */
    static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + timeout + " waiting for " + what);
            }
            // the polling interval of a deadline wait, not a fixed delay
            java.util.concurrent.locks.LockSupport.parkNanos(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(20));
            if (Thread.currentThread().isInterrupted()) {
                fail("interrupted waiting for " + what);
            }
        }
    }

    /** Lists every file under a folder, relative names, for "nothing else appeared" checks. */
    static List<String> files(Path folder) throws IOException {
        List<String> names = new ArrayList<>();
        try (var s = Files.walk(folder)) {
            s.filter(Files::isRegularFile).forEach(p -> names.add(folder.relativize(p).toString()));
        }
        Collections.sort(names);
        return names;
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
            System.out.println("[nas-http] could not delete " + root + ": " + e.getMessage());
        }
    }

    /**
     * An OS tool a test needs: on CI (env CI=true) its absence fails the test, elsewhere it skips it,
     * either way saying what to install.
     */
    static Path requireTool(String tool, String install) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        String message = tool + " is not installed: " + install;
        if ("true".equals(System.getenv("CI"))) {
            fail(message);
        }
        Assumptions.abort(message);
        return null;
    }

    /** Runs a process to its end with a deadline, returning its exit code and output. */
    static ProcessResult run(Duration timeout, Path workDir, String... command) throws IOException,
            InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        if (workDir != null) {
            pb.directory(workDir.toFile());
        }
        Process p = pb.start();
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
            exited = p.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } finally {
            if (!exited) {
                // only a process still running is killed: destroying an exited one closes its output
                // before the reader has drained it
                p.destroyForcibly();
            }
            reader.join(10_000);
        }
        if (!exited) {
            fail(String.join(" ", command) + " did not finish within " + timeout + ":\n" + out);
        }
        return new ProcessResult(p.exitValue(), out.toString(StandardCharsets.UTF_8));
    }

    record ProcessResult(int exitCode, String output) {
    }
}
