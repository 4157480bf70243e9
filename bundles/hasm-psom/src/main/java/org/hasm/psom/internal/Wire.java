package org.hasm.psom.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.hasm.spi.shared.Persistence;
import org.hasm.spi.shared.SharedObjectException.Reason;

/**
 * The messages of the {@code psom} link service, as bytes. A request starts with its kind; an
 * answer with 0 (then its content) or 1 + the failure's reason and message. Fields added since the
 * first release go at the end of a message, where a peer of that release does not read them, and
 * are read only if present ({@link In#hasMore}), so the two releases of a rolling upgrade understand
 * each other; a kind the peer does not know is refused, and its sender does without.
 */
final class Wire {
    static final byte LOCK = 'L';
    static final byte UNLOCK = 'U';
    static final byte RELEASE_HOLDER = 'H';
    static final byte WRITE = 'W';
    static final byte SYNC = 'S';
    static final byte PUSH = 'P';
    /** The MASTER asks the SLAVE to drop tombstones old enough and held by both (see {@code Psom.prune}). */
    static final byte PRUNE = 'R';
    /**
     * The SLAVE gave up a lock request after a try went unanswered: the MASTER releases the lock if
     * that request holds it, and refuses the request if a copy of it arrives later.
     */
    static final byte ABANDON = 'A';
    /** The MASTER asks its SLAVE to resynchronise (one-way): it saw it serving again, no replica. */
    static final byte RESYNC = 'Y';

    /** A failure the peer answered with. */
    static final class Refused extends IOException {
        private static final long serialVersionUID = 1L;
        final Reason reason;

        Refused(Reason reason, String message) {
            super(message);
            this.reason = reason;
        }
    }

    /** Writes a message. */
    static final class Out {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        final DataOutputStream out = new DataOutputStream(bytes);

        Out(byte kind) {
            put(kind);
        }

        Out put(byte b) {
            try {
                out.writeByte(b);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return this;
        }

        Out put(long v) {
            try {
                out.writeLong(v);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return this;
        }

        Out put(String s) {
            try {
                out.writeBoolean(s != null);
                if (s != null) {
                    out.writeUTF(s);
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return this;
        }

        Out put(Entry e) {
            try {
                out.writeUTF(e.name());
                out.writeByte(e.persistence().ordinal());
                out.writeLong(e.term());
                out.writeLong(e.version());
                out.writeBoolean(e.deleted());
                out.writeInt(e.value().length);
                out.write(e.value());
            } catch (IOException x) {
                throw new IllegalStateException(x);
            }
            return this;
        }

        Out put(Meta m) {
            try {
                out.writeUTF(m.name());
                out.writeByte(m.persistence().ordinal());
                out.writeLong(m.term());
                out.writeLong(m.version());
                out.writeBoolean(m.deleted());
                out.writeInt(m.checksum());
            } catch (IOException x) {
                throw new IllegalStateException(x);
            }
            return this;
        }

        Out putNames(java.util.Collection<String> names) {
            try {
                out.writeInt(names.size());
                for (String n : names) {
                    out.writeUTF(n);
                }
            } catch (IOException x) {
                throw new IllegalStateException(x);
            }
            return this;
        }

        Out putMetas(java.util.Collection<Meta> metas) {
            try {
                out.writeInt(metas.size());
            } catch (IOException x) {
                throw new IllegalStateException(x);
            }
            metas.forEach(this::put);
            return this;
        }

        int size() {
            return bytes.size();
        }

        byte[] bytes() {
            return bytes.toByteArray();
        }
    }

    /** Reads a message; every malformed one is an IOException. */
    static final class In {
        final DataInputStream in;

        In(byte[] b) {
            in = new DataInputStream(new ByteArrayInputStream(b));
        }

        byte kind() throws IOException {
            return in.readByte();
        }

        long getLong() throws IOException {
            return in.readLong();
        }

        String getString() throws IOException {
            return in.readBoolean() ? in.readUTF() : null;
        }

        Entry entry() throws IOException {
            String name = in.readUTF();
            Persistence p = persistence(in.readByte());
            long term = in.readLong();
            long version = in.readLong();
            boolean deleted = in.readBoolean();
            int length = in.readInt();
            if (length < 0 || length > in.available()) {
                throw new IOException("object " + name + ": value of " + length + " bytes in a shorter message");
            }
            return new Entry(name, p, term, version, deleted, in.readNBytes(length));
        }

        Meta meta() throws IOException {
            return new Meta(in.readUTF(), persistence(in.readByte()), in.readLong(), in.readLong(), in.readBoolean(),
                    in.readInt());
        }

        /** @return whether fields follow (absent in a message from a release that did not have them) */
        boolean hasMore() throws IOException {
            return in.available() > 0;
        }

        List<String> names() throws IOException {
            int n = count();
            List<String> list = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                list.add(in.readUTF());
            }
            return list;
        }

        int count() throws IOException {
            int n = in.readInt();
            if (n < 0 || n > in.available()) {
                throw new IOException("a count of " + n + " in a message of " + in.available() + " bytes left");
            }
            return n;
        }

        List<Entry> entries() throws IOException {
            int n = count();
            List<Entry> list = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                list.add(entry());
            }
            return list;
        }

        private static Persistence persistence(byte b) throws IOException {
            if (b < 0 || b >= Persistence.values().length) {
                throw new IOException("unknown persistence " + b);
            }
            return Persistence.values()[b];
        }
    }

    static Out ok() {
        return new Out((byte) 0);
    }

    static byte[] refusal(Reason reason, String message) {
        Out o = new Out((byte) 1);
        o.put((byte) reason.ordinal());
        o.put(message);
        return o.bytes();
    }

    /** @return the answer's content, past its status */
    static In answer(byte[] b) throws IOException {
        In in = new In(b);
        if (in.kind() != 0) {
            int r = in.in.readByte();
            Reason reason = r >= 0 && r < Reason.values().length ? Reason.values()[r] : Reason.UNAVAILABLE;
            throw new Refused(reason, in.getString());
        }
        return in;
    }

    private Wire() {
    }
}
