package org.hasm.wire;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The incarnation of this SCM: a number drawn at every start that is greater than every number drawn
 * before, even across restarts and a clock set back. A receiver uses it to tell a restart of its
 * peer (new incarnation, sequence numbers start over) from a replay (old incarnation).
 */
public final class Incarnation {
    /** The file in {@code hasm.data.dir} that remembers the last incarnation. */
    public static final String FILE = "incarnation";
    private static final int LOCK_ATTEMPTS = 400;

    private Incarnation() {
    }

    /**
     * Draws the next incarnation, {@code max(now in ms, last + 1)}, and persists it before returning.
     *
     * @param file where the last one is kept (created if missing)
     * @return the new incarnation
     * @throws IOException if the file cannot be read, holds no number, or cannot be written
     */
    public static long next(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path lockFile = dir.resolve(file.getFileName() + ".lock");
        // Only the node bundle draws, once per boot; the lock keeps two processes on one folder apart.
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = lock(ch, lockFile)) {
            long last = 0;
            if (Files.exists(file)) {
                String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
                try {
                    last = Long.parseLong(text);
                } catch (NumberFormatException e) {
                    throw new IOException("incarnation file " + file + ": holds '" + abbreviate(text)
                            + "', not a number (delete it to start afresh)", e);
                }
            }
            long next = Math.max(System.currentTimeMillis(), last + 1);
            Path tmp = dir.resolve(file.getFileName() + ".tmp");
            Files.writeString(tmp, next + "\n", StandardCharsets.US_ASCII);
            try (FileChannel data = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                data.force(true); // on disk before it replaces the old value: never a torn number
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return next;
        }
    }

    /**
     * The sequence a sender of frames starts after (its first frame takes the next number): above every
     * number an earlier sender of the same purpose used in this incarnation. The incarnation is drawn once
     * per boot of the node, but a status monitor or a link can be started again within it (its bundle
     * updated in place by a rolling upgrade): starting again from 0, its frames would be refused by the
     * peer's replay window, and by the floor the peer keeps across its own restarts, until the new count
     * passed the old one (at a status frame per 50 ms, days), the SCM silent to its peer meanwhile. Taken
     * from this JVM's monotonic clock in microseconds (a new incarnation is drawn in every new process):
     * an earlier sender stays below as long as it sent fewer than one frame per microsecond of its life.
     *
     * @return a number from 0 up, growing with time within this JVM (0 where the clock reads negative)
     * @since 1.3
     */
    public static long firstSequence() {
        return Math.max(0, System.nanoTime() / 1000);
    }

    private static FileLock lock(FileChannel ch, Path lockFile) throws IOException {
        for (int i = 0; i < LOCK_ATTEMPTS; i++) {
            try {
                FileLock lock = ch.tryLock();
                if (lock != null) {
                    return lock;
                }
            } catch (OverlappingFileLockException e) {
                // held by another thread of this JVM (another bundle): wait below
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        throw new IOException("incarnation lock " + lockFile + ": still held after 2 s");
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
