package org.hasm.netif.internal;

import static org.hasm.netif.internal.TcpTableTest.v4;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Inet4Address;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.hasm.netif.internal.ConnectionList.Snapshot;
import org.hasm.netif.internal.Fakes.Recorder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two SCMs' tickle engines on one shared folder, each reading a kernel table from a file: the first
 * lists its clients, the second tickles them when the address comes up there.
 */
class TicklesTest {
    private final List<Tickles> open = new CopyOnWriteArrayList<>();

    /** What a sender was asked to send. */
    record Sent(byte[] packet, Inet4Address to, long nanos) {
    }

    static final class Recording implements Tickles.Sender {
        final List<Sent> sent = new CopyOnWriteArrayList<>();
        volatile boolean closed;

        @Override
        public void send(byte[] packet, Inet4Address to) {
            sent.add(new Sent(packet, to, System.nanoTime()));
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @AfterEach
    void close() {
        open.forEach(Tickles::close);
    }

    private static Snapshot listed(Path shared, String scm) {
        try {
            return ConnectionList.decode(Files.readAllBytes(shared.resolve(scm + ".tcp")), 10);
        } catch (IOException | IllegalArgumentException e) {
            return new Snapshot(scm, 0, 0, List.of()); // not written yet
        }
    }

    /** A kernel's line of a socket listening on every address on {@code port}. */
    static String listener(int port) {
        return String.format("   0: 00000000:%04X 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0"
                + "        0 1 1 0000000000000000 100 0 0 10 0%n", port);
    }

    private Tickles tickles(String scm, Path shared, Path proc, Tickles.Sender sender, Recorder recorder) {
        return tickles(scm, shared, proc, Tickles.LISTEN_WAIT_MS, sender, recorder);
    }

    private Tickles tickles(String scm, Path shared, Path proc, long listenWaitMs, Tickles.Sender sender,
            Recorder recorder) {
        Tickles t = new Tickles(scm, shared, proc, 100, listenWaitMs, 2, sender, recorder);
        open.add(t);
        t.start();
        return t;
    }

    @Test
    void theClientsOfTheFormerOwnerAreTickledInRoundsWhenItsAddressComesUp(@TempDir Path dir) throws IOException {
        Path shared = dir.resolve("shared").resolve("connections");
        Path procA = Files.createDirectories(dir.resolve("proc-a"));
        // scm-a serves 127.0.0.1 (its own kernel's lines, captured); three clients there, bound 2
        Files.writeString(procA.resolve("tcp"), TcpTableTest.fixture("proc-net-tcp.txt"));
        Files.writeString(procA.resolve("tcp6"), TcpTableTest.fixture("proc-net-tcp6.txt"));
        Recorder logA = new Recorder();
        Tickles a = tickles("scm-a", shared, procA, new Recording(), logA);
        a.serving("scm-a", Map.of("127.0.0.1", "A"), Set.of("127.0.0.1"));
        // before it is told what it serves, it lists nothing: its list may be empty for a moment
        Await.until("scm-a's list of two", () -> listed(shared, "scm-a").connections().size() == 2, () -> logA.lines);
        Snapshot listed = listed(shared, "scm-a");
        assertEquals(2, listed.dropped(), "the bound of 2 leaves two out");
        // said once the list is written
        Await.until("the bound said", () -> logA.lines.stream().anyMatch(l -> l.contains("beyond the bound of 2")),
                () -> logA.lines);
        assertEquals(List.of(), logA.lines.stream().filter(l -> l.startsWith("WARN no tickles")).toList(),
                "no list yet is no reason to warn");

        Path procB = Files.createDirectories(dir.resolve("proc-b"));
        // scm-b's kernel has no connection, and listens on the ports of scm-a's
        Files.writeString(procB.resolve("tcp"), TcpTableTest.fixture("proc-net-tcp.txt").lines()
                .filter(l -> l.contains(" 0A ")).map(l -> l + "\n").reduce("", String::concat) + listener(39398));
        Recorder logB = new Recorder();
        Recording sender = new Recording();
        Tickles b = tickles("scm-b", shared, procB, sender, logB);
        b.serving("scm-b", Map.of("127.0.0.2", "B"), Set.of("127.0.0.2"));
        a.close(); // scm-a is gone; its list stays
        b.serving("scm-b", Map.of("127.0.0.2", "B", "127.0.0.1", "A"), Set.of("127.0.0.2", "127.0.0.1"));
        Await.until("three rounds of two tickles", Duration.ofSeconds(10), Duration.ofMillis(20),
                () -> sender.sent.size() >= 6, () -> logB.lines);
        assertEquals(6, sender.sent.size());
        for (int i = 0; i < 6; i++) {
            Sent s = sender.sent.get(i);
            TcpConnection c = listed.connections().get(i % 2);
            assertEquals(c.remote(), s.to());
            int seq = i < 2 || i >= 4 ? 0 : 0x8000_0000;
            assertEquals(java.util.HexFormat.of().formatHex(TicklePacket.tickle(c, seq)),
                    java.util.HexFormat.of().formatHex(s.packet()), "packet " + i);
        }
        assertTrue(logB.lines.stream().anyMatch(l -> l.contains("127.0.0.1 is up: tickling 2 client connections"
                + " from the list of scm-a")), logB.lines.toString());
        assertEquals(1, logB.events.stream().filter(e -> e.topic().equals(Tickles.TOPIC_TICKLE)).count());
        // scm-b lists nothing of its own (its kernel has no connection), and writes that
        Await.until("scm-b's empty list", () -> Files.exists(shared.resolve("scm-b.tcp")), () -> logB.lines);
        assertEquals(List.of(), ConnectionList.decode(Files.readAllBytes(shared.resolve("scm-b.tcp")), 10).connections());
        b.close();
        assertTrue(sender.closed, "the raw socket is closed with the engine");
    }

    @Test
    void aRestartedScmTicklesTheClientsOfItsPreviousRunOnceWhenItsAddressComesBack(@TempDir Path dir)
            throws IOException {
        Path shared = Files.createDirectories(dir.resolve("connections"));
        TcpConnection old = new TcpConnection(v4("127.0.0.1"), 80, v4("127.0.0.9"), 40000);
        ConnectionList.write(shared, new Snapshot("scm-a", 1, 0, List.of(old)));
        Path proc = Files.createDirectories(dir.resolve("proc"));
        Files.writeString(proc.resolve("tcp"), listener(80)); // the rebooted kernel has no connection
        Recorder log = new Recorder();
        Recording sender = new Recording();
        Tickles a = tickles("scm-a", shared, proc, sender, log);
        a.serving("scm-a", Map.of("127.0.0.1", "A"), Set.of("127.0.0.1"));
        Await.until("three rounds of one tickle", Duration.ofSeconds(10), Duration.ofMillis(20),
                () -> sender.sent.size() >= 3, () -> log.lines);
        assertEquals(v4("127.0.0.9"), sender.sent.get(0).to());
        assertTrue(log.lines.contains("INFO 127.0.0.1 is up: tickling 1 client connection from the list of this"
                + " SCM's previous run"), log.lines.toString());
        Await.until("its list replaced by the new run's", () -> listed(shared, "scm-a").timeMillis() != 1,
                () -> log.lines);
        // given away and back: the previous run's list was used up
        a.serving("scm-a", Map.of(), Set.of());
        a.serving("scm-a", Map.of("127.0.0.1", "A"), Set.of("127.0.0.1"));
        Await.until("the address planned again", Duration.ofSeconds(10), Duration.ofMillis(20),
                () -> log.lines.stream().filter(l -> l.startsWith("DEBUG 127.0.0.1 is up: no client")).count() == 1,
                () -> log.lines);
        assertEquals(3, sender.sent.size());
    }

    @Test
    void noRoundGoesOutFromAnAddressGivenAway(@TempDir Path dir) throws IOException {
        Path shared = Files.createDirectories(dir.resolve("connections"));
        ConnectionList.write(shared, new Snapshot("scm-a", 1, 0,
                List.of(new TcpConnection(v4("127.0.0.1"), 80, v4("127.0.0.9"), 40000))));
        Path proc = Files.createDirectories(dir.resolve("proc"));
        Files.writeString(proc.resolve("tcp"), listener(80));
        Recorder log = new Recorder();
        Recording sender = new Recording();
        Tickles b = tickles("scm-b", shared, proc, sender, log);
        b.serving("scm-b", Map.of("127.0.0.1", "A"), Set.of("127.0.0.1"));
        Await.until("the first round", () -> !sender.sent.isEmpty(), () -> log.lines);
        b.serving("scm-b", Map.of(), Set.of());
        Await.until("the last round dropped", Duration.ofSeconds(10), Duration.ofMillis(20), () -> log.lines.contains(
                "DEBUG tickle round 3 of 127.0.0.1 not sent: the address was given away"), () -> log.lines);
        assertTrue(sender.sent.size() < 3, sender.sent.size() + " sent");
    }

    @Test
    void aClientIsTickledOnlyOnceItsServicePortListensHere(@TempDir Path dir) throws IOException {
        Path shared = Files.createDirectories(dir.resolve("connections"));
        TcpConnection web = new TcpConnection(v4("127.0.0.1"), 80, v4("127.0.0.9"), 40000);
        TcpConnection files = new TcpConnection(v4("127.0.0.1"), 2049, v4("127.0.0.9"), 40001);
        ConnectionList.write(shared, new Snapshot("scm-a", 1, 0, List.of(web, files)));
        Path proc = Files.createDirectories(dir.resolve("proc"));
        Files.writeString(proc.resolve("tcp"), ""); // the address is up, no service listens yet
        Recorder log = new Recorder();
        Recording sender = new Recording();
        Tickles b = tickles("scm-b", shared, proc, sender, log);
        b.serving("scm-b", Map.of("127.0.0.1", "A"), Set.of("127.0.0.1"));
        Await.until("the clients waiting", () -> log.lines.contains("DEBUG 127.0.0.1: its clients are tickled as soon"
                + " as their service port listens here (ports 80, 2049)"), () -> log.lines);
        assertEquals(List.of(), sender.sent, "nothing sent before a port listens");

        // the web service listens (on every address); the file service not yet
        long webUp = System.nanoTime();
        Path next = proc.resolve("tcp.next");
        Files.writeString(next, listener(80));
        Files.move(next, proc.resolve("tcp"), StandardCopyOption.ATOMIC_MOVE);
        Await.until("three rounds for the web client", Duration.ofSeconds(10), Duration.ofMillis(20),
                () -> sender.sent.size() >= 3, () -> log.lines);
        // the file service listens on the address only
        long filesUp = System.nanoTime();
        Files.writeString(next, listener(80) + TcpTableTest.fixture("proc-net-tcp.txt").lines()
                .filter(l -> l.contains("0100007F:E9C3 00000000:0000 0A")).findFirst().orElseThrow()
                .replace("0100007F:E9C3", "0100007F:0801") + "\n");
        Files.move(next, proc.resolve("tcp"), StandardCopyOption.ATOMIC_MOVE);
        Await.until("three rounds for the file client", Duration.ofSeconds(10), Duration.ofMillis(20),
                () -> sender.sent.size() >= 6, () -> log.lines);
        for (Sent s : sender.sent) {
            TcpConnection to = Arrays.equals(s.packet(), TicklePacket.tickle(web, 0))
                    || Arrays.equals(s.packet(), TicklePacket.tickle(web, 0x8000_0000)) ? web : files;
            assertTrue(s.nanos() - (to == web ? webUp : filesUp) > 0, "tickle of " + to + " sent before its port"
                    + " listened");
        }
        assertEquals(3, sender.sent.stream().filter(s -> Arrays.equals(s.packet(),
                TicklePacket.tickle(files, 0)) || Arrays.equals(s.packet(),
                TicklePacket.tickle(files, 0x8000_0000))).count(), "three rounds for each client");
        assertTrue(log.lines.stream().anyMatch(l -> l.startsWith("INFO 127.0.0.1: port 2049 listening ")
                && l.endsWith(" ms after the address came up: 1 client connection tickled")),
                log.lines.toString());
    }

    @Test
    void aClientWhosePortNeverListensIsTickledAfterTheWait(@TempDir Path dir) throws IOException {
        Path shared = Files.createDirectories(dir.resolve("connections"));
        ConnectionList.write(shared, new Snapshot("scm-a", 1, 0,
                List.of(new TcpConnection(v4("127.0.0.1"), 445, v4("127.0.0.9"), 40000))));
        Path proc = Files.createDirectories(dir.resolve("proc"));
        Files.writeString(proc.resolve("tcp"), listener(80)); // another port listens, not this one
        Recorder log = new Recorder();
        Recording sender = new Recording();
        long up = System.nanoTime();
        Tickles b = tickles("scm-b", shared, proc, 300, sender, log);
        b.serving("scm-b", Map.of("127.0.0.1", "A"), Set.of("127.0.0.1"));
        Await.until("three rounds", Duration.ofSeconds(10), Duration.ofMillis(20), () -> sender.sent.size() >= 3,
                () -> log.lines);
        assertTrue(sender.sent.get(0).nanos() - up >= TimeUnit.MILLISECONDS.toNanos(300),
                "the first round waited for the port");
        assertTrue(log.lines.contains("WARN 127.0.0.1: port 445 not listening here 300 ms after the address came up:"
                + " its clients are tickled anyway"), log.lines.toString());
    }

    @Test
    void anUnwritableFolderIsReportedAndTheListIsWrittenOnceItCanBe(@TempDir Path dir) throws IOException {
        Path shared = Files.writeString(dir.resolve("shared"), "a file where the folder should be");
        Path proc = Files.createDirectories(dir.resolve("proc"));
        Files.writeString(proc.resolve("tcp"), TcpTableTest.fixture("proc-net-tcp.txt"));
        Recorder log = new Recorder();
        Recording sender = new Recording();
        Tickles t = tickles("scm-b", shared, proc, sender, log);
        t.serving("scm-b", Map.of("127.0.0.1", "A"), Set.of("127.0.0.1"));
        Await.until("warnings", Duration.ofSeconds(10), Duration.ofMillis(20),
                () -> log.lines.stream().anyMatch(l -> l.startsWith("WARN cannot write the connection list in " + shared))
                        && log.lines.stream().anyMatch(l -> l.startsWith("WARN no tickles for [127.0.0.1]: cannot list")),
                () -> log.lines);
        Files.delete(shared);
        Await.until("the list written", Duration.ofSeconds(10), Duration.ofMillis(20),
                () -> Files.exists(shared.resolve("scm-b.tcp")), () -> log.lines);
        Await.until("the recovery said", () -> log.lines.contains("INFO connection list written again in " + shared),
                () -> log.lines);
        assertEquals(1, log.lines.stream().filter(l -> l.contains("cannot write the connection list")).count(),
                log.lines.toString());
        assertEquals(List.of(), sender.sent, "nobody's list named a client of 127.0.0.1");
    }
}
