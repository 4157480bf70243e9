package org.hasm.nas.nfs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A few malformed records (the fuzz campaign is a later test's): each gets an error or a closed
 * connection, allocates nothing near what it claims, and the server goes on answering others.
 */
class BadRecordsTest {
    private TestServer server;

    @BeforeEach
    void start() throws Exception {
        server = new TestServer();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private void stillServes() throws Exception {
        try (NfsClient c = server.client()) {
            byte[] root = c.mount("/data");
            assertEquals(Nfs3.NF3DIR, c.getattr(root).type());
        }
    }

    @Test
    void aRecordMarkClaimingTwoGibibytes() throws Exception {
        long heapBefore = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        try (RpcClient c = new RpcClient(TestServer.ADDRESS, server.port)) {
            c.raw(ByteBuffer.allocate(8).putInt(0xffffffff).putInt(1).array());
            byte[] junk = new byte[64 * 1024];
            try {
                for (int i = 0; i < 16; i++) {
                    c.raw(junk);
                }
            } catch (IOException e) {
                // the server closed the connection: what it may do
            }
        }
        stillServes();
        long heapAfter = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        System.out.println("# heap in use before " + heapBefore / 1024 + " KiB, after " + heapAfter / 1024 + " KiB");
    }

    /**
     * Each variable-length argument claims nearly 2 GiB in a record of a few bytes: refused as garbage
     * before anything is allocated for it (the SCM's heap is 256 MB; a handle claiming 2 GiB used to
     * end it with an OutOfMemoryError).
     */
    @Test
    void argumentsClaimingGibibytesAreGarbageAndAllocateNothing() throws Exception {
        try (RpcClient c = new RpcClient(TestServer.ADDRESS, server.port)) {
            for (int proc : new int[] {Nfs3.GETATTR, Nfs3.LOOKUP, Nfs3.WRITE, Nfs3.READDIRPLUS}) {
                RpcClient.Refused refused = assertThrows(RpcClient.Refused.class, () -> c.call(Nfs3.PROGRAM, 3, proc,
                        new Xdr3.Reply(out -> out.xdrEncodeInt(0x7fff_fff0))), "procedure " + proc);
                assertEquals(4, refused.acceptStat, "GARBAGE_ARGS for procedure " + proc);
            }
        }
        org.dcache.oncrpc4j.xdr.Xdr xdr = new org.dcache.oncrpc4j.xdr.Xdr(16);
        xdr.beginEncoding();
        xdr.xdrEncodeInt(0x7fff_fff0);
        xdr.endEncoding();
        xdr.beginDecoding();
        Xdr3.Malformed m = assertThrows(Xdr3.Malformed.class, () -> Xdr3.handle(xdr));
        assertEquals("file handle of 2147483632 bytes, at most 64", m.getMessage());
        stillServes();
    }

    @Test
    void garbageWrongProgramsAndProceduresAreRefused() throws Exception {
        try (RpcClient c = new RpcClient(TestServer.ADDRESS, server.port)) {
            RpcClient.Refused noProgram = assertThrows(RpcClient.Refused.class, () -> c.call(100099, 1, 0, null));
            assertEquals(1, noProgram.acceptStat, "PROG_UNAVAIL");
            RpcClient.Refused noVersion = assertThrows(RpcClient.Refused.class, () -> c.call(Nfs3.PROGRAM, 4, 0, null));
            assertEquals(true, noVersion.acceptStat == 1 || noVersion.acceptStat == 2, "PROG_UNAVAIL or PROG_MISMATCH");
            RpcClient.Refused noProc = assertThrows(RpcClient.Refused.class, () -> c.call(Nfs3.PROGRAM, 3, 22, null));
            assertEquals(3, noProc.acceptStat, "PROC_UNAVAIL");
            RpcClient.Refused garbage = assertThrows(RpcClient.Refused.class, () -> c.call(Nfs3.PROGRAM, 3, Nfs3.LOOKUP,
                    new Xdr3.Reply(out -> out.xdrEncodeInt(1_000_000))));
            assertEquals(4, garbage.acceptStat, "GARBAGE_ARGS");
        }
        try (RpcClient c = new RpcClient(TestServer.ADDRESS, server.port)) {
            byte[] noise = new byte[4096];
            new Random(3).nextBytes(noise);
            try {
                c.raw(noise);
            } catch (IOException e) {
                // closed: allowed
            }
        }
        stillServes();
    }
}
