package org.hasm.alerts.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.hasm.spi.alerts.Alerts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The queue, the numbering and the delivery thread, with targets that record or block. */
class DispatcherTest {
    @TempDir
    Path dir;

    /** A target that records what it got, fails when told to, and can be held in a delivery. */
    static final class Recording implements Target {
        final String name;
        final List<String> log;
        final CountDownLatch entered = new CountDownLatch(1);
        volatile CountDownLatch hold = new CountDownLatch(0);
        volatile boolean fail;

        Recording(String name, List<String> log) {
            this.name = name;
            this.log = log;
        }

        @Override
        public String kind() {
            return Alerts.SCRIPT;
        }

        @Override
        public String shown() {
            return name;
        }

        @Override
        public Outcome deliver(Alert alert, Duration timeout, int retries) throws InterruptedException {
            entered.countDown();
            hold.await();
            log.add(name + " #" + alert.sequence());
            return new Outcome(!fail, 1, fail ? "exit 1" : "exit 0");
        }
    }

    /** What the dispatcher reported. */
    static final class Host implements Dispatcher.Host {
        final List<String> failed = new CopyOnWriteArrayList<>();
        final List<long[]> dropped = new CopyOnWriteArrayList<>();

        @Override
        public void failed(Alert alert, Receiver recipient, Outcome outcome) {
            failed.add(recipient.target().shown() + " #" + alert.sequence() + ": " + outcome.detail());
        }

        @Override
        public void dropped(long count, long total) {
            dropped.add(new long[] {count, total});
        }

        @Override
        public void info(String message) {
        }
    }

    private final List<String> log = new CopyOnWriteArrayList<>();
    private final Host host = new Host();
    private final List<Dispatcher> dispatchers = new ArrayList<>();
    private final List<Recording> targets = new ArrayList<>();
    private final Processes processes = new Processes();

    @AfterEach
    void close() {
        targets.forEach(t -> t.hold.countDown());
        dispatchers.forEach(d -> d.close(Duration.ZERO, Duration.ofSeconds(5), processes::close));
        processes.close();
    }

    private Recording target(String name) {
        Recording t = new Recording(name, log);
        targets.add(t);
        return t;
    }

    private Dispatcher dispatcher(int queueMax, Target... ts) {
        List<Receiver> recipients = new ArrayList<>();
        for (Target t : ts) {
            recipients.add(new Receiver(t, Clock.systemUTC()));
        }
        Dispatcher.Roster roster = new Dispatcher.Roster(recipients, Duration.ofSeconds(5), 0, queueMax);
        Dispatcher d = new Dispatcher(() -> roster, host);
        dispatchers.add(d);
        d.start();
        return d;
    }

    private static Alert offer(Dispatcher d, long incarnation) {
        return d.offer("state", "org/hasm/controller/STATE", "scm-b", incarnation, Fixtures.TIME, "d", Alert.plain(Map.of()));
    }

    @Test
    void eachAlertGoesToEachRecipientInOrder() {
        Dispatcher d = dispatcher(100, target("first"), target("second"));

        for (int i = 0; i < 3; i++) {
            offer(d, 7);
        }

        Await.until("three alerts to both", () -> log.size() == 6, () -> log);
        assertEquals(List.of("first #1", "second #1", "first #2", "second #2", "first #3", "second #3"), log);
    }

    @Test
    void alertsAreNumberedFromOneInEachIncarnation() {
        Dispatcher d = dispatcher(100, target("only"));

        List<Long> numbers = new ArrayList<>();
        for (long incarnation : new long[] {7, 7, 7, 8, 8}) {
            numbers.add(offer(d, incarnation).sequence());
        }

        assertEquals(List.of(1L, 2L, 3L, 1L, 2L), numbers);
    }

    @Test
    void aFullQueueDropsCountsAndSaysSoOnceASecondAtMost() throws Exception {
        Recording blocked = target("blocked");
        blocked.hold = new CountDownLatch(1);
        Dispatcher d = dispatcher(2, blocked);
        List<Alert> offered = new ArrayList<>();

        offered.add(offer(d, 7));
        assertTrue(blocked.entered.await(10, TimeUnit.SECONDS), "the thread took the first alert");
        for (int i = 0; i < 5; i++) {
            offered.add(offer(d, 7)); // two fit in the queue, three do not
        }

        assertEquals(3, offered.stream().filter(a -> a == null).count(), "dropped: " + offered);
        assertNotNull(offered.get(1));
        assertNotNull(offered.get(2));
        assertNull(offered.get(3));
        assertEquals(3, d.dropped());
        assertEquals(1, host.dropped.size(), "one report for drops within a second");
        assertEquals(1, host.dropped.get(0)[0], "the first drop is said at once");

        blocked.hold.countDown();
        Await.until("the queued alerts delivered", () -> log.size() == 3, () -> log);
        assertEquals(List.of("blocked #1", "blocked #2", "blocked #3"), log, "the dropped ones used numbers 4 to 6");
        Await.until("the rest of the drops reported by the idle thread", () -> host.dropped.size() == 2,
                () -> host.dropped.size());
        assertEquals(2, host.dropped.get(1)[0]);
        assertEquals(3, host.dropped.get(1)[1]);
        assertEquals(7, offer(d, 7).sequence(), "the numbering goes on past the gap");
    }

    @Test
    void everyRecipientCountsTheAlertsDroppedForIt() throws Exception {
        Recording blocked = target("blocked");
        blocked.hold = new CountDownLatch(1);
        List<Receiver> recipients = List.of(new Receiver(blocked, Clock.systemUTC()),
                new Receiver(target("after"), Clock.systemUTC()));
        Dispatcher d = new Dispatcher(() -> new Dispatcher.Roster(recipients, Duration.ofSeconds(5), 0, 1), host);
        dispatchers.add(d);
        d.start();

        offer(d, 7);
        assertTrue(blocked.entered.await(10, TimeUnit.SECONDS));
        offer(d, 7);
        offer(d, 7);
        offer(d, 7);

        assertEquals(List.of(2L, 2L), recipients.stream().map(r -> r.view().dropped()).toList());
        blocked.hold.countDown();
        Await.until("two alerts to both", () -> recipients.get(1).view().delivered() == 2,
                () -> recipients.get(1).view());
        Alerts.Recipient v = recipients.get(0).view();
        assertEquals(2, v.delivered());
        assertEquals(Alerts.DELIVERED, v.lastOutcome());
        assertEquals("exit 0", v.lastDetail());
        assertNotNull(v.lastTime());
    }

    @Test
    void aFailedDeliveryIsReportedAndTheNextRecipientStillGetsTheAlert() {
        Recording failing = target("failing");
        failing.fail = true;
        Dispatcher d = dispatcher(100, failing, target("fine"));

        offer(d, 7);

        Await.until("both tried", () -> log.size() == 2, () -> log);
        assertEquals(List.of("failing #1: exit 1"), host.failed);
    }

    @Test
    void closingDeliversWhatIsQueuedWithinTheDrain() {
        Recording slow = target("slow");
        Dispatcher d = dispatcher(100, slow);
        for (int i = 0; i < 5; i++) {
            offer(d, 7);
        }

        int left = d.close(Duration.ofSeconds(20), Duration.ofSeconds(5), processes::close);

        assertEquals(0, left);
        assertEquals(5, log.size());
        assertNull(offer(d, 7), "nothing is taken once closed");
    }

    @Test
    void closingKillsTheScriptThatRunsAndCountsTheRestAsDropped() throws Exception {
        Path childPid = dir.resolve("child.pid");
        Path script = Fixtures.script(dir, "hang.sh", "sleep 300 &\necho $! > '" + childPid + "'\nwait");
        Receiver hanging = new Receiver(new ScriptTarget(script, dir.resolve("work"), processes), Clock.systemUTC());
        Dispatcher d = new Dispatcher(() -> new Dispatcher.Roster(List.of(hanging), Duration.ofMinutes(5), 0, 100), host);
        dispatchers.add(d);
        d.start();
        offer(d, 7);
        offer(d, 7);
        offer(d, 7);
        Await.until("the script runs", () -> processes.running() == 1 && Files.exists(childPid), processes::running);
        Await.until("its child's pid written", () -> {
            try {
                return !Files.readString(childPid).isBlank();
            } catch (java.io.IOException e) {
                return false;
            }
        }, () -> "");
        long child = Fixtures.readPid(childPid);

        long start = System.nanoTime();
        int left = d.close(Duration.ofMillis(200), Duration.ofSeconds(5), processes::close);

        assertTrue(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 10, "deactivation is bounded");
        assertTrue(!d.alive(), "the thread ended");
        assertEquals(2, left, "the two alerts after the one in delivery");
        Await.until("the script's child is killed", () -> Fixtures.gone(child), () -> "alive");
        assertEquals(0, processes.running());
        Alerts.Recipient v = hanging.view();
        assertEquals(2 + (v.failed() == 1 ? 0 : 1), v.dropped(), v.toString());
    }
}
