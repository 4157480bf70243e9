package org.hasm.events.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The peer's events into this log, each exactly once, over the link's request/response. The sender
 * pushes its own events after the highest sequence the peer said it has; the receiver appends those
 * above its highest for that SCM and answers its highest (the acknowledgement). A lost request or a
 * lost answer makes the sender push the same events again, which the receiver skips; an answer that
 * comes twice says the same thing twice. While the link is down the sender's own log holds its
 * events, and the next push after reconnection carries them.
 *
 * <p>Message: {@code version(1) origin count(4) (length(4) record)*}; answer: {@code highest(8)}.
 */
final class Forwarding {
    static final int VERSION = 1;
    /** A push stays well under the link's payload limit (64 KiB). */
    static final int BATCH_BYTES = 48 * 1024;

    private Forwarding() {
    }

    static byte[] push(String origin, List<Record> batch) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(VERSION);
            out.writeUTF(origin);
            out.writeInt(batch.size());
            for (Record r : batch) {
                byte[] b = r.encode();
                out.writeInt(b.length);
                out.write(b);
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Receives a push into {@code log}.
     *
     * @param self this SCM's name: its own events are never taken from the peer
     * @return the answer: the highest sequence of the origin's events now in the log
     * @throws IOException when the message is not a push, or the log cannot be written
     */
    static byte[] receive(EventLog log, String self, byte[] message) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(message));
        int version = in.readUnsignedByte();
        if (version != VERSION) {
            throw new IOException("event push version " + version + ", this release reads " + VERSION);
        }
        String origin = in.readUTF();
        if (origin.equals(self)) {
            throw new IOException("an event push from '" + origin + "', this SCM's own name");
        }
        int n = in.readInt();
        if (n < 0 || n > message.length) {
            throw new IOException("event push of " + n + " records");
        }
        List<Record> batch = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int len = in.readInt();
            if (len <= 0 || len > in.available()) {
                throw new IOException("event push: record " + i + " of " + len + " bytes");
            }
            byte[] b = in.readNBytes(len);
            batch.add(Record.decode(b));
        }
        long high = accept(log, origin, batch);
        return java.nio.ByteBuffer.allocate(8).putLong(high).array();
    }

    /** Appends the origin's records above its highest sequence in the log, durably; returns the new highest. */
    static long accept(EventLog log, String origin, List<Record> batch) throws IOException {
        long high = log.highest(origin);
        boolean wrote = false;
        for (Record r : batch) {
            if (r.scm().equals(origin) && r.sequence() > high) {
                log.append(r);
                high = r.sequence();
                wrote = true;
            }
        }
        if (wrote) {
            log.force(); // acknowledged only once durable
        }
        return high;
    }

    static long answer(byte[] answer) throws IOException {
        if (answer == null || answer.length != 8) {
            throw new IOException("an event push answer of " + (answer == null ? 0 : answer.length) + " bytes");
        }
        return java.nio.ByteBuffer.wrap(answer).getLong();
    }

    /**
     * The sending side: what the peer has of this SCM's events, and the next batch. One thread uses it
     * (the forwarder); not thread-safe.
     */
    static final class Sender {
        private final String self;
        private final EventLog log;
        private final int batchMax;
        // the highest own sequence the peer said it has; -1 until it said
        private long acked = -1;
        // every own record up to this id is acknowledged; -1: read from the oldest
        private long cursor = -1;
        private List<Record> inFlight = List.of();

        Sender(String self, EventLog log, int batchMax) {
            this.self = self;
            this.log = log;
            this.batchMax = batchMax;
        }

        /** @return the next records to push; empty until the peer said what it has (an empty push asks) */
        List<Record> batch() throws IOException {
            if (acked < 0) {
                inFlight = List.of();
                return inFlight;
            }
            long after = acked;
            List<Record> read = log.read(cursor, r -> r.scm().equals(self) && r.sequence() > after, batchMax);
            List<Record> out = new ArrayList<>();
            int bytes = 0;
            for (Record r : read) {
                Record fit = fit(r);
                int size = fit.encode().length + 4;
                if (!out.isEmpty() && bytes + size > BATCH_BYTES) {
                    break;
                }
                out.add(fit);
                bytes += size;
            }
            inFlight = out;
            return out;
        }

        /** The peer answered: it has every own event up to {@code high}. */
        void acked(long high) {
            if (!inFlight.isEmpty() && high == inFlight.get(inFlight.size() - 1).sequence()) {
                cursor = inFlight.get(inFlight.size() - 1).id();
            } else if (high != acked) {
                cursor = -1; // the peer knows something else than expected: look from the oldest
            }
            acked = high;
            inFlight = List.of();
        }

        /** The push or its answer was lost: the same events go again. */
        void lost() {
            inFlight = List.of();
        }

        /** @return the highest own sequence the peer has, or -1 when it has not said */
        long acked() {
            return acked;
        }

        /** A record too large for one push goes without its properties, saying so. */
        private static Record fit(Record r) {
            if (r.encode().length + 64 < BATCH_BYTES) {
                return r;
            }
            return new Record(r.id(), r.scm(), r.sequence(), r.millis(), r.topic(),
                    Map.of("truncated", "the event's properties were too large to forward; the log of " + r.scm()
                            + " has them (id " + r.id() + ")"));
        }
    }
}
