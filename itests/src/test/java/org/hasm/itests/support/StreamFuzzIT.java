package org.hasm.itests.support;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.hasm.itests.support.StreamFuzz.Framing;
import org.hasm.itests.support.StreamFuzz.Kind;
import org.junit.jupiter.api.Test;

/** The fuzzer itself: its records are what they claim to be, and a run ends by its bounds. */
class StreamFuzzIT {

    private static final InetSocketAddress NOWHERE = new InetSocketAddress(InetAddress.getLoopbackAddress(), 9);

    @Test
    void rpcRecordsAreFramedAsTheyClaim() {
        StreamFuzz fuzz = new StreamFuzz(NOWHERE, Framing.RPC, 100003, 3, 42);
        for (int i = 0; i < 200; i++) {
            ByteBuffer call = ByteBuffer.wrap(fuzz.record(Kind.RANDOM_ARGUMENTS));
            int mark = call.getInt();
            assertTrue(mark < 0, "the last-fragment bit is set");
            assertEquals(call.remaining(), mark & 0x7fff_ffff, "the mark gives the length of what follows");
            call.getInt(); // xid
            assertEquals(0, call.getInt(), "CALL");
            assertEquals(2, call.getInt(), "RPC version 2");
            assertEquals(100003, call.getInt());
            assertEquals(3, call.getInt());

            ByteBuffer cut = ByteBuffer.wrap(fuzz.record(Kind.TRUNCATED));
            assertTrue((cut.getInt() & 0x7fff_ffff) > cut.remaining(), "a truncated record announces more than it sends");

            ByteBuffer huge = ByteBuffer.wrap(fuzz.record(Kind.HUGE_LENGTH));
            assertEquals(0x7fff_ffff, huge.getInt() & 0x7fff_ffff, "2 GiB announced");

            ByteBuffer storm = ByteBuffer.wrap(fuzz.record(Kind.FRAGMENT_STORM));
            int fragments = 0;
            while (storm.hasRemaining()) {
                assertEquals(1, storm.getInt(), "a one-byte fragment that is never the last");
                storm.get();
                fragments++;
            }
            assertTrue(fragments >= 200, "a storm, not a breeze: " + fragments);
        }
    }

    @Test
    void netbiosRecordsUseTheSessionHeader() {
        StreamFuzz fuzz = new StreamFuzz(NOWHERE, Framing.NETBIOS, 0, 0, 7);
        ByteBuffer frame = ByteBuffer.wrap(fuzz.record(Kind.RANDOM_ARGUMENTS));
        int header = frame.getInt();
        assertEquals(0, header >>> 24, "session message type 0");
        assertEquals(frame.remaining(), header);
        byte[] magic = new byte[4];
        frame.get(magic);
        assertArrayEquals(new byte[] {(byte) 0xFE, 'S', 'M', 'B'}, magic);
    }

    @Test
    void theSameSeedGivesTheSameRecords() {
        StreamFuzz a = new StreamFuzz(NOWHERE, Framing.RPC, 100003, 3, 1234);
        StreamFuzz b = new StreamFuzz(NOWHERE, Framing.RPC, 100003, 3, 1234);
        for (Kind kind : Kind.values()) {
            assertArrayEquals(a.record(kind), b.record(kind), kind.name());
        }
    }

    @Test
    void aRunEndsAfterItsRecordsAgainstAServerThatClosesEverything() throws Exception {
        AtomicLong accepted = new AtomicLong();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                // bounded by the server socket's close at the end of the test
                while (!server.isClosed()) {
                    try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
                        accepted.incrementAndGet();
                        in.read(new byte[16]);
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "fuzz-test-server");
            acceptor.setDaemon(true);
            acceptor.start();
            StreamFuzz fuzz = new StreamFuzz(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()),
                    Framing.RPC, 100003, 3, 99);
            StreamFuzz.Report report = fuzz.run(300, Duration.ofSeconds(60), Duration.ofMillis(500));
            assertEquals(300, report.records(), report.toString());
            assertEquals(300, report.byKind().values().stream().mapToLong(Long::longValue).sum(), report.toString());
            assertEquals(Kind.values().length, report.byKind().size(), "every kind drawn: " + report);
            assertTrue(accepted.get() > 1, "it reconnected after the server closed: " + report);
            assertEquals(0, report.connectFailures(), report.toString());
        }
    }
}
