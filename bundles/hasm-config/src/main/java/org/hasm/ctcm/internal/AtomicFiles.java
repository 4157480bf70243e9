package org.hasm.ctcm.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Replaces a file so that a reader, and the file after a crash or a power loss, has the old content or
 * the new one, never a mix: the new content goes to a temporary file in the same folder (same file
 * system, so the rename is atomic), is forced to the disk, renamed over the file, and the folder is
 * forced so that the rename itself survives. Temporary names start with a dot and end in
 * {@value #TEMP_SUFFIX}.
 */
final class AtomicFiles {
    static final String TEMP_SUFFIX = ".tmp";
    private static final AtomicLong SEQUENCE = new AtomicLong();

    private AtomicFiles() {
    }

    /** @throws IOException naming the file; the old content is then still in place */
    static void write(Path file, byte[] content) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = dir.resolve("." + file.getFileName() + "." + ProcessHandle.current().pid() + "."
                + SEQUENCE.incrementAndGet() + TEMP_SUFFIX);
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(content);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException(file + ": its file system cannot replace a file atomically", e);
            }
            syncDir(dir);
        } catch (IOException e) {
            Files.deleteIfExists(temp);
            throw new IOException(file + " cannot be written: " + e.getMessage(), e);
        }
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

    /** Removes what a writer that died left behind in {@code dir}. */
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
}
