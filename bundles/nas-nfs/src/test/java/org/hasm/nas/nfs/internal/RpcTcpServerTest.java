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
                (prog, proc) -> true, 4, events); // every call may run on its reading thread: the hand-off is what is tested
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
