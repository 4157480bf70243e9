package org.hasm.storage.internal;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads and replaces ownership records in {@code owners/} crash-safely: a reader sees the old record
 * or the new one, never a mix, whatever instant the writer dies at.
 *
 * <p>A new record goes to a temporary file in the same folder (same file system, so the rename is
 * atomic), is forced to the disk, renamed over the record, and then the folder is forced so that
 * the rename itself survives a power loss. Temporary names start with a dot and end in
 * {@value #TEMP_SUFFIX}; they are never read as records.
 */
final class RecordFiles {
    static final String TEMP_SUFFIX = ".tmp";
    private static final AtomicLong SEQUENCE = new AtomicLong();

    /** Replaces a record; {@link RecordFiles#write} on a real disk, a failing one in a test. */
    @FunctionalInterface
    interface Writer {
        void write(Path file, OwnerRecord record, String writer) throws IOException;
    }

    private RecordFiles() {
    }

    /**
     * @return the record, {@link OwnerRecord#never} if the file does not exist
     * @throws IOException naming the file, if it cannot be read or is not a whole record
     */
    static OwnerRecord read(Path file, String volume) throws IOException {
        // bounded: a record renamed into place between a failed open and the look that follows is
        // read again, once or twice, instead of being reported unreadable
        for (int attempt = 1; ; attempt++) {
            byte[] bytes;
            // FileInputStream rather than Files.newInputStream: NIO channels close when the reading
            // thread is interrupted, and a service thread with a pending interrupt must not get a
            // spurious "fenced" from fence().
            try (InputStream in = new FileInputStream(file.toFile())) {
                bytes = in.readNBytes(OwnerRecord.MAX_BYTES + 1);
            } catch (java.io.FileNotFoundException e) {
                if (!Files.exists(file) && Files.isDirectory(file.getParent())) {
                    return OwnerRecord.never(volume);
                }
                if (Files.isRegularFile(file) && attempt < 3) {
                    continue; // it appeared meanwhile: the first record of this volume was just written
                }
                throw new IOException("volume ownership record " + file + " cannot be read: " + e.getMessage(), e);
            } catch (IOException e) {
                throw new IOException("volume ownership record " + file + " cannot be read: " + e.getMessage(), e);
            }
            return OwnerRecord.decode(bytes, volume, file.toString());
        }
    }

    /**
     * Replaces the record.
     *
     * @param writer the writing SCM: part of the temporary name, so that two SCMs writing at once
     *     never share a temporary file, and an SCM removes only its own leftovers
     * @throws IOException naming the file; the old record is then still in place (or the new one,
     *     if only the final folder sync failed)
     */
    static void write(Path file, OwnerRecord record, String writer) throws IOException {
        Path dir = file.getParent();
        Path temp = temporary(file, writer);
        boolean moved = false;
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(record.encode());
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                // never fall back to a copy: a reader could see half of it
                throw new IOException("the shared storage at " + dir + " cannot rename atomically", e);
            }
            moved = true;
            syncFolder(dir);
        } catch (IOException e) {
            // the reason alone: the temporary file's name changes with every attempt, the reason does not
            throw new IOException("volume ownership record " + file + " cannot be written: " + reason(e), e);
        } finally {
            if (!moved) {
                Files.deleteIfExists(temp);
            }
        }
    }

    /** @return a new temporary name for a record (or a probe) of {@code file}, written by {@code writer} */
    static Path temporary(Path file, String writer) {
        return file.resolveSibling("." + file.getFileName() + "." + writer + "." + ProcessHandle.current().pid() + "-"
                + SEQUENCE.incrementAndGet() + TEMP_SUFFIX);
    }

    /** @return what the file system said, without the file's name when it says that apart */
    static String reason(IOException e) {
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage();
    }

    /** Forces a folder's entries (a rename) to the disk. */
    static void syncFolder(Path dir) throws IOException {
        FileChannel ch;
        try {
            ch = FileChannel.open(dir, StandardOpenOption.READ);
        } catch (IOException e) {
            // some platforms cannot open a folder at all; there the rename is as durable as it gets
            return;
        }
        try (ch) {
            ch.force(true);
        }
    }

    /**
     * Removes the temporary files one writer left behind when it died mid-write. Only its own: the
     * peer may be writing one of its own right now.
     *
     * @return how many were removed
     */
    static int removeLeftovers(Path dir, String volume, String writer) throws IOException {
        int removed = 0;
        String prefix = "." + volume + "." + writer + ".";
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "." + volume + ".*" + TEMP_SUFFIX)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                // exactly ".<volume>.<writer>.<pid>-<n>.tmp": SCM names have no dot, so the
                // leftovers of volume "v.a" are never taken for those of volume "v" and writer "a"
                if (name.startsWith(prefix) && name.substring(prefix.length()).matches("[0-9]+-[0-9]+\\" + TEMP_SUFFIX)) {
                    try {
                        Files.delete(f);
                        removed++;
                    } catch (NoSuchFileException e) {
                        // gone meanwhile: fine
                    }
                }
            }
        }
        return removed;
    }
}
