package org.hasm.nas.nfs.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.dcache.oncrpc4j.rpc.RpcAuthTypeUnix;
import org.dcache.oncrpc4j.xdr.Xdr;
import org.dcache.oncrpc4j.xdr.XdrAble;
import org.hasm.spi.HaException;
import org.hasm.spi.health.RequestTally;
import org.hasm.spi.storage.FencedException;
import org.hasm.spi.storage.Volume;

/**
 * The module's {@code test()}: one scratch export on 127.0.0.1, at a port the system picks, served by the
 * same code as a personality's ({@link NfsPersonality}: its RPC transport, MOUNT and NFS programs, reply
 * cache, file ids and handles), and sent MNT, CREATE, WRITE (FILE_SYNC), READ, READDIRPLUS, REMOVE and
 * GETATTR over TCP with AUTH_SYS, as a client would. It proves that this SCM can serve NFS before it says
 * READY, and it loads the request path then: an SCM that restarted (a distribution upgrade, a reboot) opens
 * its personality at FAILBACK as fast as a warm one, instead of spending the clients' gap loading classes.
 *
 * <p>The export lies in a folder of this SCM's own, given to the export as a volume no other SCM can own:
 * nothing of the shared storage is touched, and the folder is removed afterwards. Nothing it answers is
 * counted in the SCM's metrics.
 */
final class NfsSelfCheck {

    private static final String PERSONALITY = ".hasm-selfcheck";
    private static final String VOLUME = ".hasm-selfcheck";
    private static final String EXPORT = "check";
    private static final String LOOPBACK = "127.0.0.1";
    private static final int TIMEOUT_MS = 10_000;
    private static final int NOBODY = 65534;
    private static final int BIND_TRIES = 3;

    private NfsSelfCheck() {
    }

    /**
     * @param folder a folder of this SCM's own (emptied first, removed after)
     * @return what was sent, for the log ({@code "MNT, CREATE, WRITE, READ, READDIRPLUS, REMOVE, GETATTR"})
     * @throws HaException naming the call that did not get the expected answer
     */
    static String run(Path folder, NfsSettings settings, Handles handles, LongSupplier incarnation, Events events)
            throws HaException {
        try {
            delete(folder);
            Path export = Files.createDirectories(folder.resolve("volume").resolve("export"));
            // the check's client is a squashed user: the folder is everyone's, as a share is
            Files.setPosixFilePermissions(export, PosixFilePermissions.fromString("rwxrwxrwx"));
            Path root = folder.resolve("volume").toRealPath();
            return serveAndCall(root, settings, handles, incarnation, events);
        } catch (IOException e) {
            throw new HaException("NFS self-check: " + e.getMessage(), e);
        } finally {
            try {
                delete(folder);
            } catch (IOException e) {
                events.warn("NFS self-check: cannot remove " + folder + ": " + e.getMessage());
            }
        }
    }

    private static String serveAndCall(Path root, NfsSettings settings, Handles handles, LongSupplier incarnation,
            Events events) throws IOException, HaException {
        Volume volume = new ScratchVolume(root);
        for (int attempt = 1; ; attempt++) {
            int port = freePort();
            NfsPlan plan = new NfsPlan(PERSONALITY, List.of(LOOPBACK), port, port, 0, List.of(new NfsPlan.ExportPlan(
                    EXPORT, VOLUME, root, root.resolve("export"), false, ExportAccess.DEFAULT)));
            NfsPersonality served;
            try {
                served = NfsPersonality.open(plan, settings, name -> VOLUME.equals(name) ? volume : null, handles,
                        incarnation, events, new RequestTally("nfs"));
            } catch (NfsPersonality.AddressTaken e) {
                if (attempt < BIND_TRIES) {
                    continue; // the free port was taken in between
                }
                throw new HaException("NFS self-check: " + e.getMessage(), e);
            } catch (NfsPlan.NotServable e) {
                throw new HaException("NFS self-check: " + e.getMessage(), e);
            }
            try {
                return calls(port);
            } finally {
                served.close();
            }
        }
    }

    /** The calls of the check, in order, each answered as a working server answers it. */
    private static String calls(int port) throws IOException, HaException {
        try (Client c = new Client(port)) {
            Xdr mnt = c.call(Nfs3.MOUNT_PROGRAM, Nfs3.MOUNT_VERSION, Nfs3.MOUNTPROC_MNT,
                    (Encoder) out -> out.xdrEncodeString("/" + EXPORT));
            expect(mnt.xdrDecodeInt(), "MNT /" + EXPORT);
            byte[] dir = mnt.xdrDecodeDynamicOpaque();

            Xdr3.CreateArgs create = new Xdr3.CreateArgs();
            create.dir = dir;
            create.name = "probe".getBytes(StandardCharsets.US_ASCII);
            create.mode = Nfs3.UNCHECKED;
            create.attributes = Xdr3.Sattr.none();
            create.attributes.mode = 0666;
            Xdr created = c.nfs(Nfs3.CREATE, create);
            expect(created.xdrDecodeInt(), "CREATE probe");
            if (!created.xdrDecodeBoolean()) {
                throw new HaException("NFS self-check: CREATE probe answered without the file's handle");
            }
            byte[] file = created.xdrDecodeDynamicOpaque();

            byte[] content = ("hasm NFS self-check " + System.nanoTime() + "\n").getBytes(StandardCharsets.US_ASCII);
            Xdr3.WriteArgs write = new Xdr3.WriteArgs();
            write.fh = file;
            write.count = content.length;
            write.stable = Nfs3.FILE_SYNC;
            write.data = new ByteBuffer[] {ByteBuffer.wrap(content)};
            expect(c.nfs(Nfs3.WRITE, write).xdrDecodeInt(), "WRITE FILE_SYNC");

            Xdr3.RangeArgs read = new Xdr3.RangeArgs();
            read.fh = file;
            read.count = 4096;
            Xdr r = c.nfs(Nfs3.READ, read);
            expect(r.xdrDecodeInt(), "READ");
            if (r.xdrDecodeBoolean()) {
                skipFattr(r);
            }
            int count = r.xdrDecodeInt();
            r.xdrDecodeBoolean(); // eof
            byte[] back = r.xdrDecodeDynamicOpaque();
            if (count != content.length || !Arrays.equals(back, content)) {
                throw new HaException("NFS self-check: READ gave back " + back.length + " bytes, not the "
                        + content.length + " written");
            }

            expect(c.call(Nfs3.PROGRAM, Nfs3.VERSION, Nfs3.READDIRPLUS, (Encoder) out -> {
                out.xdrEncodeDynamicOpaque(dir);
                out.xdrEncodeLong(0); // cookie
                out.xdrEncodeOpaque(new byte[Nfs3.VERFSIZE], Nfs3.VERFSIZE);
                out.xdrEncodeInt(4096); // dircount
                out.xdrEncodeInt(8192); // maxcount
            }).xdrDecodeInt(), "READDIRPLUS");

            Xdr3.DirOpArgs remove = new Xdr3.DirOpArgs();
            remove.dir = dir;
            remove.name = create.name;
            expect(c.nfs(Nfs3.REMOVE, remove).xdrDecodeInt(), "REMOVE probe");

            Xdr3.HandleArgs gone = new Xdr3.HandleArgs();
            gone.fh = file;
            int stale = c.nfs(Nfs3.GETATTR, gone).xdrDecodeInt();
            if (stale != Nfs3.ERR_STALE) {
                throw new HaException("NFS self-check: GETATTR of the removed file answered " + Nfs3.statusName(stale)
                        + ", not STALE");
            }
            return "MNT, CREATE, WRITE, READ, READDIRPLUS, REMOVE, GETATTR";
        }
    }

    private static void expect(int status, String call) throws HaException {
        if (status != Nfs3.OK) {
            throw new HaException("NFS self-check: " + call + " answered " + Nfs3.statusName(status));
        }
    }

    /** Skips a fattr3 (21 XDR units: type, mode, nlink, uid, gid, size, used, rdev, fsid, fileid, 3 times). */
    private static void skipFattr(Xdr x) throws IOException {
        for (int i = 0; i < 5; i++) {
            x.xdrDecodeInt();
        }
        for (int i = 0; i < 5; i++) {
            x.xdrDecodeLong(); // size, used, rdev (two ints), fsid, fileid
        }
        for (int i = 0; i < 6; i++) {
            x.xdrDecodeInt(); // atime, mtime, ctime
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(LOOPBACK, 0));
            return s.getLocalPort();
        }
    }

    private static void delete(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> all = Files.walk(folder)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** A volume of this SCM's own, always owned: the scratch export's. */
    private record ScratchVolume(Path root) implements Volume {
        @Override
        public String name() {
            return VOLUME;
        }

        @Override
        public long epoch() {
            return 1;
        }

        @Override
        public boolean owned() {
            return true;
        }

        @Override
        public void fence() throws FencedException {
            // no other SCM can own it
        }
    }

    /** One TCP connection, record-marked calls and replies, AUTH_SYS as nobody. Not thread-safe. */
    private static final class Client implements AutoCloseable {
        private final Socket socket = new Socket();
        private final RpcAuthTypeUnix credential = new RpcAuthTypeUnix(NOBODY, NOBODY, new int[] {NOBODY}, 0,
                "hasm-selfcheck");
        private int xid = (int) System.nanoTime();

        Client(int port) throws IOException {
            try {
                socket.connect(new InetSocketAddress(LOOPBACK, port), TIMEOUT_MS);
                socket.setSoTimeout(TIMEOUT_MS);
            } catch (IOException | RuntimeException e) {
                socket.close(); // no Client to close: its socket would wait for the collector
                throw e;
            }
        }

        Xdr nfs(int procedure, XdrAble args) throws IOException {
            return call(Nfs3.PROGRAM, Nfs3.VERSION, procedure, args);
        }

        /** @return the reply's results, positioned after the accept status */
        Xdr call(int program, int version, int procedure, XdrAble args) throws IOException {
            int id = ++xid;
            byte[] results = RpcCaller.exchange(socket, id,
                    RpcCaller.callRecord(id, program, version, procedure, credential, args),
                    "program " + program + " procedure " + procedure);
            Xdr x = new Xdr(results);
            x.beginDecoding();
            return x;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** Arguments written by a lambda: the check's MNT path and READDIRPLUS, which the server never encodes. */
    @FunctionalInterface
    private interface Encoder extends XdrAble {
        void encode(org.dcache.oncrpc4j.xdr.XdrEncodingStream out) throws IOException;

        @Override
        default void xdrEncode(org.dcache.oncrpc4j.xdr.XdrEncodingStream out) throws IOException {
            encode(out);
        }

        @Override
        default void xdrDecode(org.dcache.oncrpc4j.xdr.XdrDecodingStream in) {
            throw new UnsupportedOperationException("arguments are only sent");
        }
    }
}
