package org.hasm.nas.nfs.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32;

/**
 * The record form of the service's logs on a volume ({@link ReplyCache}, {@link LockStore}):
 * {@code magic, length, CRC-32 of the payload, payload}, so that a reader tells a whole record from
 * one a crash cut short or damaged.
 */
final class Records {
    private Records() {
    }

    static void append(FileChannel out, int magic, byte[] payload) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(12 + payload.length);
        b.putInt(magic).putInt(payload.length).putInt(crc(payload)).put(payload).flip();
        while (b.hasRemaining()) {
            out.write(b);
        }
    }

    static int crc(byte[] payload) {
        CRC32 c = new CRC32();
        c.update(payload);
        return (int) c.getValue();
    }

    /**
     * @return a name beside {@code file} for a new version of it that no other writer uses (both SCMs may
     *     rewrite the same file: a paused one that woke after a takeover, and the new owner), ending in
     *     {@value #TEMPORARY}
     */
    static Path temporary(Path file) {
        return file.resolveSibling("." + file.getFileName() + "."
                + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong()) + TEMPORARY);
    }

    static final String TEMPORARY = ".tmp";

    /** Deletes what a crash left of {@link #temporary} versions of {@code file}. */
    static void deleteTemporaries(Path file) throws IOException {
        String prefix = "." + file.getFileName() + ".";
        try (java.nio.file.DirectoryStream<Path> s = Files.newDirectoryStream(file.getParent(),
                p -> p.getFileName().toString().startsWith(prefix) && p.getFileName().toString().endsWith(TEMPORARY))) {
            for (Path p : s) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Makes a rename or a creation in the folder durable. */
    static void forceFolder(Path folder) throws IOException {
        try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }
}
