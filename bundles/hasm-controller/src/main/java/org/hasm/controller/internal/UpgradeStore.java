package org.hasm.controller.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
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
 * end in {@code .tmp}; they are never read, and {@link #sweep} removes those a crash left. The staged files
 * an upgrade no longer reads are found by {@link #unneeded}; {@link StagedCleanup} says when they go.
 */
final class UpgradeStore {
    static final String PLAN = "plan";
    // what a staged file may be named: no path, no temporary name
    private static final String NAME = "[A-Za-z0-9_][A-Za-z0-9_.-]*";
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
     * @return a feature's staged list as {bsn, version, jar, sha256} lines, once its SHA-256 is the expected one
     * @throws IOException naming the list when it is missing, its checksum differs or a line is not
     *     {@code BSN VERSION JAR SHA256}
     */
    List<String[]> list(String name, String expectedSha256) throws IOException {
        String text = new String(jar(name, expectedSha256), StandardCharsets.UTF_8);
        List<String[]> lines = new ArrayList<>();
        for (String l : text.split("\n")) {
            if (l.isBlank()) {
                continue;
            }
            String[] f = l.split(" ");
            if (f.length != 4) {
                throw new IOException("the staged list " + name + " has a line that is not BSN VERSION JAR SHA256: " + l);
            }
            lines.add(f);
        }
        return lines;
    }

    /**
     * What {@link #unneeded} found.
     *
     * @param plan the plan it judged by, {@code null} when there is none
     * @param files the staged files nothing needs any more
     * @param kept how many staged files stay
     */
    record Unneeded(UpgradePlan plan, List<Path> files, int kept) {
    }

    /**
     * The staged files (jars and lists, named as {@link #stage} names them) that the plan on the storage no longer
     * reads: every one once it {@linkplain UpgradePlan#finished() finished}, else those it does not name (a
     * feature's lists and the jars they name are all named). Only files written before the plan was last written
     * count: the jars of an upgrade being planned are staged before its plan, so one newer than the plan may be
     * such a jar. Nothing without a plan. The folder is forced first, so that the plan judged by outlives a crash
     * of the storage once a file it no longer names is gone.
     *
     * @throws IOException when the folder cannot be listed, or a list the plan names cannot be read (then what it
     *     needs is not known)
     */
    Unneeded unneeded() throws IOException {
        Path file = dir.resolve(PLAN);
        FileTime written;
        try {
            // before the plan is read: a plan rewritten in between is only newer than this time says
            written = Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return new Unneeded(null, List.of(), 0);
        }
        UpgradePlan plan = read();
        if (plan == null) {
            return new Unneeded(null, List.of(), 0);
        }
        Set<String> needed = new HashSet<>();
        if (!plan.finished()) {
            needed.addAll(plan.staged());
            if (plan.target() == UpgradePlan.Target.FEATURE) {
                for (String[] b : list(plan.jar(), plan.sha256())) {
                    needed.add(b[2]);
                }
                for (String[] b : list(plan.previousJar(), plan.previousSha256())) {
                    needed.add(b[2]);
                }
            }
        }
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
        List<Path> files = new ArrayList<>();
        int kept = 0;
        try (DirectoryStream<Path> all = Files.newDirectoryStream(dir)) {
            for (Path f : all) {
                String name = f.getFileName().toString();
                if (!staged(name) || !Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                if (needed.contains(name)
                        || Files.getLastModifiedTime(f, LinkOption.NOFOLLOW_LINKS).compareTo(written) >= 0) {
                    kept++;
                } else {
                    files.add(f);
                }
            }
        }
        files.sort(null);
        return new Unneeded(plan, List.copyOf(files), kept);
    }

    /* a name stage() writes, for a jar or a feature's list: never the plan, a temporary file or someone else's */
    private static boolean staged(String name) {
        return name.matches(NAME) && !name.equals(PLAN)
                && (name.endsWith(".jar") || name.endsWith(".list"));
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
        if (name == null || !name.matches(NAME) || name.equals(PLAN)) {
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
