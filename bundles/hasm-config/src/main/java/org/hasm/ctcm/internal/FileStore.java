package org.hasm.ctcm.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

/**
 * The shared files of this SCM, one file each in {@code DATA/files/}: a header line
 * {@code hasm-file VERSION SHA256} and the content, replaced atomically, so that the version, the
 * checksum and the content always go together. Not thread-safe: its owner serialises writes.
 */
final class FileStore {

    static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}");
    /** A file travels to the peer in one link message. */
    static final int MAX_CONTENT = 60 * 1024;
    private static final String MAGIC = "hasm-file";

    /** One stored file. */
    record Entry(String name, long version, String checksum, byte[] content) {
    }

    private final Path dir;
    private final String writer;

    /** @param writer this SCM's name, in the names of the temporary files it writes */
    FileStore(Path dir, String writer) {
        this.dir = dir;
        this.writer = writer;
    }

    /** @throws IllegalArgumentException naming the name or the size that is wrong */
    static void check(String name, byte[] content) {
        if (name == null || !NAME.matcher(name).matches() || name.endsWith(AtomicFiles.TEMP_SUFFIX)) {
            throw new IllegalArgumentException("shared file name '" + name + "': letters, digits, '.', '_' and '-', at"
                    + " most 128, not starting with a dot nor ending in " + AtomicFiles.TEMP_SUFFIX);
        }
        if (content != null && content.length > MAX_CONTENT) {
            throw new IllegalArgumentException("shared file " + name + ": " + content.length + " bytes, at most "
                    + MAX_CONTENT);
        }
    }

    static String sha256(byte[] content) {
        return HexFormat.of().formatHex(Snapshot.sha256().digest(content));
    }

    /** @return the entry, or {@code null} when there is none */
    Entry read(String name) throws IOException {
        check(name, null);
        byte[] bytes = AtomicFiles.read(dir.resolve(name), MAX_CONTENT + 256);
        return bytes == null ? null : decode(name, bytes, dir.resolve(name).toString());
    }

    void put(Entry e) throws IOException {
        check(e.name(), e.content());
        if (!sha256(e.content()).equals(e.checksum())) {
            throw new IOException("shared file " + e.name() + " version " + e.version() + ": its content does not match"
                    + " its SHA-256 " + e.checksum() + ": refused");
        }
        AtomicFiles.write(dir.resolve(e.name()), encode(e), writer);
    }

    /**
     * @param unreadable told the name of each file that cannot be read (cut short, its checksum wrong) and
     *     why: it is left out, so that one bad file hides none of the others
     * @return the files that can be read, by name
     * @throws IOException when the folder itself cannot be read
     */
    SortedMap<String, Entry> list(BiConsumer<String, IOException> unreadable) throws IOException {
        SortedMap<String, Entry> all = new TreeMap<>();
        if (!Files.isDirectory(dir)) {
            return all;
        }
        AtomicFiles.removeTemporaries(dir);
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path f : s) {
                String name = f.getFileName().toString();
                if (NAME.matcher(name).matches() && !name.endsWith(AtomicFiles.TEMP_SUFFIX) && Files.isRegularFile(f)) {
                    try {
                        Entry e = read(name);
                        if (e != null) {
                            all.put(name, e);
                        }
                    } catch (IOException e) {
                        unreadable.accept(name, e);
                    }
                }
            }
        }
        return all;
    }

    static byte[] encode(Entry e) {
        byte[] head = (MAGIC + " " + e.version() + " " + e.checksum() + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] out = Arrays.copyOf(head, head.length + e.content().length);
        System.arraycopy(e.content(), 0, out, head.length, e.content().length);
        return out;
    }

    /** @throws IOException naming the file when its header or checksum is wrong */
    static Entry decode(String name, byte[] bytes, String where) throws IOException {
        int nl = -1;
        for (int i = 0; i < bytes.length && i < 128; i++) {
            if (bytes[i] == '\n') {
                nl = i;
                break;
            }
        }
        String[] head = nl < 0 ? new String[0] : new String(bytes, 0, nl, StandardCharsets.UTF_8).split(" ");
        if (head.length != 3 || !head[0].equals(MAGIC)) {
            throw new IOException(where + ": not a shared file (no 'hasm-file VERSION SHA256' line)");
        }
        long version;
        try {
            version = Long.parseLong(head[1]);
        } catch (NumberFormatException e) {
            throw new IOException(where + ": field version '" + head[1] + "' is not a number");
        }
        byte[] content = Arrays.copyOfRange(bytes, nl + 1, bytes.length);
        if (!sha256(content).equals(head[2])) {
            throw new IOException(where + ": its content does not match its SHA-256 " + head[2]);
        }
        return new Entry(name, version, head[2], content);
    }
}
