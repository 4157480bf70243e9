package org.hasm.itests.cluster;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32;

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

    private static final String CHECK = "check=";
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

    /**
     * A record whose {@code check=} line (a CRC-32 of every byte before it) does not match, or that
     * names no epoch, is unreadable, as it is to the SCMs: a damaged record must not show up as a
     * change of owner.
     */
    private static Owner read(Path record) {
        try {
            byte[] bytes = Files.readAllBytes(record);
            String text = new String(bytes, StandardCharsets.UTF_8);
            int check = text.lastIndexOf("\n" + CHECK);
            if (check >= 0) {
                CRC32 crc = new CRC32();
                crc.update(bytes, 0, text.substring(0, check + 1).getBytes(StandardCharsets.UTF_8).length);
                if (!text.substring(check + 1 + CHECK.length()).strip().equals(String.format(Locale.ROOT, "%08x",
                        crc.getValue()))) {
                    return null;
                }
            }
            Properties p = new Properties();
            p.load(new StringReader(text));
            String epoch = p.getProperty("epoch");
            return epoch == null ? null : new Owner(p.getProperty("owner", "").strip(), Long.parseLong(epoch.strip()));
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

    /**
     * @return one line per step of {@code history} that no correct pair takes: a change of owner
     *     that did not raise the epoch (a release keeps it), so that two SCMs held one epoch, or
     *     an epoch that fell; empty if there is none
     */
    public static List<String> epochProblems(List<Seen> history) {
        List<String> found = new ArrayList<>();
        for (int i = 1; i < history.size(); i++) {
            Owner before = history.get(i - 1).owner();
            Owner after = history.get(i).owner();
            boolean released = after.owner().isEmpty() && after.epoch() == before.epoch();
            if (!released && after.epoch() <= before.epoch()) {
                found.add("the record went from " + before + " to " + after);
            }
        }
        return found;
    }

    /**
     * Acknowledged writes their server could not have passed a fence check for: an acknowledgement
     * by X is one if the record named another owner all the time from the request to its answer.
     *
     * @param acks writes whose {@link PutLoop.Ack#servedBy()} names the SCM(s) that held the address
     * @param origin the instant the times in the lines count from
     * @return one line per such write; empty if there is none
     */
    public List<String> acknowledgedByNonOwner(List<PutLoop.Ack> acks, long origin) {
        List<String> found = new ArrayList<>();
        for (PutLoop.Ack ack : acks) {
            List<String> servers = List.of(ack.servedBy().split("→"));
            List<Owner> owners = between(ack.sentNanos(), ack.ackNanos());
            boolean possible = servers.stream().anyMatch(s -> owners.stream().anyMatch(o -> o.owner().equals(s)));
            if (!possible) {
                found.add(ack.name() + " acknowledged by " + ack.servedBy() + " between "
                        + TimeUnit.NANOSECONDS.toMillis(ack.sentNanos() - origin) + " and "
                        + TimeUnit.NANOSECONDS.toMillis(ack.ackNanos() - origin) + " ms while the record said " + owners);
            }
        }
        return found;
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
