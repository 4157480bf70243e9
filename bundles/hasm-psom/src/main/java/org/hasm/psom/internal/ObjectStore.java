package org.hasm.psom.internal;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import org.hasm.spi.shared.Persistence;

/**
 * The persistent objects of one SCM, one file per object in {@code <data>/psom/objects}: named by
 * the SHA-256 of the object's name (any name fits a file name), holding the name, the stamp and the
 * value, closed by a CRC-32 of everything before it.
 *
 * <p>A write is crash-safe by rename, not by a log: the new content goes to a temporary file of its
 * own, which is forced to the disk, then renamed over the object's file (an atomic replace on a
 * POSIX file system), and the folder is forced so that the rename itself survives a power loss. A
 * crash before the rename leaves the old file and a temporary one, which the next {@link #load}
 * removes; after it, the new file. So a reader finds the old or the new value, never a mix. One
 * file per object (rather than a log) needs no compaction and lets two objects be written at
 * once; it costs two forces a write. A file whose CRC does not match (a disk fault or a hand edit) is
 * moved aside as {@code .corrupt}, named in {@link #problems()}, and not loaded: the peer's copy
 * replaces it when they resynchronise.
 *
 * <p>The term (raised whenever this SCM takes over alone) is kept the same way in {@code
 * <data>/psom/term}.
 *
 * <p>Thread-safe: writes of different objects run in parallel; the caller serialises the writes of
 * one object.
 */
final class ObjectStore {
    /** A step of a write, where a test stops it (the unit tests throw, the cluster tests halt the JVM). */
    interface Steps {
        void reached(String step) throws IOException;
    }

    static final String STEP_TEMP_FORCED = "temp-forced";
    static final String STEP_RENAMED = "renamed";
    static final String STEP_FOLDER_FORCED = "folder-forced";

    private static final int MAGIC = 0x50534f31; // "PSO1"
    private static final String SUFFIX = ".pso";
    private static final String TEMP = ".tmp-";

    private final Path folder;
    private final Path objects;
    private final Steps steps;
    private final AtomicLong temps = new AtomicLong();
    // Written by load only, before the store is shared.
    private final List<String> problems = new ArrayList<>();

    ObjectStore(Path dataDir, Steps steps) {
        this.folder = dataDir.resolve("psom");
        this.objects = folder.resolve("objects");
        this.steps = steps;
    }

    Path folder() {
        return folder;
    }

    /**
     * Reads every object, removing the temporary files of writes that a crash cut short.
     *
     * @return the objects found intact
     * @throws IOException if the folder cannot be read or created (the message names it)
     */
    List<Entry> load() throws IOException {
        try {
            Files.createDirectories(objects);
        } catch (IOException e) {
            throw new IOException("cannot create the PSOM folder " + objects + ": " + e.getMessage(), e);
        }
        List<Entry> found = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(objects)) {
            for (Path f : files) {
                String file = f.getFileName().toString();
                if (file.contains(TEMP)) {
                    Files.deleteIfExists(f); // a write that did not reach its rename: the old file stands
                } else if (file.endsWith(SUFFIX)) {
                    try {
                        Entry e = decode(Files.readAllBytes(f), f);
                        if (!f.equals(fileOf(e.name()))) {
                            throw new IOException(f + " holds object '" + e.name() + "', whose file is " + fileOf(e.name()));
                        }
                        found.add(e);
                    } catch (IOException e) {
                        Path aside = objects.resolve(file + ".corrupt");
                        Files.move(f, aside, StandardCopyOption.REPLACE_EXISTING);
                        problems.add(e.getMessage() + "; moved aside to " + aside);
                    }
                }
            }
        }
        return found;
    }

    /** @return what {@link #load} found wrong, one line each naming the file */
    List<String> problems() {
        return List.copyOf(problems);
    }

    /**
     * Writes the entry durably: temporary file, force, rename, folder force.
     *
     * @param steps the prefix of the steps this write reports ({@code write-}, {@code replica-})
     */
    void write(Entry e, String steps) throws IOException {
        if (e.persistence() != Persistence.PERSISTENT) {
            throw new IllegalArgumentException(e.name() + " is not persistent");
        }
        atomicWrite(fileOf(e.name()), encode(e), steps);
    }

    /** Removes an object's file, if any (it became volatile). */
    void remove(String name) throws IOException {
        if (Files.deleteIfExists(fileOf(name))) {
            try (FileChannel d = FileChannel.open(objects, StandardOpenOption.READ)) {
                d.force(true);
            }
        }
    }

    /** @return the term stored, 0 if none yet */
    long loadTerm() throws IOException {
        Path f = folder.resolve("term");
        if (!Files.exists(f)) {
            return 0;
        }
        byte[] b = Files.readAllBytes(f);
        if (b.length != 12 || crc(b, 8) != ByteBuffer.wrap(b, 8, 4).getInt()) {
            throw new IOException("the PSOM term file " + f + " is damaged (" + b.length + " bytes, CRC mismatch)");
        }
        return ByteBuffer.wrap(b).getLong();
    }

    void writeTerm(long term) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(12).putLong(term);
        b.putInt(crc(b.array(), 8));
        atomicWrite(folder.resolve("term"), b.array(), "term-");
    }

    private void atomicWrite(Path target, byte[] bytes, String prefix) throws IOException {
        Path dir = target.getParent();
        Path temp = dir.resolve(target.getFileName() + TEMP + temps.incrementAndGet());
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            steps.reached(prefix + STEP_TEMP_FORCED);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        steps.reached(prefix + STEP_RENAMED);
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
        steps.reached(prefix + STEP_FOLDER_FORCED);
    }

    Path fileOf(String name) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
            return objects.resolve(HexFormat.of().formatHex(h) + SUFFIX);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JRE has no SHA-256", e);
        }
    }

    static byte[] encode(Entry e) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + e.value().length);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(MAGIC);
            out.writeUTF(e.name());
            out.writeLong(e.term());
            out.writeLong(e.version());
            out.writeBoolean(e.deleted());
            out.writeInt(e.value().length);
            out.write(e.value());
            out.flush();
            byte[] body = bytes.toByteArray();
            out.writeInt(crc(body, body.length));
            out.flush();
            return bytes.toByteArray();
        } catch (IOException x) {
            throw new IllegalStateException(x); // in memory
        }
    }

    /** @throws IOException naming the file and what is wrong with it */
    static Entry decode(byte[] b, Path file) throws IOException {
        if (b.length < 4 + 2 + 8 + 8 + 1 + 4 + 4) {
            throw new IOException("PSOM object file " + file + " is cut short (" + b.length + " bytes)");
        }
        int stored = ByteBuffer.wrap(b, b.length - 4, 4).getInt();
        if (crc(b, b.length - 4) != stored) {
            throw new IOException("PSOM object file " + file + " is damaged: CRC mismatch over " + b.length + " bytes");
        }
        DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(b, 0, b.length - 4));
        if (in.readInt() != MAGIC) {
            throw new IOException("PSOM object file " + file + " does not start with the PSOM mark");
        }
        String name = in.readUTF();
        long term = in.readLong();
        long version = in.readLong();
        boolean deleted = in.readBoolean();
        int length = in.readInt();
        if (length < 0 || length != in.available()) {
            throw new IOException("PSOM object file " + file + " says " + length + " value bytes, has " + in.available());
        }
        byte[] value = in.readNBytes(length);
        return new Entry(name, Persistence.PERSISTENT, term, version, deleted, value);
    }

    private static int crc(byte[] b, int length) {
        CRC32 crc = new CRC32();
        crc.update(b, 0, length);
        return (int) crc.getValue();
    }
}
