package org.hasm.itests.cluster;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What an SCM's PSOM holds on its disk, read from outside the process: the object files under
 * {@code <node>/.../psom/objects}, in the format hasm-psom's README gives (mark, name, term,
 * version, deleted, value, CRC-32). A test that reads them sees what survives a crash of the process.
 */
final class PsomFiles {
    /** One object file's content. */
    record Stored(String name, long term, long version, boolean deleted, byte[] value) {
        String text() {
            return new String(value, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return name + " (term " + term + ", version " + version + (deleted ? ", deleted" : ", " + value.length
                    + " bytes") + ")";
        }
    }

    private PsomFiles() {
    }

    /** @return the objects found in the node folder, by name (none if PSOM never wrote) */
    static Map<String, Stored> read(Path node) throws IOException {
        Map<String, Stored> found = new TreeMap<>();
        Path objects;
        try (Stream<Path> walk = Files.walk(node)) {
            objects = walk.filter(p -> p.endsWith(Path.of("psom", "objects")) && Files.isDirectory(p)).findFirst()
                    .orElse(null);
        }
        if (objects == null) {
            return found;
        }
        try (Stream<Path> files = Files.list(objects)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".pso")).toList()) {
                Stored s = decode(Files.readAllBytes(f), f);
                found.put(s.name(), s);
            }
        }
        return found;
    }

    private static Stored decode(byte[] b, Path file) throws IOException {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(b, 0, b.length - 4);
        int stored = java.nio.ByteBuffer.wrap(b, b.length - 4, 4).getInt();
        if ((int) crc.getValue() != stored) {
            throw new IOException(file + ": CRC mismatch: a torn or damaged object file");
        }
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(b, 0, b.length - 4));
        if (in.readInt() != 0x50534f31) {
            throw new IOException(file + ": no PSOM mark");
        }
        String name = in.readUTF();
        long term = in.readLong();
        long version = in.readLong();
        boolean deleted = in.readBoolean();
        byte[] value = in.readNBytes(in.readInt());
        return new Stored(name, term, version, deleted, value);
    }
}
