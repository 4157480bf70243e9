package org.hasm.psom.internal;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
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
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import org.hasm.spi.shared.Persistence;

/**
 * The persistent objects of one SCM, one file per object in {@code <data>/psom/objects}: named by
 * the SHA-256 of the object's name (any name fits a file name).
 *
 * <p>An object's file holds two slots of {@value #SLOT_BYTES} bytes (room for the name and the
 * largest value), each a record of its own: mark {@code PSO2}, a sequence number, the name, the
 * stamp, the value, and a CRC-32 of all before. The reader takes the intact slot with the higher
 * sequence number. An update goes in place into the slot that does NOT hold the current value,
 * followed by one {@code fdatasync} ({@code force(false)}): a crash before the force completes
 * leaves that slot whole (the new value) or torn (its CRC fails, and the untouched slot still holds
 * the old value), never a mix. The slots sit on separate pages, so tearing one cannot tear the
 * other. The sequence number, not the stamp, orders the slots: a resynchronisation may write a
 * different value under an equal stamp (the MASTER's copy wins a tie).
 *
 * <p>Creating an object's file (and rewriting a {@code PSO1} file of the previous release, one
 * record closed by a CRC, into two slots at its next write) goes through a temporary file, forced,
 * renamed over the object's file, and the folder forced: a crash before the rename leaves no file
 * (or the old one) and a temporary one, which the next {@link #load} removes. A file with no intact
 * slot (a disk fault or a hand edit) is moved aside as {@code .corrupt}, named in {@link
 * #problems()}, and not loaded: the peer's copy replaces it when they resynchronise. A damaged
 * current slot reads as the other slot's older value, and the peer's later stamp replaces it then
 * too.
 *
 * <p>The term (raised whenever this SCM takes over alone) is kept in {@code <data>/psom/term}, and
 * what the store knows of pruning ({@link Pruned}) in {@code <data>/psom/pruned}, each replaced by
 * rename as a new file is.
 *
 * <p>Thread-safe: writes of different objects run in parallel; the caller serialises the writes of
 * one object.
 */
final class ObjectStore {
    /** A step of a write, where a test stops it (the unit tests throw, the cluster tests halt the JVM). */
    interface Steps {
        void reached(String step) throws IOException;
    }

    /** The new record is in the free slot (in the page cache), not yet forced. */
    static final String STEP_SLOT_WRITTEN = "slot-written";
    /** The free slot is forced: the update is durable. */
    static final String STEP_SLOT_FORCED = "slot-forced";
    /** A new file (creation, or a {@code PSO1} file's rewrite) is forced under its temporary name. */
    static final String STEP_TEMP_FORCED = "temp-forced";
    static final String STEP_RENAMED = "renamed";
    static final String STEP_FOLDER_FORCED = "folder-forced";

    /** Room for a name of a few KiB and the largest value, a whole number of 4 KiB pages. */
    static final int SLOT_BYTES = 36 * 1024;
    /** Zeroed at a new file's second slot, so that small updates there neither allocate nor grow the file. */
    private static final int PAGE = 4096;

    private static final int MAGIC_V1 = 0x50534f31; // "PSO1"
    private static final int MAGIC = 0x50534f32; // "PSO2"
    /** mark, sequence, term, version, deleted, name length, value length */
    private static final int HEADER = 4 + 8 + 8 + 8 + 1 + 2 + 4;
    private static final String SUFFIX = ".pso";
    private static final String TEMP = ".tmp-";

    /** Where an object's current value is: slot 0 or 1 and its sequence number; slot -1 for a {@code PSO1} file. */
    record Stored(Entry entry, int slot, long sequence) {
    }

    private record Current(int slot, long sequence) {
    }

    private final Path folder;
    private final Path objects;
    private final Steps steps;
    private static final long PID = ProcessHandle.current().pid();
    private final AtomicLong temps = new AtomicLong();
    // Per object, written under the caller's serialisation of its writes; absent: read from the file.
    private final Map<String, Current> current = new ConcurrentHashMap<>();
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
        current.clear();
        removeLeftovers(folder); // the term's and the pruned generation's, beside objects/
        List<Entry> found = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(objects)) {
            for (Path f : files) {
                String file = f.getFileName().toString();
                if (file.contains(TEMP)) {
                    Files.deleteIfExists(f); // a new file that did not reach its rename: the old state stands
                } else if (file.endsWith(SUFFIX)) {
                    try {
                        Stored s = decode(Files.readAllBytes(f), f);
                        String name = s.entry().name();
                        if (!f.equals(fileOf(name))) {
                            throw new IOException(f + " holds object '" + name + "', whose file is " + fileOf(name));
                        }
                        current.put(name, new Current(s.slot(), s.sequence()));
                        found.add(s.entry());
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
     * Writes the entry durably: into the free slot of its file and one force, or, for a new file
     * (or a {@code PSO1} one), by temporary file, force, rename and folder force.
     *
     * @param prefix the prefix of the steps this write reports ({@code write-}, {@code replica-})
     */
    void write(Entry e, String prefix) throws IOException {
        if (e.persistence() != Persistence.PERSISTENT) {
            throw new IllegalArgumentException(e.name() + " is not persistent");
        }
        Path file = fileOf(e.name());
        Current cur = current.get(e.name());
        try {
            if (cur == null) {
                cur = inspect(file);
            }
            if (cur == null || cur.slot() < 0) {
                byte[] record = encode(e, 1);
                // the gap between the first record and the second slot stays a hole: no space for it
                atomicWrite(file, ch -> {
                    writeAt(ch, record, 0);
                    writeAt(ch, new byte[PAGE], SLOT_BYTES);
                }, prefix);
                current.put(e.name(), new Current(0, 1));
            } else {
                int slot = 1 - cur.slot();
                long sequence = cur.sequence() + 1;
                writeSlot(file, slot, encode(e, sequence), prefix);
                current.put(e.name(), new Current(slot, sequence));
                steps.reached(prefix + STEP_SLOT_FORCED);
            }
        } catch (IOException | RuntimeException x) {
            current.remove(e.name()); // whatever the file holds now, the next write reads it again
            throw x;
        }
    }

    private void writeSlot(Path file, int slot, byte[] record, String prefix) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            writeAt(ch, record, (long) slot * SLOT_BYTES);
            steps.reached(prefix + STEP_SLOT_WRITTEN);
            ch.force(false);
        }
    }

    private static void writeAt(FileChannel ch, byte[] bytes, long position) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        long at = position;
        while (b.hasRemaining()) {
            at += ch.write(b, at);
        }
    }

    /** @return where the file's current value is, null if there is no file or no intact slot in it */
    private static Current inspect(Path file) {
        if (!Files.exists(file)) {
            return null;
        }
        try {
            Stored s = decode(Files.readAllBytes(file), file);
            return new Current(s.slot(), s.sequence());
        } catch (IOException e) {
            return null; // gone meanwhile, or nothing intact to keep: the write replaces the file whole
        }
    }

    /** Removes an object's file, if any (it became volatile). */
    void remove(String name) throws IOException {
        removeAll(List.of(name));
    }

    /**
     * Removes the objects' files, then forces the folder once: when this returns, none of them
     * comes back at the next {@link #load}.
     */
    void removeAll(List<String> names) throws IOException {
        boolean removed = false;
        for (String name : names) {
            removed |= unlink(name);
        }
        if (removed) {
            forceFolder();
        }
    }

    /**
     * Removes an object's file, not yet durably: {@link #forceFolder} makes it so.
     *
     * @return whether there was a file
     */
    boolean unlink(String name) throws IOException {
        current.remove(name);
        return Files.deleteIfExists(fileOf(name));
    }

    /** Makes the files created, renamed and removed in the objects' folder durable. */
    void forceFolder() throws IOException {
        try (FileChannel d = FileChannel.open(objects, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    /**
     * What this SCM's store knows of pruning, kept in {@code <data>/psom/pruned}.
     *
     * @param generation the last round of pruning this store started (as MASTER) or took part in
     *     (as SLAVE), counted across the pair; recorded before the round removes anything, and never
     *     lowered, so a store copied back from an older state has a lower one than its peer knows
     * @param confirmed the highest generation the peer's store is known to hold durably (it
     *     reported it, or sent it in a round it had recorded it for)
     * @param floor the highest version of a tombstone this store pruned: an object created again
     *     under a pruned name starts above it, so its stamp is later than the tombstone the peer may
     *     still hold for a moment
     */
    record Pruned(long generation, long confirmed, long floor) {
        static final Pruned NONE = new Pruned(0, 0, 0);
    }

    /** @return the pruning state stored, {@link Pruned#NONE} if this store never pruned nor met a peer that did */
    Pruned loadPruned() throws IOException {
        Path f = folder.resolve("pruned");
        if (!Files.exists(f)) {
            return Pruned.NONE;
        }
        byte[] b = Files.readAllBytes(f);
        if (b.length != 28 || crc(b, 24) != ByteBuffer.wrap(b, 24, 4).getInt()) {
            throw new IOException("the PSOM pruning state " + f + " is damaged (" + b.length + " bytes, CRC mismatch)");
        }
        ByteBuffer in = ByteBuffer.wrap(b);
        return new Pruned(in.getLong(), in.getLong(), in.getLong());
    }

    void writePruned(Pruned p) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(28).putLong(p.generation()).putLong(p.confirmed()).putLong(p.floor());
        b.putInt(crc(b.array(), 24));
        atomicWrite(folder.resolve("pruned"), ch -> writeAt(ch, b.array(), 0), "pruned-");
    }

    /**
     * Makes sure the store is this SCM's own: the file {@code owner} names the SCM that wrote it, written the first
     * time (a store of an earlier release gets it at its first load). A store of the peer's (this SCM's data folder
     * copied from the peer to rebuild it) is refused: it holds what the peer held when it was copied, and a
     * resynchronisation would give back to the peer what the peer deleted since and pruned without ever having
     * given it to this SCM (tombstones of objects made and deleted while this SCM was away go without asking
     * it); started empty, this SCM gets every object from the peer instead.
     *
     * @throws IOException naming the store, its owner and what to do, if it is another SCM's or the file is damaged
     */
    void claim(String scm) throws IOException {
        Path f = folder.resolve("owner");
        if (!Files.exists(f)) {
            Files.createDirectories(folder);
            atomicWrite(f, ch -> writeAt(ch, (scm + "\n").getBytes(StandardCharsets.UTF_8), 0), "owner-");
            return;
        }
        String owner;
        try {
            owner = Files.readString(f, StandardCharsets.UTF_8).strip();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IOException("the PSOM store's owner file " + f + " is damaged (not text)", e);
        }
        if (!owner.equals(scm)) {
            throw new IOException("the PSOM store " + folder + " is " + (owner.isEmpty() ? "nobody's (its owner file is empty)"
                    : "SCM " + owner + "'s, not " + scm + "'s") + ": this data folder was copied from another SCM;"
                    + " a copy could give the peer back objects it deleted since. Move " + folder + " away and start"
                    + " again: the peer gives " + scm + " every object when it resynchronises");
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
        atomicWrite(folder.resolve("term"), ch -> writeAt(ch, b.array(), 0), "term-");
    }

    /** Removes the temporary files of atomic writes a crash cut short in {@code dir} (not in its subfolders). */
    private static void removeLeftovers(Path dir) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, p -> p.getFileName().toString().contains(TEMP)
                && Files.isRegularFile(p))) {
            for (Path f : files) {
                Files.deleteIfExists(f); // not renamed: the file it was to replace stands as it was
            }
        }
    }

    /** What goes into a new file before it is forced. */
    private interface Content {
        void writeTo(FileChannel ch) throws IOException;
    }

    private void atomicWrite(Path target, Content content, String prefix) throws IOException {
        Path dir = target.getParent();
        // the process id in the name: a temporary file a killed process left behind never collides with one
        // of this process (whose counter starts again at 1), and load() removes those leftovers
        Path temp = dir.resolve(target.getFileName() + TEMP + PID + "-" + temps.incrementAndGet());
        boolean created = false;
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                created = true;
                content.writeTo(ch);
                ch.force(true);
            }
            steps.reached(prefix + STEP_TEMP_FORCED);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            if (created) {
                Files.deleteIfExists(temp); // only this call's own
            }
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

    /** @return one slot's record of the entry, under the slot's sequence number */
    static byte[] encode(Entry e, long sequence) {
        byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
        int length = HEADER + name.length + e.value().length + 4;
        if (name.length > 0xffff || length > SLOT_BYTES) {
            throw new IllegalArgumentException(e + " does not fit a slot of " + SLOT_BYTES + " bytes");
        }
        ByteBuffer b = ByteBuffer.allocate(length);
        b.putInt(MAGIC).putLong(sequence).putLong(e.term()).putLong(e.version()).put((byte) (e.deleted() ? 1 : 0))
                .putShort((short) name.length).putInt(e.value().length).put(name).put(e.value());
        b.putInt(crc(b.array(), length - 4));
        return b.array();
    }

    /**
     * Reads a file in either format: the intact slot with the higher sequence number, or the one
     * record of a {@code PSO1} file (slot -1).
     *
     * @throws IOException naming the file and what is wrong with it
     */
    static Stored decode(byte[] b, Path file) throws IOException {
        if (b.length >= 4 && ByteBuffer.wrap(b).getInt() == MAGIC_V1) {
            return new Stored(decodeV1(b, file), -1, 0);
        }
        Stored best = null;
        String[] why = new String[2];
        for (int slot = 0; slot < 2; slot++) {
            try {
                Stored s = decodeSlot(b, slot);
                if (best == null || s.sequence() > best.sequence()) {
                    best = s;
                }
            } catch (IOException e) {
                why[slot] = e.getMessage();
            }
        }
        if (best == null) {
            throw new IOException("PSOM object file " + file + " (" + b.length + " bytes) has no intact slot: slot 0 "
                    + why[0] + ", slot 1 " + why[1]);
        }
        return best;
    }

    /** @throws IOException saying what is wrong with the slot (not the file's name: the caller adds it) */
    private static Stored decodeSlot(byte[] file, int slot) throws IOException {
        int at = slot * SLOT_BYTES;
        int end = Math.min(file.length, at + SLOT_BYTES);
        if (end - at < HEADER + 4) {
            throw new IOException("is cut short");
        }
        ByteBuffer b = ByteBuffer.wrap(file, at, end - at);
        if (b.getInt() != MAGIC) {
            throw new IOException("does not start with the PSO2 mark");
        }
        long sequence = b.getLong();
        long term = b.getLong();
        long version = b.getLong();
        byte deleted = b.get();
        int nameLength = Short.toUnsignedInt(b.getShort());
        int valueLength = b.getInt();
        long length = (long) HEADER + nameLength + valueLength + 4;
        if (valueLength < 0 || length > end - at) {
            throw new IOException("says " + nameLength + " name and " + valueLength + " value bytes, has room for "
                    + (end - at - HEADER - 4));
        }
        if (crc(file, at, (int) length - 4) != ByteBuffer.wrap(file, at + (int) length - 4, 4).getInt()) {
            throw new IOException("is damaged or torn: CRC mismatch over " + length + " bytes");
        }
        if (deleted != 0 && deleted != 1) {
            throw new IOException("has a deleted flag of " + deleted);
        }
        String name = new String(file, at + HEADER, nameLength, StandardCharsets.UTF_8);
        byte[] value = Arrays.copyOfRange(file, at + HEADER + nameLength, at + HEADER + nameLength + valueLength);
        return new Stored(new Entry(name, Persistence.PERSISTENT, term, version, deleted == 1, value), slot, sequence);
    }

    /** The previous release's format, one record: mark, name, term, version, deleted, value, CRC-32. */
    private static Entry decodeV1(byte[] b, Path file) throws IOException {
        if (b.length < 4 + 2 + 8 + 8 + 1 + 4 + 4) {
            throw new IOException("PSOM object file " + file + " is cut short (" + b.length + " bytes)");
        }
        int stored = ByteBuffer.wrap(b, b.length - 4, 4).getInt();
        if (crc(b, 0, b.length - 4) != stored) {
            throw new IOException("PSOM object file " + file + " is damaged: CRC mismatch over " + b.length + " bytes");
        }
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(b, 4, b.length - 8));
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
        return crc(b, 0, length);
    }

    private static int crc(byte[] b, int offset, int length) {
        CRC32 crc = new CRC32();
        crc.update(b, offset, length);
        return (int) crc.getValue();
    }
}
