package org.hasm.events.internal;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.hasm.spi.events.LoggedEvent;

/**
 * One event of the log, and its encoding: {@code version(1) id(8) sequence(8) millis(8) scm topic
 * count(4) (key value)*}, strings as modified UTF-8 ({@link DataOutputStream#writeUTF}); a value longer
 * than {@value #VALUE_MAX} characters is cut there (and says so), so that a record always encodes.
 */
record Record(long id, String scm, long sequence, long millis, String topic, Map<String, String> properties)
        implements LoggedEvent {
    static final int VERSION = 1;
    static final int VALUE_MAX = 4096;
    static final int PROPERTIES_MAX = 64;

    Record {
        properties = Collections.unmodifiableMap(new LinkedHashMap<>(properties));
    }

    @Override
    public Instant time() {
        return Instant.ofEpochMilli(millis);
    }

    Record withId(long newId) {
        return new Record(newId, scm, sequence, millis, topic, properties);
    }

    /** @return the properties as text, cut to what a record holds */
    static Map<String, String> text(Map<String, ?> properties) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, ?> e : properties.entrySet()) {
            if (out.size() == PROPERTIES_MAX) {
                out.put("truncated", (properties.size() - PROPERTIES_MAX) + " more properties not kept");
                break;
            }
            Object v = e.getValue();
            String s = v instanceof Object[] a ? java.util.Arrays.toString(a) : String.valueOf(v);
            out.put(cut(e.getKey()), cut(s));
        }
        return out;
    }

    private static String cut(String s) {
        return s.length() <= VALUE_MAX ? s : s.substring(0, VALUE_MAX) + "...(" + s.length() + " characters)";
    }

    byte[] encode() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(VERSION);
            out.writeLong(id);
            out.writeLong(sequence);
            out.writeLong(millis);
            out.writeUTF(scm);
            out.writeUTF(topic);
            out.writeInt(properties.size());
            for (Map.Entry<String, String> e : properties.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeUTF(e.getValue());
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
    }

    /** @throws IOException when the bytes are not a record of this version */
    static Record decode(byte[] payload) throws IOException {
        DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(payload));
        int version = in.readUnsignedByte();
        if (version != VERSION) {
            throw new IOException("record version " + version + ", expected " + VERSION);
        }
        long id = in.readLong();
        long sequence = in.readLong();
        long millis = in.readLong();
        String scm = in.readUTF();
        String topic = in.readUTF();
        int n = in.readInt();
        if (n < 0 || n > PROPERTIES_MAX + 1) {
            throw new IOException("record with " + n + " properties");
        }
        Map<String, String> props = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            props.put(in.readUTF(), in.readUTF());
        }
        if (in.available() != 0) {
            throw new IOException(in.available() + " bytes after the record");
        }
        return new Record(id, scm, sequence, millis, topic, props);
    }

    /** @return the record with its frame: {@code length(4) crc32(4) payload} */
    static ByteBuffer frame(byte[] payload) {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(payload);
        ByteBuffer b = ByteBuffer.allocate(8 + payload.length);
        b.putInt(payload.length).putInt((int) crc.getValue()).put(payload).flip();
        return b;
    }
}
