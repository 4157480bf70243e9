package org.hasm.ctcm.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.hasm.spi.config.Fingerprint;

/**
 * One committed configuration of the pair: its generation and the exact bytes of each of the pair's
 * configuration files, by file key ({@code PID} or {@code FACTORYPID~NAME}).
 *
 * <p>Its encoding is the configuration database's file (local and replica): a text header, each file's
 * bytes with their length, and a last line with the SHA-256 of everything before it, so that a file
 * cut short or changed anywhere is refused, never half read:
 * <pre>
 * hasm-config-db 1
 * generation 5
 * checksum HEX            (of the content: what two SCMs compare)
 * file org.hasm.controller 123
 * ...123 bytes...
 * end HEX                 (of every byte before this line)
 * </pre>
 */
record Snapshot(long generation, SortedMap<String, byte[]> files) {

    static final String MAGIC = "hasm-config-db 1";
    /** A database larger than this is refused unread: a configuration is a few kilobytes. */
    static final int MAX_BYTES = 16 * 1024 * 1024;
    /** What one link message carries, headers aside (the link takes 64 KiB). */
    static final int MAX_LINK_BYTES = 60 * 1024;

    Snapshot {
        if (generation < 0) {
            throw new IllegalArgumentException("generation " + generation + " < 0");
        }
        TreeMap<String, byte[]> copy = new TreeMap<>();
        files.forEach((k, v) -> copy.put(k, v.clone()));
        files = Collections.unmodifiableSortedMap(copy);
    }

    /** @return the SHA-256 of the content (every file's key and bytes), lower-case hex */
    String checksum() {
        MessageDigest d = sha256();
        files.forEach((name, bytes) -> {
            d.update((name + "\n" + bytes.length + "\n").getBytes(StandardCharsets.UTF_8));
            d.update(bytes);
            d.update((byte) '\n');
        });
        return HexFormat.of().formatHex(d.digest());
    }

    Fingerprint fingerprint() {
        return new Fingerprint(generation, checksum());
    }

    Snapshot with(long nextGeneration, String file, byte[] content) {
        TreeMap<String, byte[]> next = new TreeMap<>(files);
        next.put(file, content);
        return new Snapshot(nextGeneration, next);
    }

    byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(out, MAGIC + "\ngeneration " + generation + "\nchecksum " + checksum() + "\n");
        files.forEach((name, bytes) -> {
            write(out, "file " + name + " " + bytes.length + "\n");
            out.write(bytes, 0, bytes.length);
            write(out, "\n");
        });
        byte[] body = out.toByteArray();
        write(out, "end " + HexFormat.of().formatHex(sha256().digest(body)) + "\n");
        return out.toByteArray();
    }

    /**
     * @param bytes a database file's content
     * @param where the file, for the message
     * @throws IllegalArgumentException naming {@code where} and what is wrong: cut short (torn), changed
     *     (its end checksum does not match), a file key that is not one ({@code PID} or
     *     {@code FACTORYPID~NAME}: never a path), or not a database at all
     */
    static Snapshot decode(byte[] bytes, String where) {
        if (bytes.length > MAX_BYTES) {
            throw new IllegalArgumentException(where + ": " + bytes.length + " bytes, more than a configuration database"
                    + " holds (" + MAX_BYTES + ")");
        }
        int endLine = lastLineStart(bytes);
        String last = endLine < 0 ? "" : new String(bytes, endLine, bytes.length - endLine, StandardCharsets.UTF_8);
        if (endLine < 0 || !last.startsWith("end ") || !last.endsWith("\n")) {
            throw new IllegalArgumentException(where + ": torn: its " + bytes.length
                    + " bytes end without the line 'end CHECKSUM' (a write cut short, or not a configuration database)");
        }
        String expected = last.substring(4, last.length() - 1);
        String actual = HexFormat.of().formatHex(sha256().digest(Arrays.copyOf(bytes, endLine)));
        if (!actual.equals(expected)) {
            throw new IllegalArgumentException(where + ": changed since it was written: the SHA-256 of its content is "
                    + actual + ", its end line says " + expected);
        }
        Reader r = new Reader(bytes, endLine, where);
        if (!r.line().equals(MAGIC)) {
            throw new IllegalArgumentException(where + ": not a configuration database (its first line is not '" + MAGIC + "')");
        }
        long generation = r.number(r.field("generation"), "generation");
        String checksum = r.field("checksum");
        SortedMap<String, byte[]> files = new TreeMap<>();
        while (!r.done()) {
            String[] head = r.line().split(" ");
            if (head.length != 3 || !head[0].equals("file")) {
                throw new IllegalArgumentException(where + ": malformed entry '" + String.join(" ", head) + "'");
            }
            if (!PairFiles.isKey(head[1])) {
                // a name with a separator or a dot segment would be a path out of etc/: never a configuration
                throw new IllegalArgumentException(where + ": file key '" + head[1] + "' is not a configuration file key"
                        + " (PID or FACTORYPID~NAME)");
            }
            int length = (int) r.number(head[2], "length of " + head[1]);
            files.put(head[1], r.bytes(length));
            if (!r.line().isEmpty()) {
                throw new IllegalArgumentException(where + ": the content of " + head[1] + " is longer than it says");
            }
        }
        Snapshot s = new Snapshot(generation, files);
        if (!s.checksum().equals(checksum)) {
            throw new IllegalArgumentException(where + ": field checksum " + checksum + " does not match its content ("
                    + s.checksum() + ")");
        }
        return s;
    }

    private static int lastLineStart(byte[] bytes) {
        if (bytes.length == 0 || bytes[bytes.length - 1] != '\n') {
            return bytes.length == 0 ? -1 : lineStart(bytes, bytes.length);
        }
        return lineStart(bytes, bytes.length - 1);
    }

    private static int lineStart(byte[] bytes, int before) {
        for (int i = before - 1; i >= 0; i--) {
            if (bytes[i] == '\n') {
                return i + 1;
            }
        }
        return 0;
    }

    private static void write(ByteArrayOutputStream out, String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Snapshot s && s.generation == generation && s.checksum().equals(checksum());
    }

    @Override
    public int hashCode() {
        return Long.hashCode(generation) * 31 + checksum().hashCode();
    }

    @Override
    public String toString() {
        return "generation " + generation + " (" + files.size() + " files, " + checksum().substring(0, 12) + ")";
    }

    /** Reads the body (before the end line) line by line and by length. */
    private static final class Reader {
        private final byte[] bytes;
        private final int end;
        private final String where;
        private int pos;

        Reader(byte[] bytes, int end, String where) {
            this.bytes = bytes;
            this.end = end;
            this.where = where;
        }

        boolean done() {
            return pos >= end;
        }

        String line() {
            int i = pos;
            while (i < end && bytes[i] != '\n') {
                i++;
            }
            if (i >= end) {
                throw new IllegalArgumentException(where + ": cut short at byte " + pos);
            }
            String s = new String(bytes, pos, i - pos, StandardCharsets.UTF_8);
            pos = i + 1;
            return s;
        }

        String field(String name) {
            String l = line();
            if (!l.startsWith(name + " ")) {
                throw new IllegalArgumentException(where + ": field " + name + " missing (found '" + l + "')");
            }
            return l.substring(name.length() + 1);
        }

        long number(String text, String what) {
            try {
                long n = Long.parseLong(text);
                if (n >= 0) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // said below
            }
            throw new IllegalArgumentException(where + ": field " + what + " '" + text + "' is not a number of 0 or more");
        }

        byte[] bytes(int length) {
            if (length > end - pos) {
                throw new IllegalArgumentException(where + ": cut short in a file's content at byte " + pos);
            }
            byte[] b = Arrays.copyOfRange(bytes, pos, pos + length);
            pos += length;
            return b;
        }
    }

    /** @return the files as text, for messages and the API */
    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Equal content, whatever the generation. */
    boolean sameContent(Map<String, byte[]> other) {
        if (!files.keySet().equals(other.keySet())) {
            return false;
        }
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            if (!Arrays.equals(e.getValue(), other.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
