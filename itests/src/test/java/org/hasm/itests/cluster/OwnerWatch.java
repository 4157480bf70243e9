package org.hasm.itests.cluster;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Watches a volume's ownership record on the shared folder ({@code owners/<volume>}) from outside
 * both SCMs, as an auditor would: every change of owner or epoch, with the instant it was first
 * seen. The record is replaced by an atomic rename, so every read sees a whole record.
 */
public final class OwnerWatch implements AutoCloseable {

    /** A record as read: {@code owner} is empty when the volume is released. */
    public record Owner(String owner, long epoch) {
        @Override
        public String toString() {
            return (owner.isEmpty() ? "(released)" : owner) + "@" + epoch;
        }
    }

    /** A record first seen at {@code nanos} ({@link System#nanoTime()}). */
    public record Seen(long nanos, Owner owner) {
    }

    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final int MAX_POLLS = 200_000;

    private final Path record;
    private final long deadline;
    private final Thread thread;
    private volatile boolean running = true;
    // Guarded by this.
    private final List<Seen> history = new ArrayList<>();
    private int unreadable;
    private long lastPoll;

    private OwnerWatch(Path shared, String volume, Duration limit) {
        this.record = shared.resolve("owners").resolve(volume);
        this.deadline = System.nanoTime() + limit.toNanos();
        this.thread = new Thread(this::run, "owner-watch-" + volume);
        this.thread.setDaemon(true);
    }

    /** Starts polling every ~5 ms for at most {@code limit}; the first record is read before this returns. */
    public static OwnerWatch start(Path shared, String volume, Duration limit) {
        OwnerWatch watch = new OwnerWatch(shared, volume, limit);
        watch.poll();
        watch.thread.start();
        return watch;
    }

    /** @return the record now, or {@code null} if it cannot be read */
    public static Owner read(Path shared, String volume) {
        return read(shared.resolve("owners").resolve(volume));
    }

    private static Owner read(Path record) {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(record, StandardCharsets.UTF_8)) {
            p.load(in);
            return new Owner(p.getProperty("owner", "").strip(), Long.parseLong(p.getProperty("epoch", "-1").strip()));
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    private void run() {
        // bounded by the deadline and MAX_POLLS
        for (int i = 0; i < MAX_POLLS && running && System.nanoTime() - deadline < 0; i++) {
            poll();
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    private void poll() {
        Owner now = read(record);
        long at = System.nanoTime();
        synchronized (this) {
            lastPoll = at;
            if (now == null) {
                unreadable++;
            } else if (history.isEmpty() || !history.get(history.size() - 1).owner().equals(now)) {
                history.add(new Seen(at, now));
            }
        }
    }

    /** @return every record seen, in order, each with the instant it was first seen */
    public synchronized List<Seen> history() {
        return List.copyOf(history);
    }

    /** @return how many reads failed (there should be none: the record is replaced atomically) */
    public synchronized int unreadable() {
        return unreadable;
    }

    /** @return the instant of the last read, for checks that need the watch to have looked after an event */
    public synchronized long lastPoll() {
        return lastPoll;
    }

    /** @return the records seen between {@code from} and {@code to}, the one current at {@code from} first */
    public synchronized List<Owner> between(long from, long to) {
        List<Owner> owners = new ArrayList<>();
        for (Seen s : history) {
            if (s.nanos() - from <= 0) {
                owners.clear();
                owners.add(s.owner());
            } else if (s.nanos() - to <= 0) {
                owners.add(s.owner());
            }
        }
        return owners;
    }

    /** @return the history as text, times in ms from {@code origin} */
    public synchronized String describe(long origin) {
        StringBuilder text = new StringBuilder();
        for (Seen s : history) {
            text.append(text.length() == 0 ? "" : ", ").append(s.owner()).append(" at ")
                    .append(TimeUnit.NANOSECONDS.toMillis(s.nanos() - origin)).append(" ms");
        }
        return text.toString();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(5_000);
    }
}
