package org.hasm.nas.http.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import org.hasm.spi.storage.FencedException;
import org.hasm.spi.storage.Volume;

/**
 * Writes a file so that an acknowledged write survives a crash and a write this SCM may no longer
 * make is never seen: the body goes to a hidden temporary file in the target's folder, is forced to
 * disk, the volume's ownership is proven ({@link Volume#fence()}), and only then does an atomic
 * rename put it under the final name; the folder is forced so the rename itself is durable. Any
 * failure deletes the temporary file, so the final name holds the old content or the new, never a
 * part.
 */
final class DurableWrite {

    /** Names of temporary files start with this; they are hidden from listings and refused by URL. */
    static final String TEMP_PREFIX = ".hasm-put-";

    /**
     * Every name starting with this is hasm's own on a volume (these temporary files, the NFS service's
     * file ids and duplicate request cache in {@code .hasm-nfs}): hidden from listings and refused by URL,
     * so no client of this service can read or change them.
     */
    static final String RESERVED_PREFIX = ".hasm-";

    /** Opens the temporary file; a test puts a failing disk behind it. */
    interface ChannelOpener {
        FileChannel open(Path file) throws IOException;
    }

    static final ChannelOpener DEFAULT_OPENER =
            file -> FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);

    private static final int BUFFER_BYTES = 256 * 1024;

    private final VolumeAccess volume;
    private final long maxBytes;
    private final ChannelOpener opener;

    DurableWrite(VolumeAccess volume, long maxBytes, ChannelOpener opener) {
        this.volume = volume;
        this.maxBytes = maxBytes;
        this.opener = opener;
    }

    /**
     * @param target the final name; its folder exists and lies inside the export
     * @param body the content; read to its end
     * @throws WriteFailure with the status to answer; nothing then appeared under {@code target}
     */
    void write(Path target, InputStream body) {
        Path folder = target.getParent();
        Path temp = folder.resolve(TEMP_PREFIX + UUID.randomUUID() + ".tmp");
        boolean renamed = false;
        try {
            copy(body, temp);
            Volume v = volume.current();
            if (v == null) {
                throw new WriteFailure(503, "volume " + volume.name() + " is no longer served by this SCM", null);
            }
            try {
                v.fence();
            } catch (FencedException e) {
                throw new WriteFailure(503, "volume " + volume.name() + " is fenced: " + e.getMessage(), e);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                // same folder, so only an odd file system gets here; a non-atomic move could expose a part
                throw new WriteFailure(500, "the volume cannot rename atomically: " + e.getMessage(), e);
            } catch (IOException e) {
                throw volume.failed("cannot rename into place", e);
            }
            renamed = true;
            forceFolder(folder);
        } finally {
            if (!renamed) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException e) {
                    // the name stays hidden and is never the final one; nothing more can be done here
                }
            }
        }
    }

    private void copy(InputStream body, Path temp) {
        try (FileChannel out = openTemp(temp)) {
            byte[] bytes = new byte[BUFFER_BYTES];
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            long total = 0;
            while (true) {
                int n;
                try {
                    n = body.read(bytes);
                } catch (IOException e) {
                    // the client went away or stalled past the timeout: its write was never complete
                    throw new WriteFailure(400, "request body incomplete: " + e.getMessage(), e);
                }
                if (n < 0) {
                    break;
                }
                total += n;
                if (total > maxBytes) {
                    throw new WriteFailure(413, "body larger than max.put.bytes=" + maxBytes, null);
                }
                buffer.clear().limit(n);
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
            }
            out.force(true);
        } catch (IOException e) {
            throw volume.failed("cannot write", e);
        }
    }

    private FileChannel openTemp(Path temp) {
        try {
            return opener.open(temp);
        } catch (IOException e) {
            throw volume.failed("cannot create a temporary file", e);
        }
    }

    /** Makes the folder's entries (a rename, a new or removed name) durable. */
    static void forceFolder(Path folder) {
        try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            throw storageFailure("cannot sync folder", e);
        }
    }

    static WriteFailure storageFailure(String what, IOException e) {
        if (isNameTooLong(e)) {
            // a file system with a shorter limit than the 255 bytes the servlet checks (eCryptfs: 143): the
            // client's name is at fault, not the disk
            return new WriteFailure(400, "the volume's file system refuses a name this long (" + what
                    + ": File name too long)", e);
        }
        return new WriteFailure(isNoSpace(e) ? WriteFailure.INSUFFICIENT_STORAGE : 500, what + ": " + e.getMessage(), e);
    }

    /** ENAMETOOLONG, recognisable only by its text. */
    static boolean isNameTooLong(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && m.contains("File name too long")) {
                return true;
            }
        }
        return false;
    }

    /** Java gives no errno; ENOSPC and EDQUOT are only recognisable by their text. */
    static boolean isNoSpace(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && (m.contains("No space left") || m.contains("Disk quota exceeded"))) {
                return true;
            }
        }
        return false;
    }
}
