package org.hasm.itests.cluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link TickleClient} JVM in a network namespace of a {@link NetnsLab}, driven line by line; each
 * line it prints is kept with the instant it arrived. {@link #close()} kills it and waits for it.
 */
final class ClientProcess implements AutoCloseable {

    /** A line the client printed, and when the test read it ({@link System#nanoTime()}). */
    record Line(String text, long nanos) {
    }

    private final Process process;
    private final OutputStream commands;
    private final LinkedBlockingQueue<Line> lines = new LinkedBlockingQueue<>();
    private final List<String> seen = new ArrayList<>();
    private final Thread reader;

    private ClientProcess(Process process) {
        this.process = process;
        this.commands = process.getOutputStream();
        this.reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(new Line(line, System.nanoTime()));
                }
            } catch (IOException e) {
                lines.add(new Line("(client output closed: " + e.getMessage() + ")", System.nanoTime()));
            }
        }, "tickle-client-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts a client of {@code host:port} asking for {@code path}, in the lab machine's namespace. */
    static ClientProcess start(NetnsLab lab, String machine, String host, int port, String path) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        String classes;
        try {
            classes = Path.of(TickleClient.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", lab.ns(machine), java, "-Xmx32m",
                "-XX:TieredStopAtLevel=1", "-cp", classes, TickleClient.class.getName(), host, Integer.toString(port),
                path));
        return new ClientProcess(new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start());
    }

    /** Sends one command line. */
    void command(String command) throws IOException {
        commands.write((command + "\n").getBytes(StandardCharsets.UTF_8));
        commands.flush();
    }

    /**
     * @return the next line the client prints, waiting at most {@code timeout}; or {@code null} if
     *     it printed none by then
     */
    Line next(Duration timeout) throws InterruptedException {
        Line l = lines.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (l != null) {
            synchronized (seen) {
                seen.add(l.text());
            }
        }
        return l;
    }

    /**
     * @return the next line, which must start with {@code prefix}
     * @throws AssertionError naming what came instead, or that nothing came in time
     */
    Line expect(String prefix, Duration timeout) throws InterruptedException {
        Line l = next(timeout);
        if (l == null || !l.text().startsWith(prefix)) {
            throw new AssertionError("the client was to say '" + prefix + "...' within " + timeout.toMillis()
                    + " ms, said " + (l == null ? "nothing" : "'" + l.text() + "'") + "; all it said: " + said());
        }
        return l;
    }

    /** @return every line taken so far, for messages */
    String said() {
        synchronized (seen) {
            return seen.toString();
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        reader.join(2000);
    }
}
