package org.hasm.ctcm.internal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * This SCM's configuration database: the committed configuration in {@code DATA/config/db}, and the
 * pair's files in the node's {@code etc/} that mirror it (the launcher applies them at every start).
 *
 * <p>A commit first replaces {@code db.next} (atomically: old or new), then writes each changed file
 * in {@code etc/} (each atomically), then renames {@code db.next} over {@code db}. A crash before
 * {@code db.next} is complete leaves the old configuration; after it, {@link #recover} completes the
 * commit at the next start (the files are written again from {@code db.next}) and says so, with the
 * configuration it replaced: the launcher read the files before, so Configuration Admin still holds the
 * old values until its owner applies the change. So {@code db} and the files agree after every recovery,
 * and a file that differs from {@code db} was edited by hand.
 *
 * <p>It writes a file key only as a plain file name in {@code etc/}; which keys are the pair's is for its
 * owner to check, against where a configuration came from.
 *
 * <p>Not thread-safe: its owner serialises commits.
 */
final class LocalDatabase {

    static final String DB = "db";
    static final String NEXT = "db.next";

    private final Path dir;
    private final Path etc;
    private final PairFiles pair;
    private final String writer;

    /**
     * What {@link #recover} found.
     *
     * @param committed the committed configuration, or {@code null} when none was ever committed here
     * @param replaced when a start completed a commit a crash interrupted: the configuration that commit
     *     replaced (the database's before it, or the files as found when there was none), which the
     *     launcher may have loaded into Configuration Admin; {@code null} when there was nothing to complete
     */
    record Recovery(Snapshot committed, Snapshot replaced) {
        /** @return whether a commit a crash interrupted was completed */
        boolean completed() {
            return replaced != null;
        }

        /** @return the file keys that completing the commit changed (written or removed), sorted */
        SortedSet<String> changed() {
            SortedSet<String> keys = new TreeSet<>();
            if (replaced == null) {
                return keys;
            }
            keys.addAll(replaced.files().keySet());
            keys.addAll(committed.files().keySet());
            keys.removeIf(k -> Arrays.equals(replaced.files().get(k), committed.files().get(k)));
            return keys;
        }
    }

    /**
     * @param dir the database's folder ({@code DATA/config})
     * @param etc the node's configuration folder
     * @param writer this SCM's name, in the names of the temporary files it writes
     */
    LocalDatabase(Path dir, Path etc, PairFiles pair, String writer) {
        this.dir = dir;
        this.etc = etc;
        this.pair = pair;
        this.writer = writer;
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
     * @throws IllegalArgumentException naming the file and what is wrong with it (torn, changed, a file key
     *     that is not a plain file name)
     * @throws IOException when the folder cannot be read or written
     */
    Recovery recover() throws IOException {
        AtomicFiles.removeTemporaries(dir);
        AtomicFiles.removeTemporaries(etc);
        byte[] next = AtomicFiles.read(dir.resolve(NEXT), Snapshot.MAX_BYTES);
        Snapshot replaced = null;
        if (next != null) {
            // complete whole, because it was renamed into place whole
            Snapshot s = Snapshot.decode(next, dir.resolve(NEXT).toString());
            requirePlainNames(s, dir.resolve(NEXT).toString());
            replaced = replaced(s);
            materialize(s);
            AtomicFiles.rename(dir.resolve(NEXT), db());
        }
        byte[] bytes = AtomicFiles.read(db(), Snapshot.MAX_BYTES);
        return new Recovery(bytes == null ? null : Snapshot.decode(bytes, db().toString()), replaced);
    }

    /**
     * What the interrupted commit replaces: the database before it, which the launcher's files matched
     * (those the commit had already written aside, which apply again unchanged); the files as they are
     * when that database cannot be read.
     */
    private Snapshot replaced(Snapshot next) throws IOException {
        try {
            byte[] old = AtomicFiles.read(db(), Snapshot.MAX_BYTES);
            if (old != null) {
                return Snapshot.decode(old, db().toString());
            }
        } catch (IllegalArgumentException e) {
            // replaced by db.next below all the same; the files are what the launcher read
        }
        return new Snapshot(Math.max(0, next.generation() - 1), files());
    }

    /**
     * Commits {@code next}: afterwards {@link #recover} returns it, whatever instant a crash comes at.
     *
     * @throws IllegalArgumentException naming a file key that is not a plain file name; nothing is written
     */
    void commit(Snapshot next) throws IOException {
        requirePlainNames(next, "the configuration generation " + next.generation());
        AtomicFiles.write(dir.resolve(NEXT), next.encode(), writer);
        materialize(next);
        // Not forced: a power loss that undoes this rename leaves db.next, durable, which recover() completes;
        // the next commit's write of db.next forces the folder, this rename with it.
        Files.move(dir.resolve(NEXT), db(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Whoever checked where a configuration came from, a file key becomes a file in {@code etc/} only as a
     * plain name: no separator, no {@code ..}, nothing that resolves elsewhere.
     */
    private void requirePlainNames(Snapshot s, String where) {
        for (String key : s.files().keySet()) {
            if (!plainName(key)) {
                throw new IllegalArgumentException(where + ": file key '" + key + "' is not a plain file name (no separator,"
                        + " no '..'): nothing written to " + etc);
            }
        }
    }

    private boolean plainName(String key) {
        if (key == null || key.isEmpty() || key.startsWith(".") || key.contains("..") || key.indexOf('/') >= 0
                || key.indexOf('\\') >= 0 || key.indexOf('\0') >= 0) {
            return false;
        }
        try {
            String name = key + PairFiles.SUFFIX;
            Path f = etc.resolve(name);
            return etc.equals(f.getParent()) && f.getFileName().toString().equals(name);
        } catch (InvalidPathException e) {
            return false;
        }
    }

    /** Writes the files of {@code s} that differ in {@code etc/}; removes pair files it does not have. */
    private void materialize(Snapshot s) throws IOException {
        SortedMap<String, byte[]> present = files();
        for (Map.Entry<String, byte[]> e : s.files().entrySet()) {
            if (!java.util.Arrays.equals(present.get(e.getKey()), e.getValue())) {
                AtomicFiles.write(file(e.getKey()), e.getValue(), writer);
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
