package org.hasm.nas.nfs.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.dcache.oncrpc4j.rpc.OncRpcProgram;
import org.dcache.oncrpc4j.rpc.OncRpcSvc;
import org.dcache.oncrpc4j.rpc.OncRpcSvcBuilder;
import org.dcache.oncrpc4j.rpc.RpcCall;
import org.dcache.oncrpc4j.rpc.RpcDispatchable;
import org.dcache.oncrpc4j.xdr.Xdr;

/**
 * The client side of NLM and NSM callbacks, for tests: a portmapper on one loopback port that
 * points NLM version 4 and NSM version 1 at that same port, where every call is recorded (its
 * program, procedure and arguments) and answered with an empty reply.
 */
final class ClientHost implements AutoCloseable {
    /** A call the server made back: which program and procedure, and its argument bytes. */
    record Call(int program, int procedure, byte[] args) {
        Xdr xdr() {
            Xdr x = new Xdr(args);
            x.beginDecoding();
            return x;
        }
    }

    final int port;
    final List<Call> calls = Collections.synchronizedList(new ArrayList<>());
    private final OncRpcSvc svc;

    ClientHost() throws IOException {
        port = Fixture.freePort();
        RpcDispatchable recorder = (RpcCall call) -> {
            Xdr x = call.getXdr();
            byte[] rest = new byte[x.asBuffer().remaining()];
            x.asBuffer().get(rest);
            calls.add(new Call(call.getProgram(), call.getProcedure(), rest));
            call.reply(new Xdr3.Reply(out -> { }));
        };
        PortmapProgram portmap = new PortmapProgram(List.of(
                new PortmapProgram.Mapping(Nlm4.PROGRAM, Nlm4.VERSION, port),
                new PortmapProgram.Mapping(Nlm4.NSM_PROGRAM, Nlm4.NSM_VERSION, port),
                new PortmapProgram.Mapping(0x20000001, 1, port)));
        svc = new OncRpcSvcBuilder().withTCP().withBindAddress(TestServer.ADDRESS).withPort(port).withoutAutoPublish()
                .withSameThreadIoStrategy().withSelectorThreadPoolSize(1).withServiceName("hasm-test-client-host")
                .withRpcService(new OncRpcProgram(Nfs3.PORTMAP_PROGRAM, Nfs3.PORTMAP_VERSION), portmap)
                .withRpcService(new OncRpcProgram(Nlm4.PROGRAM, Nlm4.VERSION), recorder)
                .withRpcService(new OncRpcProgram(Nlm4.NSM_PROGRAM, Nlm4.NSM_VERSION), recorder)
                .withRpcService(new OncRpcProgram(0x20000001, 1), recorder)
                .build();
        svc.start();
    }

    /** @return the calls made so far of this program and procedure */
    List<Call> calls(int program, int procedure) {
        synchronized (calls) {
            return calls.stream().filter(c -> c.program() == program && c.procedure() == procedure).toList();
        }
    }

    @Override
    public void close() throws IOException {
        svc.stop(2, TimeUnit.SECONDS);
    }
}
