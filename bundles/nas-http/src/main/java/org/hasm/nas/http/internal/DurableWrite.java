package org.hasm.nas.http.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.hasm.spi.storage.DurableFiles;
import org.hasm.spi.storage.DurableWriteException;
import org.hasm.spi.storage.FencedException;
import org.hasm.spi.storage.Volume;

/**
 * Writes a request's body so that an acknowledged write survives a crash and a write this SCM may no
 * longer make is never seen: hasm's durable write ({@link DurableFiles#write}: a hidden temporary file in
 * the target's folder, forced to disk, the volume fenced, an atomic rename, the folder forced), with the
 * limits of this service and its failures turned into the status to answer. Any failure leaves the
 * final name with the old content or the new, never a part.
 */
final class DurableWrite {

    /** Names of temporary files start with this; they are hidden from listings and refused by URL. */
    static final String TEMP_PREFIX = DurableFiles.TEMP_PREFIX;

    /**
     * Every name starting with this is hasm's own on a volume (these temporary files, the modules' private
     * folders, the NFS service's file ids and duplicate request cache in {@code .hasm-nfs}): hidden from
     * listings and refused by URL, so no client of this service can read or change them.
     */
    static final String RESERVED_PREFIX = DurableFiles.RESERVED_PREFIX;

    /**
     * Stands between this service and the disk where it writes and where it reads its own files (the dead
     * properties); a test puts a failing disk there.
     */
    interface ChannelOpener {
        /**
         * @param target the final name being written
         * @param created the temporary file, just created
         * @return the channel to write the body to
         */
        FileChannel open(Path target, FileChannel created) throws IOException;

        /** @return a channel that reads a file of this service's own (not following a symbolic link) */
        default FileChannel read(Path file) throws IOException {
            return FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        }

        /** @return the names in a folder of this service's own */
        default DirectoryStream<Path> list(Path folder) throws IOException {
            return Files.newDirectoryStream(folder);
        }
    }

    static final ChannelOpener DEFAULT_OPENER = (target, created) -> created;

    private static final int BUFFER_BYTES = 256 * 1024;

    private final VolumeAccess volume;
    private final long maxBytes;
    private final ChannelOpener opener;

    DurableWrite(VolumeAccess volume, long maxBytes, ChannelOpener opener) {
        this.volume = volume;
        this.maxBytes = maxBytes;
        this.opener = opener;
    }

    /** @return the disk this service goes through, for the reads of its own files */
    ChannelOpener opener() {
        return opener;
    }

    /**
     * @param target the final name; its folder exists and lies inside the export
     * @param body the content; read to its end
     * @throws WriteFailure with the status to answer; nothing then appeared under {@code target}
     */
    void write(Path target, InputStream body) {
        durably(target, out -> copy(body, opener.open(target, out)));
    }

    /**
     * Writes a small file of this service's own (the dead properties of a resource) the same way, through the
     * same disk: temporary file, forced, fenced, renamed, folder forced.
     *
     * @param under the ownership of the volume the content was made under: the fence is this one's, so a write
     *     made from what was read under an ownership that has ended (even if the volume is this SCM's again) fails
     * @param target the final name; its folder exists and lies on the volume
     * @throws WriteFailure with the status to answer; {@code target} then holds what it held before (unless the
     *     folder could not be forced after the rename: see {@link DurableFiles#write})
     */
    void write(Volume under, Path target, byte[] content) {
        durably(under, target, out -> {
            FileChannel channel = opener.open(target, out);
            ByteBuffer buffer = ByteBuffer.wrap(content);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        });
    }

    private void durably(Path target, DurableFiles.Content content) {
        Volume v = volume.current();
        if (v == null) {
            throw new WriteFailure(503, "volume " + volume.name() + " is no longer served by this SCM", null);
        }
        durably(v, target, content);
    }

    private void durably(Volume v, Path target, DurableFiles.Content content) {
        try {
            DurableFiles.write(v, target, content);
        } catch (FencedException e) {
            throw new WriteFailure(503, "volume " + volume.name() + " is fenced: " + e.getMessage(), e);
        } catch (DurableWriteException e) {
            throw volume.failed(e);
        } catch (IOException e) {
            throw storageFailure("cannot write", e);
        }
    }

    private void copy(InputStream body, FileChannel out) throws IOException {
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
    }

    /** @return what the failed step was doing, as this service says it */
    static String what(DurableWriteException.Step step) {
        return switch (step) {
            case CREATE -> "cannot create a temporary file";
            case WRITE -> "cannot write";
            case RENAME -> "cannot rename into place";
            case SYNC -> "cannot sync folder";
        };
    }

    /** Makes the folder's entries (a rename, a new or removed name) durable. */
    static void forceFolder(Path folder) {
        try {
            DurableFiles.syncFolder(folder);
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
