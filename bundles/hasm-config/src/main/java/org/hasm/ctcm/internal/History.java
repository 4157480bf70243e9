package org.hasm.ctcm.internal;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.hasm.spi.config.Commit;
import org.hasm.spi.config.Fingerprint;

/**
 * The committed transactions, one file per generation in {@code DATA/config/history/}, in
 * {@link Properties} syntax; the oldest beyond the bounded window are removed.
 */
final class History {
    private final Path dir;
    private final int size;
    private final String writer;

    /** @param writer this SCM's name, in the names of the temporary files it writes */
    History(Path dir, int size, String writer) {
        this.dir = dir;
        this.size = size;
        this.writer = writer;
    }

    /**
     * Removes the temporary files a write this SCM died in left behind. Call it where the records are
     * written (one thread), so that it never takes the temporary file of a write under way.
     *
     * @return how many were removed
     */
    int removeTemporaries() throws IOException {
        return AtomicFiles.removeTemporaries(dir, writer);
    }

    static byte[] encode(Commit c) {
        Properties p = new Properties();
        p.setProperty("generation", Long.toString(c.fingerprint().generation()));
        p.setProperty("checksum", c.fingerprint().checksum());
        p.setProperty("time", c.time().toString());
        p.setProperty("by", c.by());
        p.setProperty("file", c.file());
        p.setProperty("peer", c.peer());
        p.setProperty("reset", String.join(",", c.resetNeeded()));
        c.changes().forEach((k, v) -> p.setProperty(v == null ? "removed." + k : "set." + k, v == null ? "" : v));
        StringWriter w = new StringWriter();
        try {
            p.store(w, null);
        } catch (IOException e) {
            throw new IllegalStateException("a StringWriter does not fail", e);
        }
        return w.toString().getBytes(StandardCharsets.UTF_8);
    }

    static Commit decode(byte[] bytes, String where) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(new String(bytes, StandardCharsets.UTF_8)));
            Map<String, String> changes = new TreeMap<>();
            for (String k : p.stringPropertyNames()) {
                if (k.startsWith("set.")) {
                    changes.put(k.substring(4), p.getProperty(k));
                } else if (k.startsWith("removed.")) {
                    changes.put(k.substring(8), null);
                }
            }
            String reset = p.getProperty("reset", "");
            return new Commit(new Fingerprint(Long.parseLong(p.getProperty("generation")), p.getProperty("checksum")),
                    Instant.parse(p.getProperty("time")), p.getProperty("by", ""), p.getProperty("file", ""),
                    java.util.Collections.unmodifiableMap(changes), p.getProperty("peer", ""),
                    reset.isEmpty() ? List.of() : Arrays.asList(reset.split(",")));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(where + ": not a transaction record: " + e.getMessage());
        }
    }

    void add(Commit c) throws IOException {
        AtomicFiles.write(dir.resolve(String.format("%020d", c.fingerprint().generation())), encode(c), writer);
        List<Path> all = files();
        for (int i = 0; i < all.size() - size; i++) {
            Files.deleteIfExists(all.get(i));
        }
    }

    /** @return the transactions kept, oldest first; a record that cannot be read is skipped */
    List<Commit> list() throws IOException {
        List<Commit> result = new ArrayList<>();
        for (Path f : files()) {
            try {
                result.add(decode(Files.readAllBytes(f), f.toString()));
            } catch (IllegalArgumentException e) {
                // a record is only for the operator's eyes: a bad one must not hide the others
            }
        }
        return result;
    }

    private List<Path> files() throws IOException {
        List<Path> all = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "[0-9]*")) {
                s.forEach(all::add);
            }
        }
        all.sort(null);
        return all;
    }

    static Map<String, String> ordered(Map<String, String> m) {
        return new LinkedHashMap<>(m);
    }
}
