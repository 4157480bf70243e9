package org.hasm.controller.internal;

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
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The rolling upgrade's folder on the shared storage ({@code <shared.dir>/upgrade/}): the plan and
 * its progress ({@code plan}), and the jars it installs, each named by the upgrade and its version
 * and checked by its SHA-256 before every install. Only the MASTER writes; either SCM reads, so the
 * SCM that is MASTER after a crash carries the upgrade on.
 *
 * <p>Every file is replaced crash-safely: written to a temporary file in the same folder, forced to
 * the disk, renamed over the old one atomically, and the folder forced; a reader sees the old file or
 * the new one, never a mix, whatever instant the writer dies at. Temporary names start with a dot and
 * end in {@code .tmp}; they are never read, and {@link #sweep} removes those a crash left.
 */
final class UpgradeStore {
    static final String PLAN = "plan";
    private static final AtomicLong SEQUENCE = new AtomicLong();
    private final Path dir;

    /** @param dir the upgrade folder; created at the first write */
    UpgradeStore(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    /**
     * @return the plan, or {@code null} when no upgrade was ever planned here
     * @throws IOException naming the file when it cannot be read or is not a whole plan
     */
    UpgradePlan read() throws IOException {
        Path file = dir.resolve(PLAN);
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(UpgradePlan.MAX_BYTES + 1);
        } catch (NoSuchFileException e) {
            return null;
        }
        try {
            return UpgradePlan.decode(bytes, file.toString());
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** Replaces the plan; once this returns, a crash leaves the new one. */
    void write(UpgradePlan plan, String writer) throws IOException {
        replace(dir.resolve(PLAN), plan.encode(), writer);
    }

    /**
     * Stages a jar under {@code name}, crash-safely.
     *
     * @return its SHA-256, hex
     */
    String stage(String name, byte[] jar, String writer) throws IOException {
        checkName(name);
        replace(dir.resolve(name), jar, writer);
        return sha256(jar);
    }

    /**
     * @return the staged jar, once its SHA-256 is the expected one
     * @throws IOException naming the jar when it is missing or its checksum differs (a damaged or replaced file is never installed)
     */
    byte[] jar(String name, String expectedSha256) throws IOException {
        checkName(name);
        Path file = dir.resolve(name);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IOException("the staged jar " + file + " is missing", e);
        }
        String found = sha256(bytes);
        if (!found.equalsIgnoreCase(expectedSha256)) {
            throw new IOException("the staged jar " + file + " has SHA-256 " + found + ", the plan says " + expectedSha256
                    + ": it is not installed");
        }
        return bytes;
    }

    /**
     * Removes the temporary files an earlier process of {@code writer} left when it was killed: its own only
     * (the peer may be writing), and none of this process's (one may be in flight).
     */
    void sweep(String writer) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        String mine = "." + writer + "." + ProcessHandle.current().pid() + "-";
        try (DirectoryStream<Path> temps = Files.newDirectoryStream(dir, "*." + writer + ".*.tmp")) {
            for (Path t : temps) {
                if (!t.getFileName().toString().contains(mine)) {
                    Files.deleteIfExists(t);
                }
            }
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }

    private static void checkName(String name) {
        if (name == null || !name.matches("[A-Za-z0-9_][A-Za-z0-9_.-]*") || name.equals(PLAN)) {
            throw new IllegalArgumentException("'" + name + "' is not a staged jar's name");
        }
    }

    private void replace(Path file, byte[] bytes, String writer) throws IOException {
        Files.createDirectories(dir);
        Path temp = file.resolveSibling("." + file.getFileName() + "." + writer + "." + ProcessHandle.current().pid()
                + "-" + SEQUENCE.incrementAndGet() + ".tmp");
        boolean moved = false;
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                // never a copy: a reader could see half of it
                throw new IOException("the shared storage at " + dir + " cannot rename atomically", e);
            }
            moved = true;
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            }
        } catch (IOException e) {
            throw new IOException(file + " cannot be written: " + e.getMessage(), e);
        } finally {
            if (!moved) {
                Files.deleteIfExists(temp);
            }
        }
    }
}
