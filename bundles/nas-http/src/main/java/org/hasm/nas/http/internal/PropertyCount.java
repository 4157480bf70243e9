package org.hasm.nas.http.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.hasm.nas.http.internal.DeadProperties.Property;
import org.hasm.spi.storage.Volume;

/**
 * What memory knows of one export's dead properties under one ownership of its volume ({@link Volume} and epoch),
 * and the count of what they take, which runs beside the requests on a thread of its own
 * ({@code hasm-http-<personality>-<export>-properties}). {@link DeadProperties} makes a new one whenever it finds the
 * volume under another ownership: the peer may have changed the properties meanwhile, so nothing read under the old
 * one is used, and a write made from what this one holds is fenced by its ownership.
 *
 * <p>Memory: the properties of the resources read since the ownership began ({@code loaded}), and once counted, what
 * each resource with properties on the volume takes as the bound counts it ({@code costs}, by path, sorted so that
 * a folder's descendants are one range) and their sum. Both stay within what the bound counts.
 *
 * <p>The count reads every file once. Until it is done, a resource's properties are read from its own file when a
 * request needs them, and what is written meanwhile is kept aside and wins over what the count read. A count that
 * fails (the folder cannot be listed, a file or a resource's attributes cannot be read) is logged once per ownership;
 * the writes that need the bound are refused until another succeeds, which the next of them starts once
 * {@code recount} has passed since.
 *
 * <p>Orphans: a file whose path has no resource now (no file or folder there in the export: its resource was
 * deleted or renamed behind the server's back, over another protocol or by an administrator) is not counted, so it
 * does not take the room of live properties; nothing serves it either, since a request of a path without a resource
 * never reaches the store. Once counted, the count removes the orphans it found, and the files it found below a
 * folder deleted while it ran, a batch at a time: each batch under the store's lock, each file checked again there,
 * the batch removed with a fence of this ownership, and only while the store still uses this memory and this SCM
 * holds the volume under it. A resource made again at an orphan's path before it was removed has its properties
 * (the store knows resources by their path only); an orphan left by a failure goes with the next count. Nothing
 * is removed while the export's folder itself is missing: every path would look empty then.
 *
 * <p>Thread safety: guarded by the store's lock ({@code lock}), except what a request reads without it:
 * {@code loaded}, {@code costs} and {@code orphans} (changed under the lock; an entry of {@code loaded} is replaced
 * whole, never changed), and the volatile {@code generation} and {@code dropped}.
 */
final class PropertyCount {
    /** How many orphans are removed per fence. */
    static final int REMOVE_BATCH = 256;
    // how long stop() waits for the count's thread
    private static final long STOP_MILLIS = 5_000;

    private final Volume under;
    private final long epoch;
    private final Object lock;
    private final PropertyFiles files;
    private final Consumer<String> log;

    // the properties of the resources read from the volume, by path
    private final ConcurrentHashMap<String, List<Property>> loaded = new ConcurrentHashMap<>();
    // what each resource with properties takes, by path; null until counted
    private volatile ConcurrentSkipListMap<String, Long> costs;
    // the files the count found without a resource, by path, with what they would take; never in costs
    private final ConcurrentHashMap<String, Long> orphans = new ConcurrentHashMap<>();
    // raised by every change of loaded or costs: a reader keeps what it read only if nothing changed meanwhile
    private volatile long generation;
    // set when another ownership or the end of the export makes this memory useless
    private volatile boolean dropped;
    // the rest guarded by lock:
    // the sum of costs
    private long bytes;
    // until counted: what was written meanwhile (path, cost; 0 for none), which wins over what the count read
    private final Map<String, Long> changed = new HashMap<>();
    // while counting: the folders deleted meanwhile, whose descendants' files the count may have found
    private final List<String> swept = new ArrayList<>();
    // why the last count failed (null while counting or once counted), when, and whether it was logged
    private String failure;
    private long failedAt;
    private boolean reported;
    // the thread counting, then removing orphans, until it ends
    private Thread counter;

    /**
     * @param lock the store's lock, which guards this memory
     * @param log where a failed count and removed orphans are told
     */
    PropertyCount(Volume under, Object lock, PropertyFiles files, Consumer<String> log) {
        this.under = under;
        this.epoch = under.epoch();
        this.lock = lock;
        this.files = files;
        this.log = log;
    }

    /** @return the ownership of the volume this memory was read under, which fences what is written from it */
    Volume under() {
        return under;
    }

    /** @return whether this memory is of the volume's ownership given ({@code null}: this SCM has none) */
    boolean of(Volume v) {
        return v != null && under == v && epoch == v.epoch();
    }

    /** @return whether the properties are counted */
    boolean counted() {
        return costs != null;
    }

    /** @return what the properties take, as the bound counts them; under the lock, once counted */
    long bytes() {
        return bytes;
    }

    /** @return how many resources' properties are in memory */
    int inMemory() {
        return loaded.size();
    }

    /** @return whether the thread of the count runs (counting, or removing orphans) */
    boolean counting() {
        synchronized (lock) {
            return counter != null;
        }
    }

    long generation() {
        return generation;
    }

    /** @return a resource's properties if read before, else {@code null} */
    List<Property> loaded(String path) {
        return loaded.get(path);
    }

    /** @return whether the volume may hold properties of a resource: not if counted and the count found no file */
    boolean mayHave(String path) {
        ConcurrentSkipListMap<String, Long> c = costs;
        return c == null || c.containsKey(path) || orphans.containsKey(path);
    }

    /**
     * @return a resource's properties (none: an empty list), read from the volume if not yet; under the lock
     * @throws WriteFailure if its file cannot be read
     */
    List<Property> current(String path) {
        if (!mayHave(path)) {
            return List.of();
        }
        List<Property> known = loaded.get(path);
        if (known != null) {
            return known;
        }
        // differs from what the count read only if the file was changed behind the server's back since
        List<Property> read = files.read(path);
        if (!read.isEmpty() || costs != null) {
            // until counted, "none" is not kept aside: each path read without properties would add to it
            remember(path, read);
        }
        return read;
    }

    /** Sets what memory knows of a resource's properties and counts them; under the lock. */
    void remember(String path, List<Property> props) {
        long after = DeadProperties.cost(path, props);
        if (props.isEmpty()) {
            loaded.remove(path);
        } else {
            loaded.put(path, List.copyOf(props));
        }
        ConcurrentSkipListMap<String, Long> c = costs;
        if (c != null) {
            Long before = props.isEmpty() ? c.remove(path) : c.put(path, after);
            bytes += after - (before == null ? 0 : before);
        } else {
            changed.put(path, after);
        }
        // after costs, so that a reader without the lock never finds the path in neither
        orphans.remove(path);
        generation++;
    }

    /**
     * After a failed write: the volume holds the old properties or, when only the folder's force after the rename
     * failed, the new ones (not acknowledged, but what a reader sees): memory follows the volume. If the file
     * cannot be read either, memory forgets it, and the next use reads it again; never "none" for a file that may
     * hold acknowledged properties. Under the lock.
     */
    void reread(String path) {
        loaded.remove(path);
        generation++;
        try {
            remember(path, files.read(path));
        } catch (RuntimeException e) {
            ConcurrentSkipListMap<String, Long> c = costs;
            if (c != null) {
                c.putIfAbsent(path, 0L); // so that the next use of the path reads it, whatever the count said
            }
        }
    }

    /**
     * @return the paths below a folder whose files the count found; while it runs, the folder is looked at once it
     *     is done (a count that failed finds them next time: they have no resource then). Under the lock.
     */
    List<String> below(String folder) {
        ConcurrentSkipListMap<String, Long> c = costs;
        if (c == null) {
            if (counter != null) {
                swept.add(folder);
            }
            return List.of();
        }
        return below(c, folder);
    }

    private static List<String> below(ConcurrentSkipListMap<String, Long> costs, String folder) {
        String prefix = "/".equals(folder) ? "/" : folder + "/";
        // '0' follows '/': the range holds exactly the paths that start with prefix
        return costs.subMap(prefix, true, prefix.substring(0, prefix.length() - 1) + '0', false).keySet().stream()
                .filter(p -> !p.equals(folder)).toList();
    }

    /**
     * Waits, without the lock, until the properties are counted or the deadline passes; under the lock. A failed
     * count is started again if it failed long enough ago, once per request.
     *
     * @param started when the request began to wait ({@link System#nanoTime()})
     * @throws WriteFailure (503) if they are not counted in time, or the last count failed a moment ago or while
     *     this request waited
     */
    void await(long started, long deadline, long recountNanos) {
        if (costs != null || dropped) {
            return;
        }
        if (failure != null) {
            if (failedAt - started >= 0 || System.nanoTime() - failedAt < recountNanos) {
                throw new WriteFailure(503, "the dead properties of " + files.export() + " cannot be counted ("
                        + failure + "): nothing is added to them until they can", null, true);
            }
            start();
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new WriteFailure(503, "the dead properties of " + files.export() + " are still being counted",
                    null, true);
        }
        try {
            TimeUnit.NANOSECONDS.timedWait(lock, left);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WriteFailure(503, "interrupted while the dead properties of " + files.export()
                    + " were being counted", e, true);
        }
    }

    /** Starts the count on a thread of its own; under the lock. */
    void start() {
        failure = null;
        Thread thread = new Thread(this::count, files.threadName("properties"));
        thread.setDaemon(true);
        counter = thread;
        thread.start();
    }

    /**
     * This memory is of no more use (another ownership, the export closed): the count stops at the next file and
     * removes nothing more. Under the lock.
     *
     * @return the count's thread, if it runs, for {@link #stop}
     */
    Thread drop() {
        dropped = true;
        lock.notifyAll();
        return counter;
    }

    /** Waits, without the lock, a bounded time for a thread {@link #drop} returned to end. */
    static void stop(Thread counter) {
        if (counter == null || counter == Thread.currentThread()) {
            return;
        }
        try {
            counter.join(STOP_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The count's thread: reads every file once, then removes the orphans it found. */
    private void count() {
        Map<String, Long> found = new HashMap<>();
        Map<String, Long> homeless = new HashMap<>();
        String failed = null;
        try {
            files.scan(stored -> {
                if (dropped) {
                    throw new CancellationException();
                }
                long cost = DeadProperties.cost(stored.path(), stored.properties());
                (files.exists(stored.path()) ? found : homeless).put(stored.path(), cost);
            });
        } catch (CancellationException e) {
            // another ownership, or the export closed: what was read is of no use
        } catch (RuntimeException e) {
            failed = e.getMessage() == null ? e.toString() : e.getMessage();
        }
        List<String> candidates;
        synchronized (lock) {
            if (dropped) {
                counter = null;
                return;
            }
            if (failed != null) {
                failed(failed);
                lock.notifyAll();
                return;
            }
            candidates = counted(found, homeless);
            lock.notifyAll();
        }
        try {
            removeOrphans(candidates);
        } finally {
            synchronized (lock) {
                counter = null;
            }
        }
    }

    /** The count failed: logged once per ownership; the writes that need the bound are refused meanwhile. */
    private void failed(String why) {
        failure = why;
        failedAt = System.nanoTime();
        counter = null;
        if (!reported) {
            reported = true;
            log.accept("the dead properties of the export cannot be counted (" + why + "): they are read and removed "
                    + "as before, but a PROPPATCH or COPY that adds to them is answered 503 until a count succeeds");
        }
    }

    /**
     * Makes the count memory's, with what was written while it ran; under the lock.
     *
     * @return the paths whose file may have no resource: the orphans found, and what was found below a folder
     *     deleted meanwhile
     */
    private List<String> counted(Map<String, Long> found, Map<String, Long> homeless) {
        ConcurrentSkipListMap<String, Long> c = new ConcurrentSkipListMap<>();
        found.forEach((p, cost) -> {
            if (!changed.containsKey(p)) {
                c.put(p, cost);
            }
        });
        changed.forEach((p, cost) -> {
            if (cost > 0) {
                c.put(p, cost);
            }
        });
        List<String> candidates = new ArrayList<>();
        homeless.forEach((p, cost) -> {
            if (!changed.containsKey(p)) {
                orphans.put(p, cost);
                candidates.add(p);
            }
        });
        for (String folder : swept) {
            below(c, folder).stream().filter(p -> !changed.containsKey(p)).forEach(candidates::add);
        }
        long sum = 0;
        for (long cost : c.values()) {
            sum += cost;
        }
        bytes = sum;
        changed.clear();
        swept.clear();
        costs = c; // after orphans: a reader without the lock that finds costs finds them too
        generation++;
        if (reported) {
            log.accept("the dead properties of the export are counted again: they take " + sum + " bytes");
            reported = false;
        }
        return candidates;
    }

    /** Removes the files that belong to no resource now, a batch per fence, while this ownership lasts. */
    private void removeOrphans(List<String> candidates) {
        int removed = 0;
        try {
            for (int from = 0; from < candidates.size(); from += REMOVE_BATCH) {
                List<String> batch = candidates.subList(from, Math.min(candidates.size(), from + REMOVE_BATCH));
                synchronized (lock) {
                    if (dropped || !of(files.owned())) {
                        return; // the next ownership counts again
                    }
                    if (!files.exists("/")) {
                        log.accept("the folder of " + files.export() + " is missing: the files of dead properties "
                                + "whose resource is not there are kept");
                        return;
                    }
                    List<String> gone = new ArrayList<>();
                    for (String p : batch) {
                        if (homeless(p)) {
                            gone.add(p);
                        }
                    }
                    if (!gone.isEmpty()) {
                        files.remove(under, gone);
                        gone.forEach(p -> remember(p, List.of()));
                        removed += gone.size();
                    }
                }
            }
        } catch (WriteFailure e) {
            log.accept("files of dead properties whose resource is gone are left for the next count: "
                    + e.getMessage());
        } finally {
            if (removed > 0) {
                log.accept("removed " + removed + " files of dead properties whose resource is gone (deleted or "
                        + "renamed behind the server's back)");
            }
        }
    }

    /**
     * @return whether a file the count found has no resource at its path now; an orphan whose path has one again
     *     is counted from now on, as that resource's properties. Under the lock.
     */
    private boolean homeless(String path) {
        Long orphan = orphans.get(path);
        if (orphan == null && !costs.containsKey(path)) {
            return false; // removed meanwhile
        }
        if (!files.exists(path)) {
            return true;
        }
        if (orphan != null) {
            if (costs.putIfAbsent(path, orphan) == null) {
                bytes += orphan;
            }
            orphans.remove(path);
            generation++;
        }
        return false;
    }
}
