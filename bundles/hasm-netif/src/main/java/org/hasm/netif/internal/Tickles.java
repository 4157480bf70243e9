package org.hasm.netif.internal;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.hasm.netif.internal.Observer.Level;

/**
 * TCP tickles (linux mode): clients learn at once that the SCM they were connected to is gone.
 *
 * <p>Every {@code intervalMs} this SCM reads the established TCP connections of the addresses it
 * serves from the kernel ({@link TcpTable}) and, when they changed, replaces its list on the shared
 * storage ({@link ConnectionList}). When an address comes up here (a takeover, a failback, a boot),
 * it reads the other SCMs' lists and sends every client of that address a tickle
 * ({@link TicklePacket}) from the address and the service port, in {@link #ROUNDS_MS rounds}: the
 * first may reach a client before the gratuitous ARP does (its answer then goes to the old owner's
 * MAC and is lost), and Linux answers an out-of-window segment at most every 500 ms per connection
 * ({@code tcp_invalid_ratelimit}). Rounds alternate the sequence number between 0 and 2^31, so that
 * one of them is outside any window the client can have.
 *
 * <p>A client is tickled only once its service port listens here: the address comes up before the
 * services take the personality over (the controller calls this module first), and a client reset
 * before then reconnects at once and is refused. Its rounds start when the port is seen listening
 * (the kernel's table is read every {@link #LISTEN_POLL_MS} ms meanwhile), or after
 * {@code listenWaitMs} if it never does: a client whose service did not come back is still better
 * told than left waiting on a dead connection.
 *
 * <p>A stale entry costs nothing: a client without that connection answers the tickle with a reset,
 * which the new owner ignores; a client that reconnected from the same port to the new owner answers
 * with an ACK its connection accepts.
 *
 * <p>One daemon thread, {@code hasm-netif-tickles-<scm>}, does all the work: reading, writing and
 * sending never run under the address module's lock, which {@link #serving} is called under.
 */
final class Tickles {
    static final String TOPIC_TICKLE = "org/hasm/netif/TICKLE";
    /** When the rounds of tickles go out, after the address came up. */
    static final long[] ROUNDS_MS = {0, 500, 1500};
    private static final int[] SEQ = {0, 0x8000_0000};
    private static final long JOIN_MS = 2000;
    /** How often the kernel's listeners are read while a client waits for its port. */
    static final long LISTEN_POLL_MS = 20;
    /** How long a client waits for its service port to listen before it is tickled anyway. */
    static final long LISTEN_WAIT_MS = 10_000;
    // More listening sockets than a namespace of an SCM has; bounds what one read keeps.
    private static final int MAX_LISTENERS = 4096;

    /** Sends a packet with its IP header, as a raw socket does. */
    interface Sender {
        void send(byte[] packet, Inet4Address to) throws IOException;

        void close();
    }

    private record Round(long dueNanos, int index, Inet4Address address, List<TcpConnection> clients) {
    }

    /** Clients of an address that came up, whose service port did not listen here yet. */
    private record Waiting(long sinceNanos, Inet4Address address, List<TcpConnection> clients) {
    }

    private final String scm;
    private final Path dir;
    private final Path procNet;
    private final long intervalMs;
    private final long listenWaitMs;
    private final int max;
    private final Sender sender;
    private final Observer observer;
    private final Thread thread;

    private final Object lock = new Object();
    // Guarded by lock: the addresses up here now, those that came up since the thread last looked,
    // and whether close() was called.
    private Set<Inet4Address> served = Set.of();
    private final Set<Inet4Address> fresh = new LinkedHashSet<>();
    private boolean closed;

    // Only the thread touches these.
    private final List<Round> rounds = new ArrayList<>();
    private final List<Waiting> waiting = new ArrayList<>();
    private long nextListenRead;
    // This SCM's list as its previous run left it (read before the first write), for the addresses
    // not tickled from it yet: a machine that rebooted before its peer took its personality over
    // brings its own addresses back up, and the clients of its previous run wait on dead connections.
    private final Map<Inet4Address, List<TcpConnection>> previous = new HashMap<>();
    private List<TcpConnection> written;
    private int writtenDropped;
    private String lastProblem;

    /**
     * @param dir the folder of the lists on the shared storage; created if missing
     * @param procNet {@link TcpTable#PROC_NET}, or a folder with files of that format
     * @param listenWaitMs how long a client waits for its service port to listen ({@link #LISTEN_WAIT_MS})
     * @param sender closed by {@link #close()}
     */
    Tickles(String scm, Path dir, Path procNet, long intervalMs, long listenWaitMs, int max, Sender sender,
            Observer observer) {
        this.scm = scm;
        this.dir = dir;
        this.procNet = procNet;
        this.intervalMs = intervalMs;
        this.listenWaitMs = listenWaitMs;
        this.max = max;
        this.sender = sender;
        this.observer = observer;
        this.thread = new Thread(this::run, "hasm-netif-tickles-" + scm);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /**
     * Takes note of the addresses up here ({@link Addresses.Book}); called under the address
     * module's lock, so it only notes and wakes the thread.
     */
    void serving(String scm, Map<String, String> wanted, Set<String> up) {
        Set<Inet4Address> now = new LinkedHashSet<>();
        for (String a : up) {
            try {
                if (Ip.parse(a) instanceof Inet4Address v4) {
                    now.add(v4);
                }
            } catch (IllegalArgumentException e) {
                // Addresses only serves parsed addresses
            }
        }
        synchronized (lock) {
            for (Inet4Address a : now) {
                if (!served.contains(a)) {
                    fresh.add(a);
                }
            }
            fresh.retainAll(now);
            served = Set.copyOf(now);
            lock.notifyAll();
        }
    }

    /** Stops the thread (bounded join, the interrupt flag restored) and closes the sender. */
    void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
        if (thread.isAlive() && thread != Thread.currentThread()) {
            try {
                thread.join(JOIN_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        sender.close();
    }

    private void run() {
        readPrevious();
        long nextRecord = System.nanoTime();
        while (true) {
            Set<Inet4Address> takeOver;
            Set<Inet4Address> now;
            synchronized (lock) {
                while (!closed && fresh.isEmpty()) {
                    long due = nextRecord;
                    for (Round r : rounds) {
                        due = due - r.dueNanos() > 0 ? r.dueNanos() : due;
                    }
                    if (!waiting.isEmpty() && due - nextListenRead > 0) {
                        due = nextListenRead;
                    }
                    long waitNanos = due - System.nanoTime();
                    if (waitNanos <= 0) {
                        break;
                    }
                    try {
                        TimeUnit.NANOSECONDS.timedWait(lock, waitNanos);
                    } catch (InterruptedException e) {
                        return; // nobody interrupts this thread but a framework going away
                    }
                }
                if (closed) {
                    return;
                }
                takeOver = new LinkedHashSet<>(fresh);
                fresh.clear();
                now = served;
            }
            try {
                if (!takeOver.isEmpty()) {
                    plan(takeOver);
                }
                startListening(now);
                sendDue(now);
                if (System.nanoTime() - nextRecord >= 0) {
                    record(now);
                    nextRecord = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(intervalMs);
                }
            } catch (RuntimeException e) {
                problem("tickles: " + e);
            }
        }
    }

    private void readPrevious() {
        try {
            ConnectionList.clearTemporary(dir, scm);
        } catch (IOException e) {
            observer.log(Level.WARN, "cannot delete what an earlier run left in " + dir + ": " + e);
        }
        Path own = dir.resolve(scm + ConnectionList.SUFFIX);
        if (!Files.exists(own)) {
            return;
        }
        try {
            ConnectionList.Snapshot s = ConnectionList.read(own, ConnectionList.MAX_CONNECTIONS);
            for (TcpConnection c : s.connections()) {
                previous.computeIfAbsent(c.local(), k -> new ArrayList<>()).add(c);
            }
        } catch (IOException | IllegalArgumentException e) {
            observer.log(Level.WARN, "connection list " + own + " of this SCM's previous run ignored: " + e.getMessage());
        }
    }

    /**
     * Reads the other SCMs' lists (and, once per address, this SCM's previous run's) and plans the
     * rounds for the clients of the addresses just up.
     */
    private void plan(Set<Inet4Address> addresses) {
        long start = System.nanoTime();
        Map<String, String> refused = new LinkedHashMap<>();
        Map<String, ConnectionList.Snapshot> lists;
        try {
            lists = ConnectionList.readOthers(dir, scm, ConnectionList.MAX_CONNECTIONS, refused);
        } catch (IOException e) {
            observer.log(Level.WARN, "no tickles for " + names(addresses) + ": cannot list " + dir + ": " + e);
            return;
        }
        refused.forEach((file, why) -> observer.log(Level.WARN, "connection list " + file + " ignored: " + why));
        Map<Inet4Address, Set<TcpConnection>> clients = new LinkedHashMap<>();
        Map<Inet4Address, String> from = new HashMap<>();
        for (Inet4Address a : addresses) {
            List<TcpConnection> mine = previous.remove(a);
            if (mine != null) {
                clients.computeIfAbsent(a, k -> new LinkedHashSet<>()).addAll(mine);
                from.put(a, "this SCM's previous run");
            }
        }
        for (ConnectionList.Snapshot s : lists.values()) {
            for (TcpConnection c : s.connections()) {
                if (addresses.contains(c.local())) {
                    clients.computeIfAbsent(c.local(), k -> new LinkedHashSet<>()).add(c);
                    from.merge(c.local(), s.scm() + " (" + (System.currentTimeMillis() - s.timeMillis())
                            + " ms old)", (x, y) -> x + ", " + y);
                }
            }
        }
        for (Inet4Address a : addresses) {
            List<TcpConnection> list = List.copyOf(clients.getOrDefault(a, Set.of()));
            if (list.isEmpty()) {
                observer.log(Level.DEBUG, a.getHostAddress() + " is up: no client to tickle in the lists of "
                        + lists.keySet());
                continue;
            }
            waiting.add(new Waiting(start, a, list));
            observer.log(Level.INFO, a.getHostAddress() + " is up: tickling " + list.size() + " client connection"
                    + (list.size() == 1 ? "" : "s") + " from the list of " + from.get(a));
            observer.log(Level.DEBUG, a.getHostAddress() + ": its clients are tickled as soon as their service"
                    + " port listens here (" + ports(list) + ")");
            Map<String, Object> p = new HashMap<>();
            p.put("scm", scm);
            p.put("address", a.getHostAddress());
            p.put("connections", list.size());
            observer.event(TOPIC_TICKLE, p);
        }
    }

    /**
     * Plans the rounds of the waiting clients whose service port listens here now, or who waited
     * {@code listenWaitMs}; drops those of an address given away.
     */
    private void startListening(Set<Inet4Address> served) {
        long now = System.nanoTime();
        if (waiting.isEmpty() || now - nextListenRead < 0) {
            return;
        }
        nextListenRead = now + TimeUnit.MILLISECONDS.toNanos(LISTEN_POLL_MS);
        TcpTable.Listening listening;
        try {
            listening = TcpTable.listening(procNet, MAX_LISTENERS, ByteOrder.nativeOrder());
        } catch (IOException | IllegalArgumentException e) {
            problem("cannot read the TCP listeners from " + procNet + ": " + e.getMessage());
            listening = new TcpTable.Listening(Set.of(), Set.of());
        }
        for (Waiting w : List.copyOf(waiting)) {
            waiting.remove(w);
            if (!served.contains(w.address())) {
                observer.log(Level.DEBUG, "no tickle for the clients of " + w.address().getHostAddress()
                        + ": the address was given away");
                continue;
            }
            List<TcpConnection> ready = new ArrayList<>();
            List<TcpConnection> still = new ArrayList<>();
            for (TcpConnection c : w.clients()) {
                (listening.accepts(c.local(), c.localPort()) ? ready : still).add(c);
            }
            if (!ready.isEmpty()) {
                observer.log(Level.INFO, w.address().getHostAddress() + ": " + ports(ready) + " listening "
                        + TimeUnit.NANOSECONDS.toMillis(now - w.sinceNanos()) + " ms after the address came up: "
                        + ready.size() + " client connection" + (ready.size() == 1 ? "" : "s") + " tickled");
            }
            if (!still.isEmpty() && now - w.sinceNanos() >= TimeUnit.MILLISECONDS.toNanos(listenWaitMs)) {
                observer.log(Level.WARN, w.address().getHostAddress() + ": " + ports(still) + " not listening here "
                        + listenWaitMs + " ms after the address came up: its clients are tickled anyway");
                ready.addAll(still);
                still.clear();
            }
            if (!ready.isEmpty()) {
                for (int i = 0; i < ROUNDS_MS.length; i++) {
                    rounds.add(new Round(now + TimeUnit.MILLISECONDS.toNanos(ROUNDS_MS[i]), i, w.address(),
                            List.copyOf(ready)));
                }
            }
            if (!still.isEmpty()) {
                waiting.add(new Waiting(w.sinceNanos(), w.address(), List.copyOf(still)));
            }
        }
    }

    private static String ports(List<TcpConnection> clients) {
        Set<Integer> ports = new TreeSet<>();
        clients.forEach(c -> ports.add(c.localPort()));
        return (ports.size() == 1 ? "port " : "ports ")
                + String.join(", ", ports.stream().map(String::valueOf).toList());
    }

    /** Sends the rounds that are due, but none from an address given away since it was planned. */
    private void sendDue(Set<Inet4Address> served) {
        long now = System.nanoTime();
        for (Round r : List.copyOf(rounds)) {
            if (now - r.dueNanos() < 0 && served.contains(r.address())) {
                continue;
            }
            rounds.remove(r);
            if (!served.contains(r.address())) {
                observer.log(Level.DEBUG, "tickle round " + (r.index() + 1) + " of " + r.address().getHostAddress()
                        + " not sent: the address was given away");
                continue;
            }
            int failed = 0;
            String error = null;
            for (TcpConnection c : r.clients()) {
                try {
                    sender.send(TicklePacket.tickle(c, SEQ[r.index() % SEQ.length]), c.remote());
                } catch (IOException e) {
                    failed++;
                    error = e.getMessage();
                }
            }
            observer.log(failed == 0 ? Level.DEBUG : Level.WARN, "tickle round " + (r.index() + 1) + " of "
                    + r.address().getHostAddress() + ": " + (r.clients().size() - failed) + " sent"
                    + (failed == 0 ? "" : ", " + failed + " failed: " + error));
        }
    }

    /** Reads this SCM's connections and replaces its list when they changed. */
    private void record(Set<Inet4Address> addresses) {
        TcpTable.Found found;
        try {
            // serving nothing (INIT, MONITOR, stopped): nothing to read, and an empty list to keep
            found = addresses.isEmpty() ? new TcpTable.Found(List.of(), 0)
                    : TcpTable.read(procNet, addresses, max, ByteOrder.nativeOrder());
        } catch (IOException | IllegalArgumentException e) {
            problem("cannot read the TCP connections from " + procNet + ": " + e.getMessage());
            return;
        }
        List<TcpConnection> now = new ArrayList<>(found.connections());
        now.sort(TcpConnection.ORDER);
        if (now.equals(written) && found.dropped() == writtenDropped) {
            return;
        }
        try {
            Files.createDirectories(dir);
            ConnectionList.write(dir, new ConnectionList.Snapshot(scm, System.currentTimeMillis(), found.dropped(), now));
        } catch (IOException e) {
            problem("cannot write the connection list in " + dir + ": " + e);
            return;
        }
        if (found.dropped() > 0 && writtenDropped == 0) {
            observer.log(Level.WARN, found.dropped() + " client connections beyond the bound of " + max
                    + " are left out of the connection list: they will not be tickled after a takeover");
        }
        written = now;
        writtenDropped = found.dropped();
        if (lastProblem != null) {
            observer.log(Level.INFO, "connection list written again in " + dir);
            lastProblem = null;
        }
    }

    // Logged once per kind of problem, not once per interval.
    private void problem(String message) {
        if (!message.equals(lastProblem)) {
            observer.log(Level.WARN, message);
            lastProblem = message;
        }
    }

    private static String names(Set<Inet4Address> addresses) {
        return addresses.stream().map(InetAddress::getHostAddress).toList().toString();
    }
}
