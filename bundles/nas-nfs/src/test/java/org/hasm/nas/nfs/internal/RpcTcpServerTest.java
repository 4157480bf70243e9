package org.hasm.nas.nfs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.dcache.oncrpc4j.rpc.OncRpcProgram;
import org.dcache.oncrpc4j.rpc.RpcCall;
import org.dcache.oncrpc4j.rpc.RpcDispatchable;
import org.dcache.oncrpc4j.xdr.XdrVoid;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * hasm's ONC RPC transport on its own, with a program whose procedure 1 waits for the test: the calls of
 * one connection are carried out side by side (a call that takes long holds back none sent after it, on
 * the same connection or another), the bounds close a connection and leave the server serving, and
 * closing waits for a call being carried out and ends every thread.
 */
class RpcTcpServerTest {
    private static final int PROGRAM = 0x2000_0042;
    private static final int WAIT = 1;
    /** Replies of 1 MiB (procedure 2): large enough to fill the socket's buffers of a client that reads none. */
    private static final int LARGE = 2;
    private static final long STALL_MS = 500;

    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final Fixture.RecordingEvents events = new Fixture.RecordingEvents();
    private ExecutorService workers;
    private RpcTcpServer server;
    private int port;

    @BeforeEach
    void start() throws Exception {
        RpcDispatchable program = (RpcCall call) -> {
            if (call.getProcedure() == WAIT) {
                started.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (call.getProcedure() == LARGE) {
                call.reply(new org.dcache.oncrpc4j.xdr.XdrAble() {
                    @Override
                    public void xdrDecode(org.dcache.oncrpc4j.xdr.XdrDecodingStream xdr) {
                    }

                    @Override
                    public void xdrEncode(org.dcache.oncrpc4j.xdr.XdrEncodingStream xdr) {
                        ((org.dcache.oncrpc4j.xdr.Xdr) xdr).xdrEncodeShallowByteBuffer(ByteBuffer.allocate(1 << 20));
                    }
                });
                return;
            }
            call.reply(XdrVoid.XDR_VOID);
        };
        workers = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "hasm-nfs-test-worker");
            t.setDaemon(true);
            return t;
        });
        port = Fixture.freePort();
        server = new RpcTcpServer("hasm-nfs-T-" + port, new InetSocketAddress(TestServer.ADDRESS, port),
                Map.of(new OncRpcProgram(PROGRAM, 1), program), workers, new DirectBuffers(2, RpcTcpServer.MAX_RECORD),
                (prog, proc) -> true, 4, STALL_MS, events); // every call may run on its reading thread: the hand-off is what is tested
        server.start();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.close(2_000);
        workers.shutdownNow();
    }

    @Test
    void aCallSentWhileAnotherOfTheConnectionRunsIsAnsweredFirst() throws Exception {
        try (RpcClient c = new RpcClient(TestServer.ADDRESS, port, 5_000)) {
            c.send(1, PROGRAM, 1, WAIT, null);
            assertTrue(started.await(5, TimeUnit.SECONDS), "the waiting call started");
            c.send(2, PROGRAM, 1, 0, null);
            assertEquals(2, c.nextReplyXid(), "the second call answered while the first still waits");
            release.countDown();
            assertEquals(1, c.nextReplyXid());
        }
    }

    @Test
    void callsSentTogetherAreCarriedOutSideBySide() throws Exception {
        try (RpcClient c = new RpcClient(TestServer.ADDRESS, port, 5_000)) {
            byte[] first = c.callBytes(1, PROGRAM, 1, WAIT, null);
            byte[] second = c.callBytes(2, PROGRAM, 1, 0, null);
            ByteBuffer both = ByteBuffer.allocate(8 + first.length + second.length);
            both.putInt(0x80000000 | first.length).put(first).putInt(0x80000000 | second.length).put(second);
            c.raw(both.array());
            assertEquals(2, c.nextReplyXid(), "the second call answered while the first still waits");
            release.countDown();
            assertEquals(1, c.nextReplyXid());
        }
    }

    @Test
    void aRecordOverTheBoundClosesItsConnectionOnly() throws Exception {
        try (RpcClient c = new RpcClient(TestServer.ADDRESS, port, 5_000)) {
            // two fragments, each within the bound, together over it
            c.raw(ByteBuffer.allocate(4).putInt(RpcTcpServer.MAX_RECORD - 8).array());
            c.raw(new byte[RpcTcpServer.MAX_RECORD - 8]);
            c.raw(ByteBuffer.allocate(4).putInt(0x80000000 | 16).array());
            assertThrows(IOException.class, () -> {
                c.raw(new byte[16]);
                c.nextReplyXid();
            });
        }
        Fixture.await("the closed connection to be gone", Duration.ofSeconds(5), () -> server.connections() == 0);
        try (RpcClient c = new RpcClient(TestServer.ADDRESS, port, 5_000)) {
            c.call(PROGRAM, 1, 0, null);
        }
        assertTrue(events.warnings.stream().anyMatch(w -> w.contains("a record of more than")), events.warnings.toString());
    }

    @Test
    void connectionsThatDeclareLargeRecordsAndSendNothingHoldNoMemoryAndAreClosed() throws Exception {
        java.util.List<RpcClient> idle = new java.util.ArrayList<>();
        try {
            // the pool has 2 buffers: two hold them, the third finds none and is closed; all three later
            for (int i = 0; i < 3; i++) {
                RpcClient c = new RpcClient(TestServer.ADDRESS, port, 5_000);
                idle.add(c);
                c.raw(ByteBuffer.allocate(4).putInt(0x80000000 | (RpcTcpServer.MAX_RECORD - 1)).array());
            }
            Fixture.await("the three connections accepted", Duration.ofSeconds(5), () -> server.connections() == 3
                    || !events.warnings.isEmpty());
            Fixture.await("the idle connections closed", Duration.ofSeconds(10), () -> server.connections() == 0);
            assertTrue(events.warnings.stream().anyMatch(w -> w.contains("no buffer for a large record free within")
                    || w.contains("a large record not sent whole")), events.warnings.toString());
            // the buffers are back: a large record goes through
            try (RpcClient c = new RpcClient(TestServer.ADDRESS, port, 5_000)) {
                byte[] call = c.callBytes(7, PROGRAM, 1, 0, null);
                byte[] padded = java.util.Arrays.copyOf(call, 64 * 1024); // trailing bytes a VOID call ignores
                c.raw(ByteBuffer.allocate(4 + padded.length).putInt(0x80000000 | padded.length).put(padded).array());
                assertEquals(7, c.nextReplyXid());
            }
        } finally {
            for (RpcClient c : idle) {
                c.close();
            }
        }
    }

    @Test
    void aClientThatReadsNoReplyIsClosedAndTheWorkersServeTheOthers() throws Exception {
        try (RpcClient greedy = new RpcClient(TestServer.ADDRESS, port, 5_000)) {
            // calls whose replies of 1 MiB it never reads: the writes block once the socket's buffers are full
            Fixture.await("the connection accepted", Duration.ofSeconds(5), () -> server.connections() == 1);
            for (int i = 0; i < 16; i++) {
                greedy.send(100 + i, PROGRAM, 1, LARGE, null);
            }
            Fixture.await("the greedy connection closed", Duration.ofSeconds(10), () -> server.connections() == 0);
            assertTrue(events.warnings.stream().anyMatch(w -> w.contains("a reply not read within " + STALL_MS)),
                    events.warnings.toString());
        }
        try (RpcClient c = new RpcClient(TestServer.ADDRESS, port, 5_000)) {
            c.call(PROGRAM, 1, 0, null);
        }
    }

    @Test
    void connectionsPastTheBoundAreClosedAtOnce() throws Exception {
        RpcClient[] held = new RpcClient[4];
        try {
            for (int i = 0; i < held.length; i++) {
                held[i] = new RpcClient(TestServer.ADDRESS, port, 5_000);
                held[i].call(PROGRAM, 1, 0, null);
            }
            try (RpcClient fifth = new RpcClient(TestServer.ADDRESS, port, 5_000)) {
                assertThrows(IOException.class, () -> fifth.call(PROGRAM, 1, 0, null));
            }
        } finally {
            for (RpcClient c : held) {
                if (c != null) {
                    c.close();
                }
            }
        }
    }

    @Test
    void closeWaitsForACallBeingCarriedOutAndEndsEveryThread() throws Exception {
        RpcClient c = new RpcClient(TestServer.ADDRESS, port, 5_000);
        try {
            c.send(1, PROGRAM, 1, WAIT, null);
            assertTrue(started.await(5, TimeUnit.SECONDS));
            Thread closer = new Thread(() -> server.close(5_000), "closer");
            closer.start();
            // the server closed the connection at once: the client reads the end of the stream
            assertThrows(IOException.class, c::nextReplyXid);
            assertTrue(closer.isAlive(), "close() waits for the call being carried out");
            release.countDown();
            closer.join(5_000);
            assertFalse(closer.isAlive(), "close() returned once the call ended");
        } finally {
            c.close();
        }
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            assertFalse(t.isAlive() && t.getName().startsWith("hasm-nfs-T-" + port), "thread left: " + t.getName());
        }
    }
}
