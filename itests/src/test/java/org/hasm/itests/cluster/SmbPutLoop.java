package org.hasm.itests.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.hasm.itests.support.Await;

/**
 * A client that writes files through a personality's SMB share with smbclient, one file per
 * connection, each with content of its own, retried until smbclient says the put succeeded. Every
 * acknowledged put is kept (as a {@link PutLoop.Ack}, status 0) so that a test can read them all back
 * after a takeover. One thread of its own; bounded by a file count, attempts per file and a deadline.
 */
public final class SmbPutLoop implements AutoCloseable {

    static final int MAX_FILES = 5_000;
    static final int MAX_ATTEMPTS = 500;
    private static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(25);

    private final Pair pair;
    private final Pair.Scm home;
    private final String prefix;
    private final Path scratch;
    private final long deadline;
    private final Supplier<String> attribution;
    private final long seed = new SplittableRandom().nextLong();
    private final Thread thread;
    private volatile boolean running = true;
    // Guarded by this: written by the loop's thread, read by the test's.
    private final List<PutLoop.Ack> acks = new ArrayList<>();
    private final List<String> givenUp = new ArrayList<>();
    private int failures;
    private String lastFailure = "";

    private SmbPutLoop(Pair pair, Pair.Scm home, String prefix, Path scratch, Duration limit, Supplier<String> attribution) {
        this.pair = pair;
        this.home = home;
        this.prefix = prefix;
        this.scratch = scratch;
        this.deadline = System.nanoTime() + limit.toNanos();
        this.attribution = attribution;
        this.thread = new Thread(this::run, "smb-put-loop-" + prefix);
        this.thread.setDaemon(true);
    }

    /** Starts putting {@code prefix + n}, n = 0, 1, ..., into the share {@code files} of {@code home}'s personality. */
    public static SmbPutLoop start(Pair pair, Pair.Scm home, String prefix, Path scratch, Duration limit,
            Supplier<String> attribution) throws IOException {
        Files.createDirectories(scratch);
        SmbPutLoop loop = new SmbPutLoop(pair, home, prefix, scratch, limit, attribution);
        loop.thread.start();
        return loop;
    }

    byte[] content(int n) {
        SplittableRandom random = new SplittableRandom(seed ^ (n * 0x9E3779B97F4A7C15L));
        byte[] head = (prefix + n + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] bytes = Arrays.copyOf(head, head.length + 2048 + random.nextInt(4096));
        for (int i = head.length; i < bytes.length; i++) {
            bytes[i] = (byte) random.nextInt(256);
        }
        return bytes;
    }

    private void run() {
        String auth = Smb.auth(pair).toString();
        // bounded: MAX_FILES files, MAX_ATTEMPTS attempts each, and the deadline
        files:
        for (int n = 0; n < MAX_FILES; n++) {
            String name = prefix + n;
            byte[] content = content(n);
            Path local = scratch.resolve(name);
            try {
                Files.write(local, content);
            } catch (IOException e) {
                synchronized (this) {
                    lastFailure = "cannot write " + local + ": " + e;
                }
                break;
            }
            for (int attempt = 0; ; attempt++) {
                if (!running || System.nanoTime() - deadline >= 0) {
                    break files;
                }
                if (attempt >= MAX_ATTEMPTS) {
                    synchronized (this) {
                        givenUp.add(name);
                    }
                    break;
                }
                String before = attribution == null ? "" : attribution.get();
                long sent = System.nanoTime();
                Smb.Result r;
                try {
                    r = Smb.client(pair, home, "files", auth, "put " + local + " " + name);
                } catch (IOException e) {
                    r = new Smb.Result(-1, e.toString());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break files;
                }
                long answered = System.nanoTime();
                if (r.ok() && r.output().contains("putting file")) {
                    String after = attribution == null ? "" : attribution.get();
                    synchronized (this) {
                        acks.add(new PutLoop.Ack(name, content, sent, answered, 0,
                                before.equals(after) ? before : before + "→" + after));
                    }
                    break;
                }
                synchronized (this) {
                    failures++;
                    lastFailure = r.output().strip();
                }
                LockSupport.parkNanos(RETRY_NANOS);
            }
        }
    }

    public synchronized List<PutLoop.Ack> acks() {
        return List.copyOf(acks);
    }

    public synchronized int ackCount() {
        return acks.size();
    }

    public synchronized List<String> givenUp() {
        return List.copyOf(givenUp);
    }

    public synchronized String summary() {
        return acks.size() + " puts acknowledged, " + failures + " attempts failed (last: " + lastFailure + "), given up: "
                + givenUp;
    }

    /** Waits until {@code more} puts beyond {@code from} are acknowledged. */
    public void awaitAcks(int from, int more, Duration timeout, Supplier<String> diagnostics) {
        Await.until(more + " more acknowledged SMB puts after " + from, timeout, () -> ackCount() >= from + more,
                () -> summary() + diagnostics.get());
    }

    public void stop() throws InterruptedException {
        running = false;
        thread.join(30_000);
        if (thread.isAlive()) {
            throw new AssertionError("the SMB put loop did not end within 30 s");
        }
    }

    /**
     * Reads every acknowledged put back through the personality's share.
     *
     * @return one line per put that does not read back identical
     */
    public static List<String> verify(Pair pair, Pair.Scm home, Path scratch, List<PutLoop.Ack> acks)
            throws IOException, InterruptedException {
        List<String> problems = new ArrayList<>();
        Files.createDirectories(scratch);
        String auth = Smb.auth(pair).toString();
        // in batches: one connection reads many files
        for (int from = 0; from < acks.size(); from += 50) {
            List<PutLoop.Ack> batch = acks.subList(from, Math.min(acks.size(), from + 50));
            StringBuilder commands = new StringBuilder();
            for (PutLoop.Ack a : batch) {
                commands.append("get ").append(a.name()).append(' ').append(scratch.resolve(a.name())).append("; ");
            }
            Smb.Result r = Smb.client(pair, home, "files", auth, commands.toString());
            for (PutLoop.Ack a : batch) {
                Path got = scratch.resolve(a.name());
                if (!Files.exists(got)) {
                    problems.add(a.name() + ": not read back (" + r.output().strip() + ")");
                } else if (!Arrays.equals(a.content(), Files.readAllBytes(got))) {
                    problems.add(a.name() + ": read back different (" + Files.size(got) + " bytes, " + a.content().length
                            + " acknowledged)");
                }
            }
        }
        return problems;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(30_000);
    }
}
