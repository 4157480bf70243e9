package org.hasm.nas.nfs.internal;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import org.dcache.oncrpc4j.rpc.RpcAuthTypeUnix;
import org.dcache.oncrpc4j.xdr.Xdr;
import org.dcache.oncrpc4j.xdr.XdrAble;

/**
 * An ONC RPC client over TCP for tests, on oncrpc4j's XDR streams and AUTH_SYS credential: it
 * sends each call with the XID the test chooses (a retransmission is the same XID again), and can
 * send a call without reading its reply (a reply lost on the way). Not thread-safe: one call at a time.
 */
public final class RpcClient implements AutoCloseable {
    private static final AtomicInteger XIDS = new AtomicInteger((int) System.nanoTime() & 0x7fffffff);

    /** A call the server did not accept: the reply or accept status it gave. */
    static final class Refused extends IOException {
        private static final long serialVersionUID = 1L;
        final int replyStat;
        final int acceptStat;

        Refused(int replyStat, int acceptStat) {
            super("reply_stat " + replyStat + ", accept_stat " + acceptStat);
            this.replyStat = replyStat;
            this.acceptStat = acceptStat;
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private RpcAuthTypeUnix credential = new RpcAuthTypeUnix(0, 0, new int[] {0}, 0, "hasm-test");

    public RpcClient(String host, int port) throws IOException {
        this(host, port, 20_000);
    }

    /** @param timeoutMs how long a reply may take (a refused write on a fenced volume gets none) */
    public RpcClient(String host, int port, int timeoutMs) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress(host, port), 5_000);
        socket.setSoTimeout(timeoutMs);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** Calls from now on carry AUTH_SYS with this user and group. */
    public RpcClient as(int uid, int gid) {
        credential = new RpcAuthTypeUnix(uid, gid, new int[] {gid}, 0, "hasm-test");
        return this;
    }

    /** Calls from now on carry AUTH_SYS with this user, primary group and supplementary groups. */
    public RpcClient as(int uid, int gid, int... groups) {
        credential = new RpcAuthTypeUnix(uid, gid, groups.clone(), 0, "hasm-test");
        return this;
    }

    /** Calls from now on carry no credential (AUTH_NONE). */
    public RpcClient anonymous() {
        credential = null;
        return this;
    }

    public static int nextXid() {
        return XIDS.incrementAndGet();
    }

    /** Calls and returns the reply's results, positioned after the accept status. */
    Xdr call(int program, int version, int procedure, XdrAble args) throws IOException {
        return call(nextXid(), program, version, procedure, args);
    }

    Xdr call(int xid, int program, int version, int procedure, XdrAble args) throws IOException {
        send(xid, program, version, procedure, args);
        return receive(xid);
    }

    /** Sends a call and does not wait for its reply. */
    void send(int xid, int program, int version, int procedure, XdrAble args) throws IOException {
        byte[] body = callBytes(xid, program, version, procedure, args);
        ByteBuffer b = ByteBuffer.allocate(4 + body.length);
        b.putInt(0x80000000 | body.length).put(body);
        out.write(b.array());
        out.flush();
    }

    byte[] callBytes(int xid, int program, int version, int procedure, XdrAble args) throws IOException {
        try (Xdr x = new Xdr(Xdr.INITIAL_XDR_SIZE)) {
            x.beginEncoding();
            x.xdrEncodeInt(xid);
            x.xdrEncodeInt(0); // CALL
            x.xdrEncodeInt(2); // RPC version
            x.xdrEncodeInt(program);
            x.xdrEncodeInt(version);
            x.xdrEncodeInt(procedure);
            if (credential == null) {
                x.xdrEncodeInt(0); // AUTH_NONE, empty
                x.xdrEncodeInt(0);
                x.xdrEncodeInt(0); // verifier AUTH_NONE, empty
                x.xdrEncodeInt(0);
            } else {
                credential.xdrEncode(x); // flavor, body and its verifier (AUTH_NONE)
            }
            if (args != null) {
                args.xdrEncode(x);
            }
            x.endEncoding();
            return x.getBytes();
        }
    }

    /** @return the XID of the next reply that comes, whatever it answers */
    public int receiveAny() throws IOException {
        Xdr x = new Xdr(record());
        x.beginDecoding();
        return x.xdrDecodeInt();
    }

    /** Reads replies until the one with this XID (replies to calls sent without waiting are skipped). */
    public Xdr receive(int xid) throws IOException {
        for (int i = 0; i < 1000; i++) {
            byte[] record = record();
            Xdr x = new Xdr(record);
            x.beginDecoding();
            int got = x.xdrDecodeInt();
            if (x.xdrDecodeInt() != 1) {
                throw new IOException("not a reply");
            }
            if (got != xid) {
                continue;
            }
            int replyStat = x.xdrDecodeInt();
            if (replyStat != 0) {
                throw new Refused(replyStat, -1);
            }
            x.xdrDecodeInt(); // verifier flavor
            x.xdrDecodeDynamicOpaque();
            int acceptStat = x.xdrDecodeInt();
            if (acceptStat != 0) {
                throw new Refused(replyStat, acceptStat);
            }
            return x;
        }
        throw new IOException("no reply with XID " + xid + " among 1000");
    }

    /** @return the XID of the next reply that comes, whatever call it answers */
    int nextReplyXid() throws IOException {
        return java.nio.ByteBuffer.wrap(record()).getInt();
    }

    private byte[] record() throws IOException {
        ByteBuffer all = ByteBuffer.allocate(0);
        for (int i = 0; i < 64; i++) {
            int mark = in.readInt();
            int len = mark & 0x7fffffff;
            if (len > 16 * 1024 * 1024) {
                throw new IOException("fragment of " + len + " bytes");
            }
            byte[] frag = new byte[len];
            in.readFully(frag);
            all = ByteBuffer.allocate(all.capacity() + len).put(all.flip()).put(frag);
            if ((mark & 0x80000000) != 0) {
                return all.array();
            }
        }
        throw new IOException("more than 64 fragments");
    }

    /** Sends raw bytes (a malformed record, say). */
    void raw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
