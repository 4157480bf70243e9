package org.hasm.nas.http.internal;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import org.hasm.spi.storage.DurableFiles;
import org.hasm.spi.storage.DurableWriteException;
import org.hasm.spi.storage.FencedException;
import org.hasm.spi.storage.Volume;

/**
 * The dead properties of one export as its volume keeps them, so that whichever SCM serves the volume next (the
 * peer after a takeover, this one after a restart) serves them too.
 *
 * <h2>Layout</h2>
 * One file per resource that has properties, in the module's private folder of the volume:
 * {@code <volume>/.hasm-private/http/dead-properties/<personality>/<export>/<name>}, where the name is the SHA-256
 * of the resource's path in the export (UTF-8, as {@link DeadProperties} normalises it), in hexadecimal. A hash,
 * not the path: a name of fixed length whatever the depth of the resource, and one flat folder to look in. The
 * private folder is outside every export's folder (a client's folder never holds one of these files, so its
 * DELETE is never stopped by a name it cannot see) and its names are reserved: no export shows or reaches them.
 * Keyed by personality and export name like the export's locks in the shared objects.
 *
 * <h2>A file</h2>
 * Big-endian: the format ({@value #MAGIC}, "hdp1"), the resource's path, the number of properties, then per
 * property its namespace, local name and XML as the client sent it; each string as its length in bytes (-1 for
 * none) and its UTF-8 bytes; last, the CRC-32C of everything before it. The path lets a file be checked against its
 * name; the checksum tells a damaged file from a good one.
 *
 * <h2>Whose properties</h2>
 * A file holds the properties of whatever resource is at its path, as WebDAV defines them: a PUT that replaces the
 * content keeps them, and so does an editor that saves by writing a new file and renaming it over the old one, over
 * this server or another protocol. Nothing else ties a file to its resource: not an inode number, which a copy of
 * the volume to other storage (a migration, a restore from a file backup) changes for every resource. A file whose
 * path has no resource now ({@link #exists} says so: its resource was deleted or renamed behind the server's back)
 * is an orphan, which {@link PropertyCount} does not count and removes.
 *
 * <h2>Crash safety</h2>
 * A file is replaced whole by {@link DurableWrite#write(Volume, Path, byte[])}: a temporary file
 * ({@code .hasm-put-*}) in the same folder, forced, the volume fenced, renamed over the file, the folder forced. A
 * crash leaves the old file or the new one, never a part; a temporary file it leaves is never read here and goes
 * with the sweep of leftover uploads, which walks the whole volume. A file is removed after a fence, and the folder
 * forced after. Both fence the ownership of the volume that what they write was read under, not merely the present
 * one.
 *
 * <h2>Damaged or unreadable</h2>
 * A file that is not what hasm writes (cut short or changed behind hasm's back, a stranger's name, not a regular
 * file, larger than a file is read of) is reported through {@code damaged} and read as no properties; it is left
 * for an administrator to look at, and a new PROPPATCH of its resource replaces it. A file that cannot be read at
 * all (an I/O error, a stale handle, a permission, an interrupt) is not damaged: nobody knows what it holds, so the
 * read throws the failure of a storage access ({@link WriteFailure}, 503 or 500) and the request that needed it
 * fails; taking it for "none" would let the next PROPPATCH write a file without the properties acknowledged before.
 */
final class PropertyFiles {
    /** The module whose private folder holds the properties ({@code name} of {@link HttpModule}). */
    static final String MODULE = "http";
    /** The folder in the module's private folder. */
    static final String FOLDER = "dead-properties";

    private static final int MAGIC = 0x68647031; // "hdp1": hasm's dead properties, format 1
    private static final Pattern NAME = Pattern.compile("[0-9a-f]{64}");
    // format, path length, count, checksum: the least a file holds
    private static final int LEAST_BYTES = 16;

    private final VolumeAccess volume;
    private final String personality;
    private final String export;
    private final Path folder;
    private final Path exportFolder;
    private final DurableWrite durable;
    private final DurableWrite.ChannelOpener disk;
    private final long largestFile;
    private final BiConsumer<Path, String> damaged;

    /** What one file holds: the resource's path and its properties. */
    record Stored(String path, List<DeadProperties.Property> properties) {
    }

    /**
     * @param exportFolder the export's folder, where its resources are
     * @param largestFile the most bytes a file is read of (a larger one is reported, not read): a damaged
     *     length must not take the heap
     * @param damaged told of each file that is not read as hasm wrote it (the file, why)
     */
    PropertyFiles(VolumeAccess volume, String personality, String export, Path exportFolder, DurableWrite durable,
            long largestFile, BiConsumer<Path, String> damaged) {
        this.volume = volume;
        this.personality = personality;
        this.export = export;
        this.folder = folder(volume.root(), personality, export);
        this.exportFolder = exportFolder;
        this.durable = durable;
        this.disk = durable.opener();
        this.largestFile = largestFile;
        this.damaged = damaged;
    }

    /** @return where the dead properties of an export are kept on a volume */
    static Path folder(Path volumeRoot, String personality, String export) {
        return volumeRoot.resolve(DurableFiles.PRIVATE_FOLDER).resolve(MODULE).resolve(FOLDER).resolve(personality)
                .resolve(export);
    }

    Path folder() {
        return folder;
    }

    /** @return the volume if this SCM owns it now, else {@code null} */
    Volume owned() {
        return volume.current();
    }

    /** @return the export, as a log line names it */
    String export() {
        return "personality " + personality + ", export " + export;
    }

    /** @return a name for a thread that works on the export's properties */
    String threadName(String what) {
        return "hasm-http-" + personality + "-" + export + "-" + what;
    }

    /** @return the name of the file that holds a resource's properties */
    static String fileName(String path) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(path.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /**
     * Reads every file of the folder, one at a time: what is handed on is the caller's to keep or drop. A damaged
     * file is reported and skipped.
     *
     * @throws WriteFailure if the folder cannot be listed or a file cannot be read: what the export's properties
     *     take is not known then
     */
    void scan(Consumer<Stored> each) {
        try (DirectoryStream<Path> files = disk.list(folder)) {
            for (Path file : files) {
                if (file.getFileName().toString().startsWith(DurableFiles.TEMP_PREFIX)) {
                    continue; // a write cut short: never a final name
                }
                Stored stored = load(file);
                if (stored != null) {
                    each.accept(stored);
                }
            }
        } catch (NoSuchFileException e) {
            // no resource of the export has had properties on this volume
        } catch (IOException e) {
            throw readFailure("cannot list the dead properties in " + folder, e);
        } catch (DirectoryIteratorException e) {
            throw readFailure("cannot list the dead properties in " + folder, e.getCause());
        }
    }

    /**
     * @return the properties of a resource; none if it has no file or its file is damaged (then reported)
     * @throws WriteFailure if the file cannot be read
     */
    List<DeadProperties.Property> read(String path) {
        Stored stored = load(folder.resolve(fileName(path)));
        return stored == null ? List.of() : stored.properties();
    }

    /**
     * @return whether the export has a resource at a path now: a file or a folder (a symbolic link or a device is
     *     none: the export does not serve them); a path that would leave the export's folder has none
     * @throws WriteFailure if the file system cannot tell: a resource it cannot see is not a missing one
     */
    boolean exists(String path) {
        Path file = exportFolder.resolve(path.startsWith("/") ? path.substring(1) : path).normalize();
        if (!file.startsWith(exportFolder)) {
            return false;
        }
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return a.isRegularFile() || a.isDirectory();
        } catch (NoSuchFileException | NotDirectoryException e) {
            return false;
        } catch (FileSystemException e) {
            if (e.getReason() != null && e.getReason().contains("Not a directory")) {
                return false; // a file where the path has a folder: nothing there
            }
            throw readFailure("cannot read the attributes of " + file, e);
        } catch (IOException e) {
            throw readFailure("cannot read the attributes of " + file, e);
        }
    }

    /**
     * Replaces the file of a resource with these properties, durably, once the volume is proven this SCM's under
     * the ownership given.
     *
     * @param under the ownership of the volume what is written was read under
     * @throws WriteFailure with the status to answer: nothing was changed (see
     *     {@link DurableWrite#write(Volume, Path, byte[])})
     */
    void write(Volume under, String path, List<DeadProperties.Property> properties) {
        durable.write(under, createdFolder(under).resolve(fileName(path)), encode(path, properties));
    }

    /**
     * Removes the files of these resources once the volume is proven this SCM's under the ownership given (as a
     * DELETE fences before Tomcat removes anything): one fence, then the folder forced once.
     *
     * @throws WriteFailure with the status to answer
     */
    void remove(Volume under, List<String> paths) {
        boolean removed = false;
        try {
            under.fence();
            for (String path : paths) {
                removed |= Files.deleteIfExists(folder.resolve(fileName(path)));
            }
            if (removed) {
                DurableFiles.syncFolder(folder);
            }
        } catch (IOException e) {
            throw failure("cannot remove the dead properties of " + (paths.size() == 1 ? paths.get(0)
                    : paths.size() + " resources"), e);
        }
    }

    /** @return the folder, created durably (each new level forced, then the folder that names it) if missing */
    private Path createdFolder(Volume v) {
        if (Files.isDirectory(folder)) {
            return folder;
        }
        try {
            Path own = DurableFiles.privateFolder(v, MODULE);
            v.fence(); // privateFolder fences only when it creates
            Path level = own;
            for (Path name : own.relativize(folder)) {
                level = level.resolve(name);
                if (!Files.isDirectory(level)) {
                    try {
                        Files.createDirectory(level);
                    } catch (FileAlreadyExistsException e) {
                        // another export of the personality made it meanwhile
                    }
                    DurableFiles.syncFolder(level);
                    DurableFiles.syncFolder(level.getParent());
                }
            }
            return folder;
        } catch (IOException e) {
            throw failure("cannot create " + folder, e);
        }
    }

    /** The answers of a failed write of the resources ({@link DurableWrite}), for the same failures here. */
    private WriteFailure failure(String what, IOException e) {
        if (e instanceof FencedException) {
            return new WriteFailure(503, "volume " + volume.name() + " is fenced: " + e.getMessage(), e);
        }
        if (e instanceof DurableWriteException d) {
            return volume.failed(d);
        }
        return volume.failed(what, e);
    }

    /** A read the storage failed: told to the volume like a failed write, answered the same (503 or 500). */
    private WriteFailure readFailure(String what, IOException e) {
        return volume.failed(what, e);
    }

    /**
     * @return what a file holds, or {@code null} if it is gone or not what hasm writes (reported)
     * @throws WriteFailure if it cannot be read
     */
    private Stored load(Path file) {
        String name = file.getFileName().toString();
        if (!NAME.matcher(name).matches()) {
            damaged.accept(file, "not a name hasm gives a file of dead properties");
            return null;
        }
        byte[] bytes;
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.isRegularFile()) {
                damaged.accept(file, "not a regular file");
                return null;
            }
            if (a.size() > largestFile) {
                damaged.accept(file, a.size() + " bytes, more than the " + largestFile + " a file is read of");
                return null;
            }
            bytes = readAll(file);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw readFailure("cannot read the dead properties in " + file, e);
        }
        if (bytes == null) {
            damaged.accept(file, "grew past the " + largestFile + " bytes a file is read of while it was read");
            return null;
        }
        Stored stored;
        try {
            stored = decode(bytes);
        } catch (Damaged e) {
            damaged.accept(file, e.getMessage());
            return null;
        }
        if (!name.equals(fileName(stored.path()))) {
            damaged.accept(file, "holds the properties of " + stored.path() + ", whose file has another name");
            return null;
        }
        return stored;
    }

    /** @return the whole file, or {@code null} if it holds more than a file is read of */
    private byte[] readAll(Path file) throws IOException {
        try (FileChannel in = disk.read(file)) {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(8192);
            while (in.read(buffer.clear()) >= 0) {
                all.write(buffer.array(), 0, buffer.position());
                if (all.size() > largestFile) {
                    return null;
                }
            }
            return all.toByteArray();
        }
    }

    static byte[] encode(String path, List<DeadProperties.Property> properties) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            string(out, path);
            out.writeInt(properties.size());
            for (DeadProperties.Property p : properties) {
                string(out, p.namespace());
                string(out, p.name());
                string(out, p.xml());
            }
            CRC32C crc = new CRC32C();
            crc.update(bytes.toByteArray());
            out.writeInt((int) crc.getValue());
        } catch (IOException e) {
            throw new UncheckedIOException("a byte array cannot fail", e);
        }
        return bytes.toByteArray();
    }

    private static void string(DataOutputStream out, String s) throws IOException {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    /** A file that is not what hasm writes; the message says how. */
    static final class Damaged extends Exception {
        private static final long serialVersionUID = 1L;

        Damaged(String message) {
            super(message);
        }
    }

    static Stored decode(byte[] bytes) throws Damaged {
        if (bytes.length < LEAST_BYTES) {
            throw new Damaged("cut short: " + bytes.length + " bytes");
        }
        int end = bytes.length - Integer.BYTES;
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, end);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        if (in.getInt(end) != (int) crc.getValue()) {
            throw new Damaged("its checksum does not match its content");
        }
        in.limit(end);
        try {
            if (in.getInt() != MAGIC) {
                throw new Damaged("not in the format hasm writes");
            }
            String path = string(in);
            if (path == null || !path.startsWith("/")) {
                throw new Damaged("no resource path");
            }
            int count = in.getInt();
            // each property takes at least its three lengths: a count beyond is damaged, whatever the checksum
            if (count < 0 || count > in.remaining() / (3 * Integer.BYTES)) {
                throw new Damaged("a count of " + count + " properties");
            }
            List<DeadProperties.Property> properties = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                String namespace = string(in);
                String name = string(in);
                String xml = string(in);
                if (name == null || xml == null) {
                    throw new Damaged("a property without a name or a value");
                }
                properties.add(DeadProperties.Property.of(namespace, name, xml));
            }
            if (in.hasRemaining()) {
                throw new Damaged(in.remaining() + " bytes after the last property");
            }
            return new Stored(path, List.copyOf(properties));
        } catch (BufferUnderflowException e) {
            throw new Damaged("cut short");
        }
    }

    private static String string(ByteBuffer in) throws Damaged {
        int length = in.getInt();
        if (length == -1) {
            return null;
        }
        if (length < 0 || length > in.remaining()) {
            throw new Damaged("a string of " + length + " bytes where " + in.remaining() + " are left");
        }
        ByteBuffer utf8 = in.slice(in.position(), length);
        in.position(in.position() + length);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(utf8).toString();
        } catch (CharacterCodingException e) {
            throw new Damaged("a string that is not UTF-8");
        }
    }
}
