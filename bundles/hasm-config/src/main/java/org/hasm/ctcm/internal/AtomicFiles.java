package org.hasm.ctcm.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Replaces a file so that a reader, and the file after a crash or a power loss, has the old content or
 * the new one, never a mix: the new content goes to a temporary file in the same folder (same file
 * system, so the rename is atomic), is forced to the disk, renamed over the file, and the folder is
 * forced so that the rename itself survives.
 *
 * <p>Temporary names are {@code .FILE.WRITER.RANDOM}{@value #TEMP_SUFFIX}: both SCMs write the replica's
 * folder on the shared storage, and their process ids may well be the same (each in its container), so
 * a name says which SCM wrote it, and a start removes only its own ({@link #removeTemporaries(Path, String)}).
 */
final class AtomicFiles {
    static final String TEMP_SUFFIX = ".tmp";
    private static final int ATTEMPTS = 8;

    private AtomicFiles() {
    }

    /**
     * @param writer the SCM writing (its name goes into the temporary file's)
     * @throws IOException naming the file; the old content is then still in place
     */
    static void write(Path file, byte[] content, String writer) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = null;
        try {
            FileChannel ch = null;
            for (int attempt = 1; ch == null; attempt++) {
                Path candidate = temporary(file, writer);
                try {
                    ch = FileChannel.open(candidate, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    temp = candidate;
                } catch (FileAlreadyExistsException e) {
                    // someone else's: never touched; another name
                    if (attempt == ATTEMPTS) {
                        throw e;
                    }
                }
            }
            try (FileChannel c = ch) {
                ByteBuffer b = ByteBuffer.wrap(content);
                while (b.hasRemaining()) {
                    c.write(b);
                }
                c.force(true);
            }
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException(file + ": its file system cannot replace a file atomically", e);
            }
            temp = null;
            syncDir(dir);
        } catch (IOException e) {
            if (temp != null) {
                // only the one this call created
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException left) {
                    e.addSuppressed(left);
                }
            }
            throw new IOException(file + " cannot be written: " + e.getMessage(), e);
        }
    }

    /** @return a fresh temporary name for {@code file} written by {@code writer}, in its folder */
    static Path temporary(Path file, String writer) {
        return file.toAbsolutePath().resolveSibling("." + file.getFileName() + "." + tag(writer) + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong()) + TEMP_SUFFIX);
    }

    /** A writer's name as it appears in a temporary name: one segment, no dot, no separator. */
    static String tag(String writer) {
        String s = writer == null || writer.isBlank() ? "scm" : writer;
        return s.replaceAll("[^A-Za-z0-9_-]", "_");
    }

    /** Renames {@code from} over {@code to} atomically, then forces the folder. */
    static void rename(Path from, Path to) throws IOException {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDir(to.toAbsolutePath().getParent());
    }

    static void syncDir(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /** @return the file's content, or {@code null} when it does not exist */
    static byte[] read(Path file, int max) throws IOException {
        if (!Files.exists(file)) {
            return null;
        }
        long size = Files.size(file);
        if (size > max) {
            throw new IOException(file + ": " + size + " bytes, more than the " + max + " it may hold");
        }
        return Files.readAllBytes(file);
    }

    /**
     * Removes every temporary file in {@code dir}: for a folder that this SCM alone writes, and only
     * when nothing writes it at that moment.
     */
    static void removeTemporaries(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (var files = Files.newDirectoryStream(dir, ".*" + TEMP_SUFFIX)) {
            for (Path f : files) {
                Files.deleteIfExists(f);
            }
        }
    }

    /**
     * Removes the temporary files {@code writer} left in {@code dir} (a write it died in): for a folder
     * both SCMs write, where the other's may be in the middle of a write.
     *
     * @return how many were removed
     */
    static int removeTemporaries(Path dir, String writer) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        int removed = 0;
        try (var files = Files.newDirectoryStream(dir, ".*" + TEMP_SUFFIX)) {
            for (Path f : files) {
                if (writtenBy(f.getFileName().toString(), writer) && Files.deleteIfExists(f)) {
                    removed++;
                }
            }
        }
        return removed;
    }

    /** @return whether {@code name} is a temporary name of {@code writer}'s ({@link #temporary}) */
    static boolean writtenBy(String name, String writer) {
        if (!name.startsWith(".") || !name.endsWith(TEMP_SUFFIX)) {
            return false;
        }
        String[] parts = name.substring(0, name.length() - TEMP_SUFFIX.length()).split("\\.");
        // "", FILE (one or more segments), WRITER, RANDOM
        return parts.length >= 4 && parts[parts.length - 2].equals(tag(writer));
    }
}
