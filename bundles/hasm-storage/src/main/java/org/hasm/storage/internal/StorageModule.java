package org.hasm.storage.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.hasm.spi.HaContext;
import org.hasm.spi.HaException;
import org.hasm.spi.HaModule;
import org.hasm.spi.OpMode;
import org.hasm.spi.Personality;
import org.hasm.spi.SysConfig;
import org.hasm.spi.storage.StorageListener;
import org.hasm.spi.storage.Volume;
import org.hasm.spi.storage.VolumeManager;
import org.hasm.spi.storage.VolumeProblem;

/**
 * The storage module's lifecycle, without OSGi: {@code init} opens the shared storage and starts the
 * watchdog and the resolver, every {@code opMode} makes the volumes served those of
 * {@link HaContext#personalities()}, {@code stop} releases them all, {@code shutDown} stops the threads.
 *
 * <p>The controller calls this module after the status monitor declared the peer dead, so taking
 * the peer's volumes needs no further consent; the epochs in the records keep a peer that was only
 * slow from acknowledging writes (see {@link VolumeStore}). A storage fault never fails a call: what
 * cannot be acquired now is pending and acquired as soon as it can be, and the problems are told to
 * the {@link StorageListener}s (the controller), which decide whether the personality moves.
 *
 * <p>Thread safety: the lifecycle calls are serialised on {@code this}; {@link VolumeManager} calls
 * and the peer's questions read the volatile {@link #running} store and take no lock here.
 */
final class StorageModule implements HaModule, VolumeManager {

    /** Where the module reports to: the OSGi shell posts events and logs. */
    interface Sink {
        /** @param properties {@code scm}, {@code volume}, {@code epoch}, {@code owner}, {@code step}, maybe {@code reason} */
        void event(Map<String, Object> properties);

        void log(VolumeStore.Level level, String message, Throwable error);
    }

    /** The shared storage as the store writes and checks it: the real one, or a failing one in a test. */
    interface Disk extends RecordFiles.Writer, Writability.Checks {
    }

    private final Supplier<StorageSettings> settings;
    private final Sink sink;
    private final Resolver.Peer peer;
    private final java.util.function.BiFunction<Path, String, Disk> disk;
    private final Problems problems = new Problems();

    // Guarded by this.
    private HaContext context;
    private VolumeStore store;
    private Resolver resolver;
    private boolean standalone;
    private boolean idleLogged;
    private volatile VolumeStore running;
    private volatile String self;

    /**
     * @param peer asks the peer's storage module (over the link)
     */
    StorageModule(Supplier<StorageSettings> settings, Sink sink, Resolver.Peer peer) {
        this(settings, sink, peer, null);
    }

    /** @param disk makes the disk of a shared folder for an SCM; {@code null}: the real one */
    StorageModule(Supplier<StorageSettings> settings, Sink sink, Resolver.Peer peer,
            java.util.function.BiFunction<Path, String, Disk> disk) {
        this.settings = settings;
        this.sink = sink;
        this.peer = peer;
        this.disk = disk;
    }

    @Override
    public synchronized void init(HaContext ctx) throws HaException {
        close(); // a second init without shutDown: start afresh
        StorageSettings s = settings.get();
        if (!s.problems().isEmpty()) {
            throw new HaException("configuration " + StorageSettings.PID + ": " + String.join("; ", s.problemLines()));
        }
        String name = s.self();
        if (name == null || !OwnerRecord.SCM_NAME.matcher(name).matches()) {
            throw new HaException("the node names no valid SCM (" + name + ")");
        }
        context = ctx;
        self = name;
        standalone = s.peer() == null;
        idleLogged = false;
        if (s.sharedDir() == null) {
            sink.log(VolumeStore.Level.INFO, StorageSettings.SHARED_DIR + " is not set: no volumes can be served", null);
            return;
        }
        Duration interval = Duration.ofMillis(s.checkIntervalMs());
        Duration lease = Duration.ofMillis(s.leaseMs());
        VolumeStore vs;
        if (disk == null) {
            vs = new VolumeStore(s.sharedDir(), name, System.currentTimeMillis(), interval, lease, observer(name, ctx));
        } else {
            Disk d = disk.apply(s.sharedDir(), name);
            vs = new VolumeStore(s.sharedDir(), name, System.currentTimeMillis(), interval, lease, observer(name, ctx), d, d);
        }
        try {
            vs.open();
        } catch (IOException e) {
            throw new HaException(StorageSettings.SHARED_DIR + "=" + s.sharedDir() + ": " + e.getMessage(), e);
        }
        vs.peerDown(standalone);
        // a question to the peer must end well within a lease: meanwhile a volume may go unserved
        Duration ask = Duration.ofMillis(Math.max(50, Math.min(1000, s.leaseMs() / 2)));
        Resolver r = new Resolver(vs, peer, Duration.ofMillis(s.checkIntervalMs()), ask,
                () -> problems.publish(vs::problems), observer(name, ctx));
        vs.start();
        r.start();
        store = vs;
        resolver = r;
        running = vs;
        sink.log(VolumeStore.Level.DEBUG, "shared storage " + s.sharedDir() + " open; watchdog every "
                + s.checkIntervalMs() + " ms, lease " + s.leaseMs() + " ms", null);
    }

    private VolumeStore.Observer observer(String name, HaContext ctx) {
        return new VolumeStore.Observer() {
            @Override
            public void event(String step, String volume, long epoch, String owner, String reason) {
                Map<String, Object> p = new LinkedHashMap<>();
                p.put("scm", name);
                p.put("volume", volume);
                p.put("epoch", epoch);
                p.put("owner", owner);
                p.put("step", step);
                if (!reason.isEmpty()) {
                    p.put("reason", reason);
                }
                sink.event(p);
            }

            @Override
            public void log(VolumeStore.Level level, String message, Throwable error) {
                sink.log(level, message, error);
            }

            @Override
            public void panic(String reason) {
                ctx.panic(reason);
            }

            @Override
            public void roundDone() {
                VolumeStore vs = running;
                if (vs != null) {
                    problems.publish(vs::problems);
                }
            }
        };
    }

    @Override
    public synchronized void test() throws HaException {
        if (store == null) {
            return;
        }
        if (!store.watching()) {
            throw new HaException("the storage watchdog is not running");
        }
        try {
            store.probe();
        } catch (IOException e) {
            if (Writability.classify(e) == null) {
                throw new HaException(e.getMessage(), e);
            }
            // Full, read-only or failing: a fault of the storage, not of this SCM. Its volumes stay
            // pending until it takes writes, and the controller learns which of them the peer can serve.
            sink.log(VolumeStore.Level.WARN, e.getMessage() + ": volumes wait until the storage takes writes", null);
        }
    }

    @Override
    public synchronized void opMode(OpMode mode, SysConfig config) throws HaException {
        if (context == null) {
            throw new HaException("opMode before init");
        }
        Set<String> wanted = new TreeSet<>();
        Map<String, List<String>> byPersonality = new LinkedHashMap<>();
        for (Personality p : context.personalities()) {
            for (String v : p.volumes()) {
                try {
                    VolumeStore.checkName(v);
                } catch (IllegalArgumentException e) {
                    throw new HaException("personality " + p.name() + ": " + e.getMessage());
                }
                wanted.add(v);
            }
            if (!p.volumes().isEmpty()) {
                byPersonality.put(p.name(), p.volumes());
            }
        }
        if (store == null) {
            if (!wanted.isEmpty()) {
                throw new HaException("configuration " + StorageSettings.PID + ": " + StorageSettings.SHARED_DIR
                        + " is not set, but " + byPersonality.entrySet().stream()
                                .map(e -> "personality " + e.getKey() + " has volumes " + String.join(", ", e.getValue()))
                                .reduce((a, b) -> a + "; " + b).orElse(""));
            }
            if (!idleLogged) {
                idleLogged = true;
                sink.log(VolumeStore.Level.INFO, "no personality served here has volumes: nothing to do", null);
            }
            return;
        }
        sink.log(VolumeStore.Level.DEBUG, "opMode " + mode + "/" + config + ": volumes wanted " + wanted, null);
        // DEGRADED: the peer was declared dead (fenced, its lease run out, or it left): nobody to ask
        store.peerDown(standalone || config == SysConfig.DEGRADED);
        store.reconcile(wanted);
        problems.publish(store::problems);
        resolver.kick();
    }

    @Override
    public synchronized void stop() {
        if (store == null) {
            return;
        }
        store.releaseAll();
        problems.publish(store::problems);
    }

    @Override
    public synchronized void shutDown() {
        close();
    }

    /**
     * Ends everything: releases what is still owned (best effort) and stops the threads. Also what
     * the OSGi shell does when it is deactivated without a shutDown.
     */
    synchronized void close() {
        VolumeStore vs = store;
        Resolver r = resolver;
        store = null;
        resolver = null;
        running = null;
        context = null;
        if (vs == null) {
            return;
        }
        r.close(5_000);
        vs.releaseAll();
        vs.close();
        problems.publish(List::of);
    }

    // ---- the peer's questions ----

    /** Answers the peer's storage module (link service {@value Resolver#LINK_SERVICE}). */
    byte[] answer(byte[] question) {
        String name = self;
        if (name == null) {
            throw new IllegalStateException("the storage module has not been initialised");
        }
        return Resolver.encode(Resolver.answer(running, name, Resolver.decode(question)));
    }

    // ---- listeners ----

    void addListener(StorageListener listener) {
        problems.add(listener);
    }

    void removeListener(StorageListener listener) {
        problems.remove(listener);
    }

    /** The problems last told, and to whom. Calls are serialised, so listeners see changes in order. */
    private final class Problems {
        private final List<StorageListener> listeners = new CopyOnWriteArrayList<>();
        // Guarded by this.
        private List<VolumeProblem> last = List.of();

        /** @param current computed under the lock: a list read earlier must not be told after a later one */
        synchronized void publish(Supplier<List<VolumeProblem>> current) {
            List<VolumeProblem> now = current.get();
            if (now.equals(last)) {
                return;
            }
            last = now;
            listeners.forEach(l -> tell(l, now));
        }

        synchronized void add(StorageListener l) {
            listeners.add(l);
            tell(l, last);
        }

        void remove(StorageListener l) {
            listeners.remove(l);
        }

        private void tell(StorageListener l, List<VolumeProblem> now) {
            try {
                l.storageChanged(now);
            } catch (RuntimeException e) {
                sink.log(VolumeStore.Level.ERROR, "storage listener " + l + " failed", e);
            }
        }
    }

    // ---- VolumeManager ----

    @Override
    public Volume volume(String name) {
        VolumeStore vs = running;
        return vs == null ? null : vs.volume(name);
    }

    @Override
    public List<Volume> volumes() {
        VolumeStore vs = running;
        return vs == null ? List.of() : vs.volumes();
    }

    /** The root the running store opened (a changed shared.dir takes effect at the next init), else the configured one. */
    @Override
    public Path sharedFolder() {
        VolumeStore vs = running;
        return vs != null ? vs.sharedFolder() : settings.get().sharedDir();
    }
}
