package org.hasm.nas.nfs.internal;

import java.io.IOException;
import java.util.List;
import org.dcache.oncrpc4j.rpc.OncRpcException;
import org.dcache.oncrpc4j.rpc.RpcCall;
import org.dcache.oncrpc4j.rpc.RpcDispatchable;

/**
 * The portmapper (version 2, RFC 1833) of one personality: NULL, GETPORT and DUMP, answering for
 * this personality's NFS and MOUNT ports over TCP only, so a client that asks on the personality's
 * address (port 111 by default) finds them without a system rpcbind. SET and UNSET are refused: no
 * one registers with it.
 */
final class PortmapProgram implements RpcDispatchable {

    /** One program this personality serves, at a port. */
    record Mapping(int program, int version, int port) {
    }

    private final List<Mapping> mappings;

    PortmapProgram(List<Mapping> mappings) {
        this.mappings = List.copyOf(mappings);
    }

    @Override
    public void dispatchOncRpcCall(RpcCall call) throws OncRpcException, IOException {
        switch (call.getProcedure()) {
            case Nfs3.PMAPPROC_NULL -> call.reply(new Xdr3.Reply(out -> { }));
            case Nfs3.PMAPPROC_GETPORT -> {
                Xdr3.MappingArgs a = new Xdr3.MappingArgs();
                try {
                    call.retrieveCall(a);
                } catch (IOException | RuntimeException e) {
                    call.failRpcGarbage();
                    return;
                }
                int port = port(a.program, a.version, a.protocol);
                call.reply(new Xdr3.Reply(out -> out.xdrEncodeInt(port)));
            }
            case Nfs3.PMAPPROC_DUMP -> call.reply(new Xdr3.Reply(out -> {
                for (Mapping m : mappings) {
                    out.xdrEncodeBoolean(true);
                    out.xdrEncodeInt(m.program);
                    out.xdrEncodeInt(m.version);
                    out.xdrEncodeInt(Nfs3.IPPROTO_TCP);
                    out.xdrEncodeInt(m.port);
                }
                out.xdrEncodeBoolean(false);
            }));
            default -> call.failProcedureUnavailable();
        }
    }

    /** @return the port of that program and version over that protocol, 0 if none */
    int port(int program, int version, int protocol) {
        if (protocol != Nfs3.IPPROTO_TCP) {
            return 0;
        }
        for (Mapping m : mappings) {
            if (m.program == program && m.version == version) {
                return m.port;
            }
        }
        return 0;
    }
}
