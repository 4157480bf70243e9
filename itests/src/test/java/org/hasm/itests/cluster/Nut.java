package org.hasm.itests.cluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hasm.itests.support.Await;

/**
 * A real Network UPS Tools server for a test: the {@code dummy-ups} driver reading a status file
 * ({@code ups.dev}, the format of an {@code upsc} dump) and {@code upsd} on 127.0.0.1 at a free port,
 * both children of the test with a configuration and a state folder of their own in the test's folder
 * (Debian package {@code nut-server}). The test plays the UPS by rewriting the status file; the driver
 * reads it again when its time stamp changes, at most a second later. {@link #close()} stops both,
 * also when the test failed.
 */
public final class Nut implements AutoCloseable {

    /** The UPS's name in ups.conf and upsd. */
    public static final String UPS = "testups";
    private static final Path DRIVER = Path.of("/lib/nut/dummy-ups");
    private static final Duration START = Duration.ofSeconds(30);

    private final Path dir;
    private final int port;
    private final List<Process> processes = new ArrayList<>();
    // upsd's command and its process in processes, to stop and start it again
    private List<String> server;
    private Process serverProcess;
    // the time stamp of the status file last written, in whole seconds: the test's thread only
    private long statusSeconds;

    private Nut(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /**
     * Skips the test (fails it with CI=true) when nut-server is not installed.
     */
    public static void require() {
        Requirements.require(Files.isExecutable(DRIVER) && upsd() != null, "Network UPS Tools' server is not"
                + " installed (" + DRIVER + " and upsd): apt-get install nut-server");
    }

    /* Debian's /usr/sbin/upsd is a script that runs the real one only with MODE set in /etc/nut/nut.conf */
    private static Path upsd() {
        Path real = Path.of("/lib/nut/upsd");
        return Files.isExecutable(real) ? real : Requirements.tool("upsd");
    }

    /** Starts the driver, then upsd, with {@code status} as the UPS's first state; returns once upsd serves it. */
    public static Nut start(Path dir, String status) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path state = dir.resolve("state");
        Files.createDirectories(state);
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwx------"));
        Nut nut = new Nut(dir, freePort());
        try {
            nut.status(status);
            write(dir.resolve("ups.conf"), "[" + UPS + "]\n  driver = dummy-ups\n  port = " + dir.resolve("ups.dev")
                    + "\n  pollinterval = 1\n  desc = \"hasm test UPS\"\n");
            write(dir.resolve("upsd.conf"), "LISTEN 127.0.0.1 " + nut.port + "\n");
            write(dir.resolve("upsd.users"), "[watcher]\n  password = watcher-secret\n  upsmon secondary\n");
            boolean root = Requirements.isRoot();
            List<String> driver = new ArrayList<>(List.of(DRIVER.toString(), "-a", UPS, "-F"));
            List<String> server = new ArrayList<>(List.of(upsd().toString(), "-F"));
            nut.server = server;
            if (root) {
                // as root NUT would switch to its own account, which cannot read the test's folder
                driver.addAll(List.of("-u", "root"));
                server.addAll(List.of("-u", "root"));
            }
            nut.run(driver, "driver");
            Path socket = state.resolve("dummy-ups-" + UPS);
            Await.until("dummy-ups's socket " + socket, START, () -> Files.exists(socket), nut::logs);
            nut.serverProcess = nut.run(server, "upsd");
            Await.until("upsd on 127.0.0.1:" + nut.port + " to report " + UPS + " '" + status + "'", START,
                    () -> status.equals(nut.get("ups.status")), nut::logs);
            return nut;
        } catch (IOException | RuntimeException | Error e) {
            nut.close();
            throw e;
        }
    }

    public int port() {
        return port;
    }

    /**
     * Rewrites the status file: {@code ups.status} (e.g. {@code "OB DISCHRG"}) and a battery charge, as a
     * new file moved into place with a time stamp at least a second after the last one: the driver reads
     * the file again only when its time stamp changed in whole seconds, so two writes within one second
     * would leave the second unread.
     */
    public void status(String status) throws IOException {
        String charge = status.contains("LB") ? "8" : status.contains("OB") ? "80" : "100";
        Path tmp = dir.resolve("ups.dev.tmp");
        write(tmp, "ups.status: " + status + "\nbattery.charge: " + charge + "\ndevice.model: hasm test UPS\n");
        statusSeconds = Math.max(System.currentTimeMillis() / 1000, statusSeconds + 1);
        Files.setLastModifiedTime(tmp, FileTime.from(statusSeconds, TimeUnit.SECONDS));
        Files.move(tmp, dir.resolve("ups.dev"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** @return the variable as upsd serves it now, or {@code null} when upsd does not answer with a value */
    public String get(String variable) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            s.setSoTimeout(2000);
            OutputStream out = s.getOutputStream();
            out.write(("GET VAR " + UPS + " " + variable + "\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
            String prefix = "VAR " + UPS + " " + variable + " \"";
            return line != null && line.startsWith(prefix) && line.endsWith("\"")
                    ? line.substring(prefix.length(), line.length() - 1) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Waits until upsd serves {@code status}: the driver read the file. */
    public void awaitStatus(String status, Duration timeout) {
        Await.until("upsd to report " + UPS + " '" + status + "'", timeout, () -> status.equals(get("ups.status")),
                this::logs);
    }

    /** Stops upsd (SIGTERM), as a crashed or restarted upsd would be gone; the driver stays. */
    public void stopServer() throws InterruptedException {
        stop(serverProcess);
        Await.until("upsd on 127.0.0.1:" + port + " to be gone", START, () -> get("ups.status") == null, this::logs);
    }

    /** Starts upsd again after {@link #stopServer()}; returns once it serves the UPS. */
    public void startServer() throws IOException {
        serverProcess = run(server, "upsd-again");
        Await.until("upsd on 127.0.0.1:" + port + " to serve " + UPS + " again", START,
                () -> get("ups.status") != null, this::logs);
    }

    private Process run(List<String> command, String name) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile());
        pb.environment().put("NUT_CONFPATH", dir.toString());
        pb.environment().put("NUT_STATEPATH", dir.resolve("state").toString());
        pb.environment().put("NUT_ALTPIDPATH", dir.resolve("state").toString());
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    /** @return the driver's and upsd's output, for a failure message */
    public String logs() {
        StringBuilder b = new StringBuilder();
        for (String name : List.of("driver", "upsd", "upsd-again")) {
            Path log = dir.resolve(name + ".log");
            try {
                b.append("\n--- ").append(name).append(" ---\n")
                        .append(Files.isRegularFile(log) ? Files.readString(log, StandardCharsets.UTF_8) : "(none)");
            } catch (IOException e) {
                b.append("(cannot read ").append(log).append(": ").append(e).append(")");
            }
        }
        return b.toString();
    }

    private static void write(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8);
        // upsd refuses, or complains about, configuration others may read
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            return s.getLocalPort();
        }
    }

    /** Stops upsd, then the driver: SIGTERM, then SIGKILL after 5 s; waits for both. */
    @Override
    public void close() throws InterruptedException {
        for (int i = processes.size() - 1; i >= 0; i--) {
            stop(processes.get(i));
        }
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
