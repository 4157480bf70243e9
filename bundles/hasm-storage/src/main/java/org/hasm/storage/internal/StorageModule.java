package org.hasm.storage.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.hasm.spi.HaContext;
import org.hasm.spi.HaException;
import org.hasm.spi.HaModule;
import org.hasm.spi.OpMode;
import org.hasm.spi.Personality;
import org.hasm.spi.SysConfig;
import org.hasm.spi.storage.Volume;
import org.hasm.spi.storage.VolumeManager;

/**
 * The storage module's lifecycle, without OSGi: {@code init} opens the shared storage and starts the
 * watchdog, every {@code opMode} makes the owned volumes those of {@link HaContext#personalities()},
 * {@code stop} releases them all, {@code shutDown} stops the watchdog.
 *
 * <p>The controller calls this module after the status monitor declared the peer dead, so taking
 * the peer's volumes needs no further consent; the epochs in the records keep a peer that was only
 * slow from acknowledging writes (see {@link VolumeStore}).
 *
 * <p>Thread safety: the lifecycle calls are serialised on {@code this}; {@link VolumeManager} calls
 * read the volatile {@link #running} store and take no lock.
 */
final class StorageModule implements HaModule, VolumeManager {

    /** Where the module reports to: the OSGi shell posts events and logs. */
    interface Sink {
        /** @param properties {@code scm}, {@code volume}, {@code epoch}, {@code owner}, {@code step}, maybe {@code reason} */
        void event(Map<String, Object> properties);

        void log(VolumeStore.Level level, String message, Throwable error);
    }

    private final Supplier<StorageSettings> settings;
    private final Sink sink;

    // Guarded by this.
    private HaContext context;
    private VolumeStore store;
    private boolean idleLogged;
    private volatile VolumeStore running;

    StorageModule(Supplier<StorageSettings> settings, Sink sink) {
        this.settings = settings;
        this.sink = sink;
    }

    @Override
    public synchronized void init(HaContext ctx) throws HaException {
        close(); // a second init without shutDown: start afresh
        StorageSettings s = settings.get();
        if (!s.problems().isEmpty()) {
            throw new HaException("configuration " + StorageSettings.PID + ": " + String.join("; ", s.problems()));
        }
        String self = s.self() != null ? s.self() : ctx.scm();
        if (ctx.scm() != null && !ctx.scm().equals(self)) {
            throw new HaException("framework property " + StorageSettings.PROP_SCM + "=" + self
                    + " differs from the controller's SCM name " + ctx.scm());
        }
        if (self == null || !OwnerRecord.SCM_NAME.matcher(self).matches()) {
            throw new HaException("framework property " + StorageSettings.PROP_SCM + " is not set to a valid SCM name");
        }
        context = ctx;
        idleLogged = false;
        if (s.sharedDir() == null) {
            sink.log(VolumeStore.Level.INFO, StorageSettings.SHARED_DIR + " is not set: no volumes can be served", null);
            return;
        }
        VolumeStore vs = new VolumeStore(s.sharedDir(), self, System.currentTimeMillis(),
                Duration.ofMillis(s.checkIntervalMs()), Duration.ofMillis(s.leaseMs()), observer(self, ctx));
        try {
            vs.open();
        } catch (IOException e) {
            throw new HaException(StorageSettings.SHARED_DIR + "=" + s.sharedDir() + ": " + e.getMessage(), e);
        }
        vs.start();
        store = vs;
        running = vs;
        sink.log(VolumeStore.Level.DEBUG, "shared storage " + s.sharedDir() + " open; watchdog every "
                + s.checkIntervalMs() + " ms, lease " + s.leaseMs() + " ms", null);
    }

    private VolumeStore.Observer observer(String self, HaContext ctx) {
        return new VolumeStore.Observer() {
            @Override
            public void event(String step, String volume, long epoch, String owner, String reason) {
                Map<String, Object> p = new LinkedHashMap<>();
                p.put("scm", self);
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
            throw new HaException(e.getMessage(), e);
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
        try {
            store.reconcile(wanted);
        } catch (IOException e) {
            throw new HaException(e.getMessage(), e);
        }
    }

    @Override
    public synchronized void stop() throws HaException {
        if (store == null) {
            return;
        }
        try {
            store.releaseAll();
        } catch (IOException e) {
            // not serving them anyway; the peer's takeover raises the epoch over what is left
            throw new HaException("volumes not released cleanly: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void shutDown() {
        close();
    }

    /**
     * Ends everything: releases what is still owned (best effort) and stops the watchdog. Also what
     * the OSGi shell does when it is deactivated without a shutDown.
     */
    synchronized void close() {
        VolumeStore vs = store;
        store = null;
        running = null;
        context = null;
        if (vs == null) {
            return;
        }
        try {
            vs.releaseAll();
        } catch (IOException e) {
            sink.log(VolumeStore.Level.WARN, "volumes not released cleanly: " + e.getMessage(), null);
        }
        vs.close();
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
}
