package org.hasm.nas.nfs.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.dcache.oncrpc4j.rpc.OncRpcException;
import org.dcache.oncrpc4j.rpc.RpcCall;
import org.dcache.oncrpc4j.rpc.RpcDispatchable;

/**
 * MOUNT version 3 (RFC 1813, appendix I): MNT gives the root handle of an export named
 * {@code /<export>}, EXPORT lists the exports, DUMP the mounts this SCM was told of, UMNT and
 * UMNTALL forget them. The mount list is advisory (clients need no MNT to use a handle they hold,
 * which is how handles survive a takeover), kept in memory and bounded.
 */
final class MountProgram implements RpcDispatchable {
    private static final int AUTH_UNIX = 1;
    private static final int MAX_MOUNTS = 1024;

    /** The exports of the personality, in order, and how to make the handle of an export's folder. */
    interface Exports {
        List<ExportState> all();

        /** @return the handle of a folder below the export's root, or {@code null} if there is none */
        byte[] folderHandle(ExportState export, List<String> below) throws IOException;
    }

    private record Mount(String host, String path) {
    }

    private final Exports exports;
    // Guarded by itself.
    private final Set<Mount> mounts = new LinkedHashSet<>();

    MountProgram(Exports exports) {
        this.exports = exports;
    }

    @Override
    public void dispatchOncRpcCall(RpcCall call) throws OncRpcException, IOException {
        switch (call.getProcedure()) {
            case Nfs3.MOUNTPROC_NULL -> call.reply(new Xdr3.Reply(out -> { }));
            case Nfs3.MOUNTPROC_MNT -> mnt(call);
            case Nfs3.MOUNTPROC_DUMP -> dump(call);
            case Nfs3.MOUNTPROC_UMNT -> umnt(call);
            case Nfs3.MOUNTPROC_UMNTALL -> {
                String host = NfsProgram.client(call);
                synchronized (mounts) {
                    mounts.removeIf(m -> m.host.equals(host));
                }
                call.reply(new Xdr3.Reply(out -> { }));
            }
            case Nfs3.MOUNTPROC_EXPORT -> export(call);
            default -> call.failProcedureUnavailable();
        }
    }

    private Xdr3.MountArgs args(RpcCall call) throws IOException {
        Xdr3.MountArgs a = new Xdr3.MountArgs();
        try {
            call.retrieveCall(a);
            return a;
        } catch (IOException | RuntimeException e) {
            call.failRpcGarbage();
            return null;
        }
    }

    /** @return the export a mount path names ({@code /name}, {@code name}, or a folder below), or {@code null} */
    ExportState named(String path) {
        List<String> parts = parts(path);
        if (parts.isEmpty()) {
            return null;
        }
        for (ExportState e : exports.all()) {
            if (e.name.equals(parts.get(0))) {
                return e;
            }
        }
        return null;
    }

    private static List<String> parts(String path) {
        List<String> parts = new ArrayList<>();
        for (String s : path.split("/")) {
            if (!s.isEmpty()) {
                parts.add(s);
            }
        }
        return parts;
    }

    private void mnt(RpcCall call) throws IOException {
        Xdr3.MountArgs a = args(call);
        if (a == null) {
            return;
        }
        String path = new String(a.path, StandardCharsets.UTF_8);
        ExportState e = named(path);
        if (e == null) {
            call.reply(new Xdr3.Reply(out -> out.xdrEncodeInt(Nfs3.MNT_ERR_NOENT)));
            return;
        }
        if (e.access.caller(call) == null) {
            call.reply(new Xdr3.Reply(out -> out.xdrEncodeInt(Nfs3.MNT_ERR_ACCES)));
            return;
        }
        if (e.volume.current() == null) {
            // not ours now: a client that mounts gets the handle from the SCM that serves the volume
            call.reply(new Xdr3.Reply(out -> out.xdrEncodeInt(Nfs3.MNT_ERR_SERVERFAULT)));
            return;
        }
        List<String> parts = parts(path);
        byte[] fh;
        try {
            fh = exports.folderHandle(e, parts.subList(1, parts.size()));
        } catch (IOException ex) {
            // lost meanwhile, or the volume's state cannot be read: nothing to hand out
            call.reply(new Xdr3.Reply(out -> out.xdrEncodeInt(Nfs3.MNT_ERR_SERVERFAULT)));
            return;
        }
        if (fh == null) {
            call.reply(new Xdr3.Reply(out -> out.xdrEncodeInt(Nfs3.MNT_ERR_NOENT)));
            return;
        }
        synchronized (mounts) {
            if (mounts.size() < MAX_MOUNTS) {
                mounts.add(new Mount(NfsProgram.client(call), "/" + String.join("/", parts)));
            }
        }
        call.reply(new Xdr3.Reply(out -> {
            out.xdrEncodeInt(Nfs3.MNT_OK);
            out.xdrEncodeDynamicOpaque(fh);
            out.xdrEncodeInt(1);
            out.xdrEncodeInt(AUTH_UNIX);
        }));
    }

    private void umnt(RpcCall call) throws IOException {
        Xdr3.MountArgs a = args(call);
        if (a == null) {
            return;
        }
        String path = new String(a.path, StandardCharsets.UTF_8);
        String host = NfsProgram.client(call);
        synchronized (mounts) {
            mounts.remove(new Mount(host, "/" + String.join("/", parts(path))));
        }
        call.reply(new Xdr3.Reply(out -> { }));
    }

    private void dump(RpcCall call) {
        List<Mount> copy;
        synchronized (mounts) {
            copy = new ArrayList<>(mounts);
        }
        call.reply(new Xdr3.Reply(out -> {
            for (Mount m : copy) {
                out.xdrEncodeBoolean(true);
                out.xdrEncodeString(m.host);
                out.xdrEncodeString(m.path);
            }
            out.xdrEncodeBoolean(false);
        }));
    }

    private void export(RpcCall call) {
        List<ExportState> all = exports.all();
        call.reply(new Xdr3.Reply(out -> {
            for (ExportState e : all) {
                out.xdrEncodeBoolean(true);
                out.xdrEncodeString(e.mountPath());
                out.xdrEncodeBoolean(false); // no groups: every client may mount
            }
            out.xdrEncodeBoolean(false);
        }));
    }
}
