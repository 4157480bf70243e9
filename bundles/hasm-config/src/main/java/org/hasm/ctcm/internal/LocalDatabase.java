package org.hasm.ctcm.internal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * This SCM's configuration database: the committed configuration in {@code DATA/config/db}, and the
 * pair's files in the node's {@code etc/} that mirror it (the launcher applies them at every start).
 *
 * <p>A commit first replaces {@code db.next} (atomically: old or new), then writes each changed file
 * in {@code etc/} (each atomically), then renames {@code db.next} over {@code db}. A crash before
 * {@code db.next} is complete leaves the old configuration; after it, {@link #recover} completes the
 * commit at the next start (the files are written again from {@code db.next}). So {@code db} and the
 * files agree after every recovery, and a file that differs from {@code db} was edited by hand.
 *
 * <p>Not thread-safe: its owner serialises commits.
 */
final class LocalDatabase {

    static final String DB = "db";
    static final String NEXT = "db.next";

    private final Path dir;
    private final Path etc;
    private final PairFiles pair;

    /**
     * @param dir the database's folder ({@code DATA/config})
     * @param etc the node's configuration folder
     */
    LocalDatabase(Path dir, Path etc, PairFiles pair) {
        this.dir = dir;
        this.etc = etc;
        this.pair = pair;
    }

    Path db() {
        return dir.resolve(DB);
    }

    Path etc() {
        return etc;
    }

    /**
     * Completes a commit a crash interrupted, then reads the database.
     *
     * @return the committed configuration, or {@code null} when none was ever committed here
     * @throws IllegalArgumentException naming the file and what is wrong with it (torn, changed)
     * @throws IOException when the folder cannot be read or written
     */
    Snapshot recover() throws IOException {
        AtomicFiles.removeTemporaries(dir);
        AtomicFiles.removeTemporaries(etc);
        byte[] next = AtomicFiles.read(dir.resolve(NEXT), Snapshot.MAX_BYTES);
        if (next != null) {
            // complete whole, because it was renamed into place whole
            Snapshot s = Snapshot.decode(next, dir.resolve(NEXT).toString());
            materialize(s);
            AtomicFiles.rename(dir.resolve(NEXT), db());
        }
        byte[] bytes = AtomicFiles.read(db(), Snapshot.MAX_BYTES);
        return bytes == null ? null : Snapshot.decode(bytes, db().toString());
    }

    /** Commits {@code next}: afterwards {@link #recover} returns it, whatever instant a crash comes at. */
    void commit(Snapshot next) throws IOException {
        AtomicFiles.write(dir.resolve(NEXT), next.encode());
        materialize(next);
        // Not forced: a power loss that undoes this rename leaves db.next, durable, which recover() completes;
        // the next commit's write of db.next forces the folder, this rename with it.
        Files.move(dir.resolve(NEXT), db(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Writes the files of {@code s} that differ in {@code etc/}; removes pair files it does not have. */
    private void materialize(Snapshot s) throws IOException {
        SortedMap<String, byte[]> present = files();
        for (Map.Entry<String, byte[]> e : s.files().entrySet()) {
            if (!java.util.Arrays.equals(present.get(e.getKey()), e.getValue())) {
                AtomicFiles.write(file(e.getKey()), e.getValue());
            }
        }
        for (String name : present.keySet()) {
            if (!s.files().containsKey(name)) {
                Files.deleteIfExists(file(name));
                AtomicFiles.syncDir(etc);
            }
        }
    }

    Path file(String key) {
        return etc.resolve(key + PairFiles.SUFFIX);
    }

    /** @return the pair's files as they are in {@code etc/} now, by key */
    SortedMap<String, byte[]> files() throws IOException {
        SortedMap<String, byte[]> result = new TreeMap<>();
        if (!Files.isDirectory(etc)) {
            return result;
        }
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(etc, "*" + PairFiles.SUFFIX)) {
            for (Path f : stream) {
                String name = f.getFileName().toString();
                String key = name.substring(0, name.length() - PairFiles.SUFFIX.length());
                if (Files.isRegularFile(f) && pair.isPair(key)) {
                    result.put(key, Files.readAllBytes(f));
                }
            }
        }
        return result;
    }

    /**
     * @return one line per difference between the committed configuration and the files in {@code etc/}
     *     (a file edited, added or removed by hand), naming the file and the field; empty when they agree
     */
    List<String> handEdits(Snapshot committed) throws IOException {
        SortedMap<String, byte[]> now = files();
        List<String> lines = new ArrayList<>();
        java.util.TreeSet<String> keys = new java.util.TreeSet<>(now.keySet());
        keys.addAll(committed.files().keySet());
        for (String k : keys) {
            byte[] c = committed.files().get(k);
            byte[] f = now.get(k);
            if (c == null || f == null || !java.util.Arrays.equals(c, f)) {
                for (String d : PairFiles.differences(k, c, "the database (" + committed + ")", f, file(k).toString())) {
                    lines.add(d);
                }
            }
        }
        return lines;
    }
}
