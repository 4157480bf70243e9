package org.hasm.itests.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Bad input for a TCP server that frames its messages with a 4-byte length: ONC RPC's record
 * marking (RFC 5531 §11: the top bit marks the last fragment, 31 bits of length) or the NetBIOS
 * session header SMB2 runs on (a zero type byte, 24 bits of length). Each record is one of the
 * {@link Kind}s, drawn from a seeded {@link Random}, so a failing run is repeated with its seed.
 *
 * <p>What a server must do with every one of them: answer with an error, or close the connection;
 * never crash, never hang the client beyond a read timeout, never grow without bound. The fuzzer
 * sends each connection up to 64 records, reconnects when the server closes or the stream is out of
 * step, counts what happened, and stops after a number of records or a deadline, whichever comes first.
 */
public final class StreamFuzz {

    /** How messages are framed on the stream. */
    public enum Framing {
        /** ONC RPC record marking: last-fragment bit and 31 bits of length. */
        RPC,
        /** NetBIOS session service (SMB over TCP): type 0, then 24 bits of length. */
        NETBIOS
    }

    /**
     * The kinds of bad record. Each opens a connection in turn; those that leave the stream in step then
     * fill it, those that do not ({@link #outOfStep}) are alone on theirs.
     */
    public enum Kind {
        /** Random bytes of a random length, well framed. */
        RANDOM_BODY,
        /** A plausible call header (RPC: CALL, version 2, the program asked for) with a random body. */
        RANDOM_ARGUMENTS,
        /** A plausible call to a program, version or procedure the server does not serve. */
        WRONG_PROGRAM,
        /** A record cut short: the header announces more than is sent before the connection closes. */
        TRUNCATED,
        /** A header that claims 2 GiB (RPC) or the largest length (NetBIOS), then a little data. */
        HUGE_LENGTH,
        /** Many tiny fragments that never end (RPC), or many tiny frames back to back (NetBIOS). */
        FRAGMENT_STORM,
        /** Bytes with no framing at all. */
        GARBAGE
    }

    /** What the fuzzer saw: records sent by kind, replies read, connections the server closed. */
    public record Report(long records, Map<Kind, Long> byKind, long replies, long closedByServer, long timeouts,
            long connectFailures) {
        @Override
        public String toString() {
            return records + " records " + byKind + ", " + replies + " replies, " + closedByServer
                    + " connections closed by the server, " + timeouts + " read timeouts, " + connectFailures
                    + " failed connects";
        }
    }

    private final InetSocketAddress server;
    private final Framing framing;
    private final int program;
    private final int version;
    private final Random random;
    // the kind that opens the next connection, in turn from a seeded start
    private int turn;

    /**
     * @param program for {@link Framing#RPC}: the program a plausible call names (NFS: 100003)
     * @param version its version (NFS: 3)
     */
    public StreamFuzz(InetSocketAddress server, Framing framing, int program, int version, long seed) {
        this.server = server;
        this.framing = framing;
        this.program = program;
        this.version = version;
        this.random = new Random(seed);
        this.turn = random.nextInt(Kind.values().length);
    }

    /**
     * Sends up to {@code records} bad records, reconnecting as needed, for at most {@code limit}.
     * Records go out in batches on one connection; after each batch the fuzzer reads what comes back
     * for a short while (the server's replies or its close).
     *
     * @param readTimeout how long to wait for a reply before moving on (a server that says nothing
     *     to garbage is fine; one that stops answering at all shows in the caller's check after)
     */
    public Report run(long records, Duration limit, Duration readTimeout) {
        long deadline = System.nanoTime() + limit.toNanos();
        Map<Kind, Long> byKind = new EnumMap<>(Kind.class);
        long sent = 0;
        long replies = 0;
        long closed = 0;
        long timeouts = 0;
        long connectFailures = 0;
        byte[] sink = new byte[64 * 1024];
        // bounded by the record count, the deadline, and the connect failures
        while (sent < records && System.nanoTime() - deadline < 0 && connectFailures < 50) {
            try (Socket socket = new Socket()) {
                socket.connect(server, 2000);
                socket.setSoTimeout((int) readTimeout.toMillis());
                socket.setTcpNoDelay(true);
                OutputStream out = socket.getOutputStream();
                InputStream in = socket.getInputStream();
                // a connection opens with the next kind in turn (every kind comes first on some connection, so
                // every kind is sent whatever the server closes); one that puts the stream out of step is alone on
                // its connection, an in-step one is followed by up to 63 more in-step kinds drawn at random:
                // connections are not what is fuzzed, and a fresh one for every two records made the run mostly
                // connection setup
                List<Kind> drawn = new ArrayList<>();
                Kind first = Kind.values()[turn++ % Kind.values().length];
                drawn.add(first);
                if (!outOfStep(first)) {
                    for (int i = random.nextInt(64); i > 0; i--) {
                        drawn.add(IN_STEP.get(random.nextInt(IN_STEP.size())));
                    }
                }
                boolean open = true;
                for (Kind kind : drawn) {
                    if (sent >= records) {
                        break;
                    }
                    byKind.merge(kind, 1L, Long::sum);
                    sent++;
                    try {
                        out.write(record(kind));
                        out.flush();
                    } catch (IOException e) {
                        // the server closed while we wrote: what a server may do with garbage
                        closed++;
                        open = false;
                        break;
                    }
                    if (outOfStep(kind)) {
                        open = false;
                    }
                }
                if (!open) {
                    continue;
                }
                try {
                    int n = in.read(sink);
                    if (n < 0) {
                        closed++;
                    } else {
                        replies++;
                    }
                } catch (SocketTimeoutException e) {
                    timeouts++;
                } catch (IOException e) {
                    closed++;
                }
            } catch (IOException e) {
                connectFailures++;
            }
        }
        return new Report(sent, byKind, replies, closed, timeouts, connectFailures);
    }

    private static final List<Kind> IN_STEP = java.util.Arrays.stream(Kind.values()).filter(k -> !outOfStep(k)).toList();

    /** @return whether the stream is out of step after a record of this kind */
    static boolean outOfStep(Kind kind) {
        return kind == Kind.TRUNCATED || kind == Kind.HUGE_LENGTH || kind == Kind.GARBAGE;
    }

    /** @return the bytes of one bad record of this kind, framed for the stream */
    byte[] record(Kind kind) {
        return switch (kind) {
            case RANDOM_BODY -> frame(bytes(random.nextInt(512)));
            case RANDOM_ARGUMENTS -> frame(call(program, version, random.nextInt(30), bytes(random.nextInt(256))));
            case WRONG_PROGRAM -> frame(wrongCall());
            case TRUNCATED -> truncated();
            case HUGE_LENGTH -> huge();
            case FRAGMENT_STORM -> storm();
            case GARBAGE -> bytes(1 + random.nextInt(256));
        };
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private byte[] frame(byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(4 + body.length);
        b.putInt(header(body.length, true));
        b.put(body);
        return b.array();
    }

    private int header(int length, boolean last) {
        return framing == Framing.RPC ? (last ? 0x8000_0000 : 0) | (length & 0x7fff_ffff) : length & 0x00ff_ffff;
    }

    /** An ONC RPC CALL with AUTH_NONE credentials; for NetBIOS framing, an SMB2-like header instead. */
    private byte[] call(int prog, int vers, int proc, byte[] args) {
        if (framing == Framing.NETBIOS) {
            ByteBuffer b = ByteBuffer.allocate(64 + args.length);
            b.put(new byte[] {(byte) 0xFE, 'S', 'M', 'B'});
            b.putShort((short) 64);
            byte[] rest = bytes(58);
            b.put(rest);
            b.put(args);
            return b.array();
        }
        ByteBuffer b = ByteBuffer.allocate(40 + args.length);
        b.putInt(random.nextInt()); // xid
        b.putInt(0); // CALL
        b.putInt(2); // RPC version
        b.putInt(prog);
        b.putInt(vers);
        b.putInt(proc);
        b.putInt(0).putInt(0); // AUTH_NONE credentials
        b.putInt(0).putInt(0); // AUTH_NONE verifier
        b.put(args);
        return b.array();
    }

    private byte[] wrongCall() {
        return switch (random.nextInt(4)) {
            case 0 -> call(random.nextInt(), version, 0, new byte[0]);
            case 1 -> call(program, version + 1 + random.nextInt(1000), 0, new byte[0]);
            case 2 -> call(program, version, 1000 + random.nextInt(100_000), new byte[0]);
            default -> {
                // a REPLY where a CALL belongs, or an RPC version other than 2
                byte[] c = call(program, version, 0, new byte[0]);
                if (random.nextBoolean()) {
                    ByteBuffer.wrap(c).putInt(4, 1);
                } else {
                    ByteBuffer.wrap(c).putInt(8, 3 + random.nextInt(100));
                }
                yield c;
            }
        };
    }

    private byte[] truncated() {
        byte[] body = call(program, version, random.nextInt(22), bytes(random.nextInt(128)));
        int announced = body.length + 1 + random.nextInt(4096);
        int cut = random.nextInt(body.length + 1);
        ByteBuffer b = ByteBuffer.allocate(4 + cut);
        b.putInt(header(announced, true));
        b.put(body, 0, cut);
        return b.array();
    }

    private byte[] huge() {
        ByteBuffer b = ByteBuffer.allocate(4 + 1024);
        b.putInt(framing == Framing.RPC ? 0xFFFF_FFFF : 0x00FF_FFFF);
        b.put(bytes(1024));
        return b.array();
    }

    private byte[] storm() {
        int fragments = 200 + random.nextInt(800);
        ByteBuffer b = ByteBuffer.allocate(fragments * 5);
        for (int i = 0; i < fragments; i++) {
            b.putInt(header(1, false));
            b.put((byte) random.nextInt());
        }
        return b.array();
    }
}
