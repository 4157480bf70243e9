package org.hasm.netif.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.hasm.netif.internal.Fakes.Pers;
import org.hasm.netif.internal.Fakes.Recorder;
import org.hasm.spi.address.AddressReadiness;
import org.hasm.spi.address.AddressWait;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ReadinessTest {
    private static final String A = "127.0.40.1";
    private static final String B = "127.0.40.2";
    private static final Pers ALPHA = Pers.of("alpha", "scm-a", A);
    private static final Pers BETA = Pers.of("beta", "scm-b", B);

    private final Recorder recorder = new Recorder();
    private final Readiness readiness = new Readiness(recorder);
    private final AddressReadiness service = readiness.client("org.example.service");
    private final List<ServerSocket> held = new ArrayList<>();

    @AfterEach
    void tearDown() throws IOException {
        readiness.close();
        for (ServerSocket s : held) {
            s.close();
        }
    }

    /** A listening socket another process would hold (a paused former owner, on loopback). */
    private ServerSocket hold(String address) throws IOException {
        ServerSocket s = new ServerSocket();
        held.add(s);
        s.bind(new InetSocketAddress(address, 0));
        return s;
    }

    private void serveBoth() {
        readiness.serving("scm-a", Map.of(A, "alpha", B, "beta"), Set.of(A, B));
    }

    /** Asserts, polling, that the wait stays where it is for as long as a few checks take. */
    private static void staysFor(int checks, AddressWait w, AddressWait.State state, AtomicInteger actions) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(checks * Readiness.CHECK_MS);
        for (int i = 0; i < 10_000 && System.nanoTime() - end < 0; i++) {
            assertEquals(state, w.state(), w::toString);
            assertEquals(0, actions.get(), "an action ran for " + w);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    private static long readinessThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().equals("hasm-netif-readiness")).count();
    }

    private List<String> waitEvents() {
        return recorder.events.stream().filter(e -> e.topic().equals(AddressReadiness.TOPIC_WAIT))
                .map(e -> e.get("personality") + " " + e.get("state")).toList();
    }

    @Test
    void aWaitForAPortHeldByAnotherSocketCompletesOnceItIsReleased() throws Exception {
        serveBoth();
        ServerSocket pausedOwner = hold(B);
        int port = pausedOwner.getLocalPort();
        AtomicInteger actions = new AtomicInteger();
        List<String> ranOn = new CopyOnWriteArrayList<>();
        AddressWait w = service.whenUsable(BETA, port);
        w.usable().thenRun(() -> {
            ranOn.add(Thread.currentThread().getName());
            actions.incrementAndGet();
        });
        assertEquals(AddressWait.State.WAITING, w.state());
        assertTrue(w.reason().startsWith(B + ":" + port + " cannot be bound"), w.reason());
        staysFor(5, w, AddressWait.State.WAITING, actions);

        pausedOwner.close();
        Await.until("the wait to be usable once the port is free", () -> actions.get() == 1, w::toString);
        assertEquals(AddressWait.State.USABLE, w.state());
        assertEquals("", w.reason());
        assertEquals(List.of("hasm-netif-readiness"), ranOn, "the action runs on the one readiness thread");
        try (ServerSocket service = new ServerSocket()) {
            service.setReuseAddress(true);
            service.bind(new InetSocketAddress(B, port)); // what the service does next
        }
        assertEquals(List.of("beta waiting", "beta usable"), waitEvents(), "one event per end of the wait, not per check");
        assertTrue(recorder.lines.stream().anyMatch(l -> l.startsWith("INFO personality beta waits for its address")
                && l.contains(B + ":" + port) && l.contains("org.example.service")), recorder.lines::toString);
    }

    @Test
    void aCancelledWaitNeverCompletes() throws Exception {
        serveBoth();
        ServerSocket pausedOwner = hold(B);
        AtomicInteger actions = new AtomicInteger();
        AddressWait w = service.whenUsable(BETA, pausedOwner.getLocalPort());
        w.usable().thenRun(actions::incrementAndGet);
        w.cancel();
        assertEquals(AddressWait.State.CANCELLED, w.state());
        assertEquals("cancelled by bundle org.example.service", w.reason());
        pausedOwner.close();
        staysFor(5, w, AddressWait.State.CANCELLED, actions);
        w.cancel(); // twice: nothing more happens
        CompletionException e = assertThrows(CompletionException.class, () -> w.usable().toCompletableFuture().join());
        assertTrue(e.getCause() instanceof CancellationException
                && e.getCause().getMessage().contains("cancelled by bundle org.example.service"), e.getCause().toString());
        assertEquals(List.of("beta waiting", "beta cancelled"), waitEvents());
    }

    @Test
    void manyWaitersOfManyBundlesShareOneThread() throws Exception {
        serveBoth();
        List<ServerSocket> owners = new ArrayList<>();
        List<AddressWait> waits = new ArrayList<>();
        // by thread id: one thread, not one per bundle or per wait
        Map<Long, Integer> actionsByThread = new LinkedHashMap<>();
        List<String> names = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 40; i++) {
            ServerSocket s = hold(i % 2 == 0 ? A : B);
            owners.add(s);
            AddressWait w = readiness.client("org.example.s" + i).whenUsable(i % 2 == 0 ? ALPHA : BETA, s.getLocalPort());
            w.usable().thenRun(() -> {
                synchronized (actionsByThread) {
                    actionsByThread.merge(Thread.currentThread().getId(), 1, Integer::sum);
                }
                names.add(Thread.currentThread().getName());
            });
            waits.add(w);
        }
        assertEquals(40, readiness.waits().size());
        for (ServerSocket s : owners) {
            s.close();
        }
        Await.until("every wait to be usable", () -> waits.stream().allMatch(w -> w.state() == AddressWait.State.USABLE),
                waits::toString);
        Await.until("every action to have run", () -> {
            synchronized (actionsByThread) {
                return actionsByThread.values().stream().mapToInt(Integer::intValue).sum() == 40;
            }
        }, () -> actionsByThread);
        assertEquals(List.of(40), List.copyOf(actionsByThread.values()), "one thread for every bundle's waits");
        assertTrue(names.stream().allMatch("hasm-netif-readiness"::equals), names::toString);
        assertEquals(List.of(), readiness.waits());
    }

    @Test
    void usableNowCompletesAtOnceInTheCallersThreadWithoutEvents() {
        serveBoth();
        List<String> ranOn = new ArrayList<>();
        AddressWait w = service.whenUsable(ALPHA, 0);
        w.usable().thenRun(() -> ranOn.add(Thread.currentThread().getName()));
        assertEquals(List.of(Thread.currentThread().getName()), ranOn);
        assertEquals(AddressWait.State.USABLE, w.state());
        w.cancel(); // after the end: nothing happens
        assertEquals(AddressWait.State.USABLE, w.state());
        assertEquals(List.of(), waitEvents());
    }

    @Test
    void aPersonalityThisScmDoesNotServeIsCancelledAtOnce() {
        readiness.serving("scm-a", Map.of(A, "alpha"), Set.of(A));
        AddressWait w = service.whenUsable(BETA, 0);
        assertEquals(AddressWait.State.CANCELLED, w.state());
        CompletionException e = assertThrows(CompletionException.class, () -> w.usable().toCompletableFuture().join());
        assertTrue(e.getCause().getMessage().contains("personality beta is not served by this SCM now"),
                e.getCause().getMessage());
    }

    @Test
    void aWaitEndsWhenItsPersonalityIsGivenAway() throws Exception {
        serveBoth();
        ServerSocket pausedOwner = hold(B);
        AtomicInteger actions = new AtomicInteger();
        AddressWait w = service.whenUsable(BETA, pausedOwner.getLocalPort());
        w.usable().thenRun(actions::incrementAndGet);
        readiness.serving("scm-a", Map.of(A, "alpha"), Set.of(A)); // FAILBACK: beta handed back
        Await.until("the wait to be cancelled", () -> w.state() == AddressWait.State.CANCELLED, w::toString);
        pausedOwner.close();
        serveBoth(); // taken over again: a wait that was cancelled stays cancelled
        staysFor(5, w, AddressWait.State.CANCELLED, actions);
        assertEquals(List.of("beta waiting", "beta cancelled"), waitEvents());
        assertTrue(recorder.events.get(recorder.events.size() - 1).get("reason").toString()
                .contains("no longer served"), recorder.events::toString);
    }

    @Test
    void anAddressNotUpYetIsWaitedForUntilTheAddressModuleBringsItUp() {
        // linux mode: another host answers for beta's address (a paused former owner's kernel)
        readiness.serving("scm-a", Map.of(A, "alpha", B, "beta"), Set.of(A));
        AtomicInteger actions = new AtomicInteger();
        AddressWait w = service.whenUsable(BETA, 0);
        w.usable().thenRun(actions::incrementAndGet);
        staysFor(3, w, AddressWait.State.WAITING, actions);
        assertTrue(recorder.events.get(0).get("reason").toString().contains("not up here yet"), recorder.events::toString);
        serveBoth(); // the holder let go: the address module brought it up
        Await.until("the wait to be usable", () -> actions.get() == 1, w::toString);
    }

    @Test
    void waitingForEveryAddressAndPort() throws Exception {
        Pers both = Pers.of("gamma", "scm-a", A, B);
        readiness.serving("scm-a", Map.of(A, "gamma", B, "gamma"), Set.of(A, B));
        ServerSocket onA = hold(A);
        int port = onA.getLocalPort();
        ServerSocket onB = new ServerSocket();
        held.add(onB);
        onB.bind(new InetSocketAddress(B, port));
        AtomicInteger actions = new AtomicInteger();
        AddressWait w = service.whenUsable(both, port);
        w.usable().thenRun(actions::incrementAndGet);
        onA.close();
        staysFor(3, w, AddressWait.State.WAITING, actions);
        onB.close();
        Await.until("the wait to be usable once both are free", () -> actions.get() == 1, w::toString);
        assertEquals(List.of(A, B), w.addresses());
        assertEquals(List.of(port), w.ports());
    }

    @Test
    void aBundleThatLetsTheServiceGoHasItsWaitsCancelledAndNoOthers() throws Exception {
        serveBoth();
        ServerSocket pausedOwner = hold(B);
        Readiness.Client other = (Readiness.Client) readiness.client("org.example.other");
        AddressWait mine = service.whenUsable(BETA, pausedOwner.getLocalPort());
        AddressWait theirs = other.whenUsable(BETA, pausedOwner.getLocalPort());
        other.release();
        assertEquals(AddressWait.State.CANCELLED, theirs.state());
        assertEquals(AddressWait.State.WAITING, mine.state());
        pausedOwner.close();
        Await.until("the other wait to be usable", () -> mine.state() == AddressWait.State.USABLE, mine::toString);
    }

    @Test
    void closingCancelsEveryWaitAndEndsTheThread() throws Exception {
        serveBoth();
        ServerSocket pausedOwner = hold(B);
        List<Thread> checker = new CopyOnWriteArrayList<>();
        AddressWait w = service.whenUsable(BETA, pausedOwner.getLocalPort());
        w.usable().whenComplete((ok, error) -> checker.add(Thread.currentThread()));
        readiness.close();
        assertEquals(AddressWait.State.CANCELLED, w.state());
        assertEquals(List.of(Thread.currentThread()), checker, "cancelled by close, in the closing thread");
        Await.until("no readiness thread left", () -> readinessThreads() == 0, ReadinessTest::readinessThreads);
        assertEquals(AddressWait.State.CANCELLED, service.whenUsable(ALPHA, 0).state(), "nothing is usable once closed");
    }

    @Test
    void badRequestsAreRefusedNamingWhatIsWrong() {
        serveBoth();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> service.whenUsable(ALPHA));
        assertEquals("no port given for personality alpha", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> service.whenUsable(ALPHA, 80, 70_000));
        assertEquals("port 70000 of personality alpha is not in 0..65535", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> service.whenUsable(Pers.of("delta", "scm-a"), 80));
        assertEquals("personality delta has no address", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> service.whenUsable(Pers.of("delta", "scm-a", "127.0.3.999"), 80));
        assertEquals("personality delta: '127.0.3.999' is not an IP address", e.getMessage());
        assertEquals(List.of(), readiness.waits());
    }

    @Test
    void theNumberOfOpenWaitsIsBounded() throws Exception {
        serveBoth();
        ServerSocket pausedOwner = hold(B);
        for (int i = 0; i < AddressReadiness.MAX_WAITS; i++) {
            service.whenUsable(BETA, pausedOwner.getLocalPort());
        }
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> service.whenUsable(BETA, pausedOwner.getLocalPort()));
        assertTrue(e.getMessage().contains("bundle org.example.service"), e.getMessage());
        assertFalse(readiness.waits().size() > AddressReadiness.MAX_WAITS);
    }
}
