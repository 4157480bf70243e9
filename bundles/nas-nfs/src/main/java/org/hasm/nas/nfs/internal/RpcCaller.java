package org.hasm.nas.nfs.internal;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.concurrent.ThreadLocalRandom;
import org.dcache.oncrpc4j.rpc.OncRpcException;
import org.dcache.oncrpc4j.xdr.Xdr;
import org.dcache.oncrpc4j.xdr.XdrAble;

/**
 * One ONC RPC call over TCP from the server to a client host, for the calls NLM and NSM make back
 * (NLM_GRANTED, the _RES replies, SM_NOTIFY, an SM_MON callback): the program's port is asked of the
 * host's portmapper, then the call is made; all of it within one deadline. AUTH_NONE; the result is
 * not read beyond its accept status (every callback's result is advisory).
 */
final class RpcCaller {
    private static final int MAX_REPLY = 64 * 1024;

    private RpcCaller() {
    }

    /**
     * @param portmapPort the port of the host's portmapper (111)
     * @throws IOException if the host has no such program, does not answer before the deadline, or refuses the call
     */
    static void call(String host, int portmapPort, int program, int version, int procedure, XdrAble args,
            long deadlineNanos) throws IOException {
        Xdr3.MappingArgs m = new Xdr3.MappingArgs();
        m.program = program;
        m.version = version;
        m.protocol = Nfs3.IPPROTO_TCP;
        byte[] reply = once(host, portmapPort, Nfs3.PORTMAP_PROGRAM, Nfs3.PORTMAP_VERSION, Nfs3.PMAPPROC_GETPORT, m,
                deadlineNanos);
        int port = ByteBuffer.wrap(reply).getInt();
        if (port <= 0 || port > 65535) {
            throw new IOException("the portmapper of " + host + " knows no program " + program + " version " + version
                    + " over TCP");
        }
        once(host, port, program, version, procedure, args, deadlineNanos);
    }

    /** @return the results of the reply (after its accept status) */
    private static byte[] once(String host, int port, int program, int version, int procedure, XdrAble args,
            long deadlineNanos) throws IOException {
        int xid = ThreadLocalRandom.current().nextInt();
        byte[] body = callRecord(xid, program, version, procedure, null, args);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), remaining(deadlineNanos));
            s.setSoTimeout(remaining(deadlineNanos));
            return exchange(s, xid, body, host + ":" + port);
        }
    }

    /**
     * @param credential the call's credential and verifier ({@code RpcAuthTypeUnix}), or {@code null} for AUTH_NONE
     * @return the body of a call's record: its header, credential and arguments
     */
    static byte[] callRecord(int xid, int program, int version, int procedure, XdrAble credential, XdrAble args)
            throws IOException {
        try (Xdr x = new Xdr(Xdr.INITIAL_XDR_SIZE)) {
            x.beginEncoding();
            x.xdrEncodeInt(xid);
            x.xdrEncodeInt(0); // CALL
            x.xdrEncodeInt(2); // RPC version 2
            x.xdrEncodeInt(program);
            x.xdrEncodeInt(version);
            x.xdrEncodeInt(procedure);
            if (credential == null) {
                for (int i = 0; i < 4; i++) {
                    x.xdrEncodeInt(0); // AUTH_NONE credential and verifier, both empty
                }
            } else {
                credential.xdrEncode(x);
            }
            args.xdrEncode(x);
            x.endEncoding();
            return x.getBytes();
        } catch (OncRpcException e) {
            throw new IOException(e);
        }
    }

    /**
     * Sends one call on a connected socket and reads its reply (one fragment, at most {@value #MAX_REPLY} bytes).
     *
     * @return the results of the reply, after its accept status
     * @throws IOException if the reply is not an accepted reply to this call
     */
    static byte[] exchange(Socket s, int xid, byte[] body, String peer) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(ByteBuffer.allocate(4 + body.length).putInt(0x80000000 | body.length).put(body).array());
        out.flush();
        DataInputStream in = new DataInputStream(s.getInputStream());
        int mark = in.readInt();
        int length = mark & 0x7fffffff;
        if ((mark & 0x80000000) == 0 || length < 24 || length > MAX_REPLY) {
            throw new IOException("a reply of " + length + " bytes in " + (mark < 0 ? "one" : "several") + " fragments");
        }
        byte[] r = new byte[length];
        in.readFully(r);
        ByteBuffer b = ByteBuffer.wrap(r);
        if (b.getInt() != xid || b.getInt() != 1 || b.getInt() != 0) {
            throw new IOException("not an accepted reply to the call");
        }
        b.getInt(); // verifier flavor
        int verifier = b.getInt();
        if (verifier < 0 || verifier > b.remaining() - 4) {
            throw new IOException("a verifier of " + verifier + " bytes");
        }
        b.position(b.position() + ((verifier + 3) & ~3));
        int accept = b.getInt();
        if (accept != 0) {
            throw new IOException(peer + " did not accept the call (accept_stat " + accept + ")");
        }
        byte[] rest = new byte[b.remaining()];
        b.get(rest);
        return rest;
    }

    private static int remaining(long deadlineNanos) throws IOException {
        long ms = (deadlineNanos - System.nanoTime()) / 1_000_000;
        if (ms <= 0) {
            throw new IOException("deadline passed");
        }
        return (int) Math.min(ms, Integer.MAX_VALUE);
    }
}
