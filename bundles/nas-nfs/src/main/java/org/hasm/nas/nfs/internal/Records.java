package org.hasm.nas.nfs.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
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

    /** Makes a rename or a creation in the folder durable. */
    static void forceFolder(Path folder) throws IOException {
        try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }
}
