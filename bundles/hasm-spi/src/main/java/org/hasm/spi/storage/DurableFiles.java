package org.hasm.spi.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Files a service keeps on a volume it serves: a private folder per module that no export reaches, and
 * the one way to write a file there (or anywhere on the volume) so that an acknowledged write survives
 * a crash and a write this SCM may no longer make is never seen.
 *
 * <h2>Names reserved on a volume</h2>
 * Every name that starts with {@value #RESERVED_PREFIX} belongs to hasm: hasm's file services hide
 * such names from listings and refuse them in requests, and the node refuses an export whose path
 * goes through one. A module's private folder is {@code <volume>/}{@value #PRIVATE_FOLDER}{@code /<module>}:
 * clients of the volume's exports never see it, whatever the exports are; it moves with the volume on
 * a takeover, like everything on it.
 *
 * <h2>A durable write</h2>
 * {@link #write(Volume, Path, Content)}: the content goes to a temporary file
 * ({@value #TEMP_PREFIX}...) in the target's folder and is forced to disk; the volume's ownership is
 * proven ({@link Volume#fence()}); only then does an atomic rename put it under the final name, and
 * the folder is forced so that the rename is durable too. If anything fails the temporary file is
 * removed: the final name holds the old content or the new, never a part, and never a write made
 * after the volume was taken over.
 *
 * <pre>
 * Path state = DurableFiles.privateFolder(volume, context.moduleName()).resolve("state.json");
 * try {
 *     DurableFiles.write(volume, state, json.getBytes(StandardCharsets.UTF_8));
 * } catch (FencedException e) {
 *     // the volume is no longer ours: do not acknowledge
 * }
 * </pre>
 *
 * @since org.hasm.spi.storage 1.3.0, hasm.spi 1.1.0
 */
public final class DurableFiles {

    /** Every name that starts with this is hasm's own on a volume: no export shows or reaches it. */
    public static final String RESERVED_PREFIX = ".hasm-";

    /** The folder at a volume's root that holds each module's private folder. */
    public static final String PRIVATE_FOLDER = RESERVED_PREFIX + "private";

    /**
     * Names of the temporary files of a durable write start with this. One left by a crash is never a
     * final name; a service may remove those older than its longest write.
     */
    public static final String TEMP_PREFIX = RESERVED_PREFIX + "put-";

    /** Module names, as {@link org.hasm.spi.HaModule#MODULE_NAME} has them. */
    private static final Pattern MODULE = Pattern.compile("[A-Za-z0-9_-]+");

    private DurableFiles() {
    }

    /** What a durable write puts into its temporary file. */
    @FunctionalInterface
    public interface Content {
        /**
         * Writes the whole content. An {@link IOException} is taken as the storage's failure (and told to
         * the volume); to fail for a reason of the caller's own (a client that went away, a size limit),
         * throw an unchecked exception: it reaches the caller of {@code write} unchanged. Either way
         * nothing appears under the target.
         *
         * @param out the temporary file, empty, positioned at 0; forced and closed by the caller
         * @throws IOException if writing failed
         */
        void writeTo(FileChannel out) throws IOException;
    }

    /**
     * The private folder of a module on a volume, created if missing (its creation is made durable).
     *
     * @param volume a volume this SCM serves
     * @param module the module's name ({@link org.hasm.spi.HaContext#moduleName()})
     * @return {@code <volume root>/}{@value #PRIVATE_FOLDER}{@code /<module>}
     * @throws IllegalArgumentException if {@code module} is not a module name (letters, digits, {@code _}, {@code -})
     * @throws FencedException if the folder had to be created and this SCM no longer owns the volume
     * @throws IOException if the folder cannot be created
     */
    public static Path privateFolder(Volume volume, String module) throws IOException {
        if (module == null || !MODULE.matcher(module).matches()) {
            throw new IllegalArgumentException("'" + module + "' is not a module name (letters, digits, '_' and '-')");
        }
        Path root = volume.root();
        Path shared = root.resolve(PRIVATE_FOLDER);
        Path own = shared.resolve(module);
        if (Files.isDirectory(own)) {
            return own;
        }
        volume.fence();
        try {
            if (!Files.isDirectory(shared)) {
                Files.createDirectories(shared);
                syncFolder(root);
            }
            Files.createDirectories(own);
            syncFolder(shared);
        } catch (IOException e) {
            throw failed(volume, DurableWriteException.Step.CREATE, "cannot create the private folder " + own, e);
        }
        return own;
    }

    /**
     * @param name a file or folder name
     * @return whether the name is hasm's own ({@value #RESERVED_PREFIX}...): an export shows and reaches none
     */
    public static boolean reserved(String name) {
        return name != null && name.startsWith(RESERVED_PREFIX);
    }

    /**
     * Writes {@code bytes} durably under {@code target}; see {@link #write(Volume, Path, Content)}.
     *
     * @param volume the volume {@code target} lies on
     * @param target the final name; its folder exists
     * @param bytes the whole content
     * @throws FencedException if this SCM no longer owns the volume: nothing was written
     * @throws DurableWriteException if the storage failed: nothing was written under {@code target}
     */
    public static void write(Volume volume, Path target, byte[] bytes) throws IOException {
        write(volume, target, out -> {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                out.write(buffer);
            }
        });
    }

    /**
     * Writes a file durably: temporary file, forced; {@link Volume#fence()}; atomic rename over
     * {@code target}; the folder forced. A failure of the storage is told to the volume
     * ({@link Volume#writeFailed}), which reports a full, read-only or failing storage once per change.
     *
     * @param volume the volume {@code target} lies on
     * @param target the final name; its folder exists and lies on the volume
     * @param content writes the content
     * @throws FencedException if this SCM no longer owns the volume: the temporary file is removed and
     *     {@code target} is untouched
     * @throws DurableWriteException if the storage failed, with the step and what the volume made of
     *     it; {@code target} is untouched unless the step is {@link DurableWriteException.Step#SYNC}
     *     (the new content is in place but its rename may not survive a crash of the host)
     * @throws IllegalArgumentException if {@code target} does not lie below the volume's root
     */
    public static void write(Volume volume, Path target, Content content) throws IOException {
        Path root = volume.root().toAbsolutePath().normalize();
        Path file = target.toAbsolutePath().normalize();
        if (!file.startsWith(root) || file.equals(root)) {
            throw new IllegalArgumentException(target + " does not lie on volume " + volume.name() + " (" + root + ")");
        }
        Path folder = file.getParent();
        Path temp = folder.resolve(TEMP_PREFIX + UUID.randomUUID() + ".tmp");
        boolean renamed = false;
        try {
            FileChannel out;
            try {
                out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (IOException e) {
                throw failed(volume, DurableWriteException.Step.CREATE, "cannot create a temporary file in " + folder, e);
            }
            try (out) {
                content.writeTo(out);
                out.force(true);
            } catch (IOException e) {
                throw failed(volume, DurableWriteException.Step.WRITE, "cannot write " + file, e);
            }
            volume.fence();
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                // same folder, so only an odd file system gets here; a plain move could expose a part
                throw new DurableWriteException(DurableWriteException.Step.RENAME, null,
                        "volume " + volume.name() + " cannot rename atomically: " + e.getMessage(), e);
            } catch (IOException e) {
                throw failed(volume, DurableWriteException.Step.RENAME, "cannot rename into " + file, e);
            }
            renamed = true;
            try {
                syncFolder(folder);
            } catch (IOException e) {
                throw failed(volume, DurableWriteException.Step.SYNC, "cannot sync folder " + folder, e);
            }
        } finally {
            if (!renamed) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException e) {
                    // the name stays hidden and is never a final one
                }
            }
        }
    }

    /**
     * Makes a folder's entries durable: a rename into it, a new or a removed name.
     *
     * @param folder the folder
     * @throws IOException if the file system refused
     */
    public static void syncFolder(Path folder) throws IOException {
        try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

    private static DurableWriteException failed(Volume volume, DurableWriteException.Step step, String what,
            IOException e) {
        VolumeProblem.Kind kind = volume.writeFailed(e);
        return new DurableWriteException(step, kind, "volume " + volume.name() + ": " + what + ": " + e.getMessage(), e);
    }
}
