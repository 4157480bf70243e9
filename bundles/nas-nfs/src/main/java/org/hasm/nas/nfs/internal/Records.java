package org.hasm.nas.nfs.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.IntPredicate;
import java.util.zip.CRC32;

/**
 * The record form of the service's logs on a volume ({@link ReplyCache}, {@link LockStore}):
 * {@code magic, length, CRC-32 of the payload, payload}, so that a reader tells a whole record from
 * one a crash cut short or damaged; and the forces and temporary names its files, and others, are
 * written durably with.
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

    /**
     * Finds where the log goes on after a record that does not read (its magic, length or CRC is wrong, or it
     * is cut short): the first whole record (a magic {@code magic} accepts, a length up to {@code maxRecord}
     * that the log holds, a CRC that matches) at or after byte {@code from}. None means the damage reaches the
     * end of the log: the tail a crash tore while appending, which the reader cuts. One means the damage lies
     * between whole records (a sector lost or altered on the disk): the reader skips to it, and the records
     * after the damage, acknowledged like any other, are kept.
     *
     * @return the offset of that record, or -1 if there is none
     */
    static int nextWhole(ByteBuffer log, int from, IntPredicate magic, int maxRecord) {
        for (int at = Math.max(from, 0); at <= log.limit() - 12; at++) {
            if (!magic.test(log.getInt(at))) {
                continue;
            }
            int length = log.getInt(at + 4);
            if (length < 0 || length > maxRecord || length > log.limit() - at - 12) {
                continue;
            }
            CRC32 c = new CRC32();
            c.update(log.slice(at + 12, length));
            if ((int) c.getValue() == log.getInt(at + 8)) {
                return at;
            }
        }
        return -1;
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

    /**
     * Forces a regular file's or a folder's inode, its attributes and extended attributes with it (an fsync
     * through a descriptor opened for reading is enough on Linux), and its data. One this SCM may not read (a
     * mode of 0, and no root) has its folder forced instead, which on a journaled file system commits the
     * inode's change with it.
     */
    static void forceInode(Path file) throws IOException {
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.AccessDeniedException e) {
            forceFolder(file.getParent());
            return;
        }
        try (ch) {
            ch.force(true);
        }
    }

    /** Makes a rename or a creation in the folder durable. */
    static void forceFolder(Path folder) throws IOException {
        try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }
}
