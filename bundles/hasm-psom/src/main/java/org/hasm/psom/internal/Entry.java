package org.hasm.psom.internal;

import java.util.Arrays;
import java.util.zip.CRC32;
import org.hasm.spi.shared.Persistence;

/**
 * One shared object as this SCM holds it: its value stamped with the term and version of the write
 * that made it. A deleted object is kept as a tombstone, so a deletion is not undone by a peer that
 * missed it, until both SCMs have dropped it ({@link Psom#prune}).
 */
record Entry(String name, Persistence persistence, long term, long version, boolean deleted, byte[] value) {

    Entry {
        value = value == null ? new byte[0] : value;
    }

    Meta meta() {
        return new Meta(name, persistence, term, version, deleted, checksum(value));
    }

    static int checksum(byte[] value) {
        CRC32 crc = new CRC32();
        crc.update(value);
        return (int) crc.getValue();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Entry e && e.name.equals(name) && e.persistence == persistence && e.term == term
                && e.version == version && e.deleted == deleted && Arrays.equals(e.value, value);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Long.hashCode(version);
    }

    @Override
    public String toString() {
        return name + " (" + persistence + ", term " + term + ", version " + version + (deleted ? ", deleted" : ", "
                + value.length + " bytes") + ")";
    }
}
