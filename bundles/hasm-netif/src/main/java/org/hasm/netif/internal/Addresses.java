package org.hasm.netif.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.hasm.netif.internal.Driver.DuplicateAddressException;
import org.hasm.netif.internal.Observer.Level;
import org.hasm.spi.HaException;
import org.hasm.spi.Personality;

/**
 * The service addresses of one SCM, without OSGi: given the personalities it serves now, takes down
 * the addresses it no longer serves and brings up the missing ones, in that order, so that an
 * address handed back is gone here before anything new is announced.
 *
 * <p>It remembers which addresses it brought up itself and takes down only those: an address an
 * operator configured by hand stays, whatever the personalities say.
 *
 * <p>An address that another host on the link answers for is never brought up: it is refused with
 * a DUPLICATE event, and checked again in the background every {@code retryMs} while it stays
 * wanted. It comes up, announced as usual, once nobody answers for it any more. That is how a
 * takeover completes when the former owner was only paused (no fence agent: the storage lease
 * decided): its kernel answers for the address until the woken owner finds its volume taken over
 * and lets go of everything. It is not a failure of {@code opMode}, which would stop the whole SCM
 * for an address that is about to be free.
 *
 * <p>All methods are synchronized: the controller makes one call at a time, but a component's
 * deactivation and the background check may race it.
 */
final class Addresses {
    static final String TOPIC_ADDRESS = "org/hasm/netif/ADDRESS";
    static final String TOPIC_DUPLICATE = "org/hasm/netif/DUPLICATE";

    private final String scm;
    private final String mode;
    private final Driver driver;
    private final Observer observer;
    // Guarded by this. Address -> personality: the addresses this module brought up.
    private final Map<String, String> added = new LinkedHashMap<>();
    // Guarded by this. Wanted addresses that were already configured by someone else.
    private final Map<String, String> foreign = new LinkedHashMap<>();
    // Guarded by this. Wanted addresses that another host answers for: address -> personality, since when.
    private final Map<String, Contested> contested = new LinkedHashMap<>();
    private final long retryMs;
    // Guarded by this. Created with the first contested address.
    private ScheduledExecutorService retries;

    private record Contested(String personality, long sinceNanos) {
    }

    /**
     * Told after every change what this SCM serves: each wanted address with its personality, and
     * those of them that are up. Called under this object's lock: it must only take note.
     */
    @FunctionalInterface
    interface Book {
        void serving(String scm, Map<String, String> wanted, Set<String> up);
    }

    private final Book book;

    /** How often a contested address is checked again, unless the constructor says otherwise. */
    static final long DEFAULT_RETRY_MS = 250;

    Addresses(String scm, String mode, Driver driver, Observer observer) {
        this(scm, mode, driver, observer, DEFAULT_RETRY_MS, (s, wanted, up) -> { });
    }

    Addresses(String scm, String mode, Driver driver, Observer observer, long retryMs) {
        this(scm, mode, driver, observer, retryMs, (s, wanted, up) -> { });
    }

    /** @param book told of every change, for the services waiting for an address ({@link Readiness}) */
    Addresses(String scm, String mode, Driver driver, Observer observer, long retryMs, Book book) {
        this.scm = scm;
        this.mode = mode;
        this.driver = driver;
        this.observer = observer;
        this.retryMs = retryMs;
        this.book = book;
    }

    /**
     * Takes down what an earlier run of this module left behind (it could not clean up: a crash),
     * so that this SCM starts serving nothing.
     */
    synchronized void clearLeftovers() throws HaException {
        for (String address : driver.leftovers()) {
            observer.log(Level.WARN, address + " was left up by an earlier run of this module: taking it down");
            driver.down(address);
            event(address, "", "down");
        }
    }

    /**
     * Serves exactly the addresses of these personalities.
     *
     * @param personalities what this SCM serves now
     * @throws HaException naming every address that is invalid for this mode (then nothing
     *     changed), or could not be brought up or down; one in use elsewhere on the link is not an
     *     error but waited for (see the class comment)
     */
    synchronized void serve(List<Personality> personalities) throws HaException {
        Map<String, String> wanted = wanted(personalities);
        List<String> failures = new ArrayList<>();
        for (String address : List.copyOf(added.keySet())) {
            if (!wanted.containsKey(address)) {
                down(address, failures);
            }
        }
        foreign.keySet().retainAll(wanted.keySet());
        contested.keySet().retainAll(wanted.keySet());
        for (Map.Entry<String, String> w : wanted.entrySet()) {
            if (!added.containsKey(w.getKey()) && !foreign.containsKey(w.getKey())
                    && !contested.containsKey(w.getKey())) {
                up(w.getKey(), w.getValue(), failures);
            }
        }
        tell();
        if (!failures.isEmpty()) {
            throw new HaException(String.join("; ", failures));
        }
    }

    /**
     * Checks the addresses of these personalities without changing anything.
     *
     * @throws HaException naming every address this mode cannot serve
     */
    synchronized void check(List<Personality> personalities) throws HaException {
        wanted(personalities);
    }

    /**
     * Takes down every address this module brought up; the ones configured by others stay.
     *
     * @throws HaException naming the addresses that could not be taken down (they stay on the books,
     *     to be tried again)
     */
    synchronized void release() throws HaException {
        List<String> failures = new ArrayList<>();
        for (String address : List.copyOf(added.keySet())) {
            down(address, failures);
        }
        foreign.clear();
        contested.clear();
        tell();
        if (!failures.isEmpty()) {
            throw new HaException(String.join("; ", failures));
        }
    }

    /** @return the addresses this module brought up, in the order it did */
    synchronized Set<String> added() {
        return new LinkedHashSet<>(added.keySet());
    }

    /** @return the wanted addresses that another host on the link answers for */
    synchronized Set<String> contested() {
        return new LinkedHashSet<>(contested.keySet());
    }

    /** @return every address this SCM serves now: its own and the ones configured by others */
    synchronized Set<String> serving() {
        Set<String> all = new LinkedHashSet<>(added.keySet());
        all.addAll(foreign.keySet());
        return all;
    }

    /** @throws HaException if the tools or device the mode needs are missing */
    void selfTest() throws HaException {
        driver.selfTest();
    }

    void close() {
        synchronized (this) {
            contested.clear();
            if (retries != null) {
                retries.shutdownNow();
                retries = null;
            }
            // whatever release() left up, this object serves nothing any more
            book.serving(scm, Map.of(), Set.of());
        }
        driver.close();
    }

    /** Checks every contested address again; brings up those nobody answers for any more. */
    private synchronized void retryContested() {
        for (Map.Entry<String, Contested> c : List.copyOf(contested.entrySet())) {
            String address = c.getKey();
            String personality = c.getValue().personality();
            try {
                Driver.Up up = driver.up(address);
                contested.remove(address);
                (up == Driver.Up.PRESENT ? foreign : added).put(address, personality);
                observer.log(Level.INFO, address + " (" + personality + ") is up, "
                        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - c.getValue().sinceNanos())
                        + " ms after it was found in use elsewhere: the other holder let it go");
                event(address, personality, "up");
                tell();
            } catch (DuplicateAddressException e) {
                // still held: next round
            } catch (HaException | RuntimeException e) {
                observer.log(Level.WARN, address + " (" + personality + ") could not be brought up yet: "
                        + e.getMessage());
            }
        }
    }

    /** Tells the book what this SCM serves now. */
    private void tell() {
        Map<String, String> wanted = new LinkedHashMap<>(added);
        wanted.putAll(foreign);
        Set<String> up = new LinkedHashSet<>(wanted.keySet());
        contested.forEach((address, c) -> wanted.put(address, c.personality()));
        book.serving(scm, wanted, up);
    }

    private Map<String, String> wanted(List<Personality> personalities) throws HaException {
        Map<String, String> wanted = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (Personality p : personalities) {
            for (String raw : p.addresses()) {
                String address;
                try {
                    var parsed = Ip.parse(raw);
                    String refusal = driver.refuse(parsed);
                    if (refusal != null) {
                        problems.add("address " + raw + " of personality " + p.name() + " " + refusal);
                        continue;
                    }
                    address = parsed.getHostAddress();
                } catch (IllegalArgumentException e) {
                    problems.add("personality " + p.name() + ": " + e.getMessage());
                    continue;
                }
                wanted.putIfAbsent(address, p.name()); // two personalities may not share it, but serving it once is right
            }
        }
        if (!problems.isEmpty()) {
            throw new HaException(String.join("; ", problems));
        }
        return wanted;
    }

    private void up(String address, String personality, List<String> failures) {
        try {
            if (driver.up(address) == Driver.Up.PRESENT) {
                foreign.put(address, personality);
                observer.log(Level.INFO, address + " (" + personality + ") is already configured, not by hasm:"
                        + " served as it is and never taken down");
                event(address, personality, "up");
                return;
            }
            added.put(address, personality);
            observer.log(Level.INFO, address + " (" + personality + ") is up");
            event(address, personality, "up");
        } catch (DuplicateAddressException e) {
            observer.log(Level.ERROR, e.getMessage() + "; checking again every " + retryMs
                    + " ms while it is wanted");
            Map<String, Object> p = properties(address, personality);
            if (!e.holder().isEmpty()) {
                p.put("holder", e.holder());
            }
            observer.event(TOPIC_DUPLICATE, p);
            contested.put(address, new Contested(personality, System.nanoTime()));
            if (retries == null) {
                retries = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "hasm-netif-contested-" + scm);
                    t.setDaemon(true);
                    return t;
                });
                retries.scheduleWithFixedDelay(this::retryContested, retryMs, retryMs, TimeUnit.MILLISECONDS);
            }
        } catch (HaException | RuntimeException e) {
            observer.log(Level.ERROR, address + " (" + personality + ") could not be brought up: " + e.getMessage());
            failures.add(address + ": " + e.getMessage());
        }
    }

    /**
     * Takes an address down, trying {@value #DOWN_ATTEMPTS} times {@value #DOWN_PAUSE_MS} ms apart: a command that
     * timed out or failed for a moment would otherwise leave the address up at shutDown, where nothing tries
     * again, and the peer's takeover would find it in use until this SCM restarts.
     */
    private void down(String address, List<String> failures) {
        String personality = added.get(address);
        for (int attempt = 1; ; attempt++) {
            try {
                driver.down(address);
                added.remove(address);
                observer.log(Level.INFO, address + " (" + personality + ") is down"
                        + (attempt > 1 ? " (at attempt " + attempt + ")" : ""));
                event(address, personality, "down");
                return;
            } catch (HaException | RuntimeException e) {
                if (attempt >= DOWN_ATTEMPTS) {
                    observer.log(Level.ERROR, address + " (" + personality + ") could not be taken down in " + attempt
                            + " attempts: " + e.getMessage());
                    failures.add(address + ": " + e.getMessage());
                    return;
                }
                observer.log(Level.WARN, address + " (" + personality + ") could not be taken down (" + e.getMessage()
                        + "): trying again in " + DOWN_PAUSE_MS + " ms");
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(DOWN_PAUSE_MS));
            }
        }
    }

    /** How many times an address is tried down before it is left up (and reported). */
    static final int DOWN_ATTEMPTS = 3;
    private static final long DOWN_PAUSE_MS = 100;

    private void event(String address, String personality, String action) {
        Map<String, Object> p = properties(address, personality);
        p.put("action", action);
        observer.event(TOPIC_ADDRESS, p);
    }

    private Map<String, Object> properties(String address, String personality) {
        Map<String, Object> p = new HashMap<>();
        p.put("scm", scm);
        p.put("address", address);
        p.put("mode", mode);
        if (personality != null && !personality.isEmpty()) {
            p.put("personality", personality);
        }
        return p;
    }
}
