package org.hasm.itests.cluster;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.CRC32;

/**
 * What an SCM's PSOM holds on its disk, read from outside the process: the object files under
 * {@code <node>/.../psom/objects}, in the format hasm-psom's README gives ({@code PSO2}: two slots,
 * each checked by its CRC-32; {@code PSO1}). A test that reads them sees what survives a crash of the process.
 */
final class PsomFiles {
    private static final int PSO1 = 0x50534f31;
    private static final int PSO2 = 0x50534f32;
    private static final int SLOT_BYTES = 36 * 1024;
    /** mark, sequence, term, version, deleted, name length, value length */
    private static final int HEADER = 4 + 8 + 8 + 8 + 1 + 2 + 4;

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

    /**
     * A {@code PSO2} file: two slots of {@value #SLOT_BYTES} bytes, each mark, sequence, term,
     * version, deleted, name length, value length, name, value, CRC-32; the intact one with the
     * higher sequence is the object. A {@code PSO1} file (the previous release): one record.
     */
    private static Stored decode(byte[] b, Path file) throws IOException {
        if (b.length >= 4 && ByteBuffer.wrap(b).getInt() == PSO1) {
            return decodeV1(b, file);
        }
        Stored best = null;
        long bestSequence = -1;
        for (int slot = 0; slot < 2; slot++) {
            int at = slot * SLOT_BYTES;
            int end = Math.min(b.length, at + SLOT_BYTES);
            if (end - at < HEADER + 4) {
                continue;
            }
            ByteBuffer in = ByteBuffer.wrap(b, at, end - at);
            if (in.getInt() != PSO2) {
                continue;
            }
            long sequence = in.getLong();
            long term = in.getLong();
            long version = in.getLong();
            boolean deleted = in.get() == 1;
            int nameLength = Short.toUnsignedInt(in.getShort());
            int valueLength = in.getInt();
            long length = (long) HEADER + nameLength + valueLength + 4;
            if (valueLength < 0 || length > end - at) {
                continue;
            }
            CRC32 crc = new CRC32();
            crc.update(b, at, (int) length - 4);
            if ((int) crc.getValue() != ByteBuffer.wrap(b, at + (int) length - 4, 4).getInt()) {
                continue; // torn by a cut write, or damaged: the other slot holds the object
            }
            if (sequence > bestSequence) {
                bestSequence = sequence;
                String name = new String(b, at + HEADER, nameLength, StandardCharsets.UTF_8);
                best = new Stored(name, term, version, deleted,
                        Arrays.copyOfRange(b, at + HEADER + nameLength, at + HEADER + nameLength + valueLength));
            }
        }
        if (best == null) {
            throw new IOException(file + ": no intact slot: a torn or damaged object file");
        }
        return best;
    }

    private static Stored decodeV1(byte[] b, Path file) throws IOException {
        CRC32 crc = new CRC32();
        crc.update(b, 0, b.length - 4);
        int stored = ByteBuffer.wrap(b, b.length - 4, 4).getInt();
        if ((int) crc.getValue() != stored) {
            throw new IOException(file + ": CRC mismatch: a torn or damaged PSO1 object file");
        }
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(b, 4, b.length - 8));
        String name = in.readUTF();
        long term = in.readLong();
        long version = in.readLong();
        boolean deleted = in.readBoolean();
        byte[] value = in.readNBytes(in.readInt());
        return new Stored(name, term, version, deleted, value);
    }
}
