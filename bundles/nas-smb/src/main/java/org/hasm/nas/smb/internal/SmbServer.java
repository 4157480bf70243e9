package org.hasm.nas.smb.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.hasm.spi.HaException;
import org.hasm.spi.Personality;
import org.hasm.spi.address.AddressReadiness;
import org.hasm.spi.address.AddressWait;
import org.hasm.spi.storage.Volume;

/**
 * The SMB core, usable without OSGi: keeps exactly one supervised {@link Smbd} per personality with
 * smb shares that this SCM serves. Each personality's folder is {@code <base>/<personality>}.
 *
 * <p>Thread safety: {@code served} and {@code settings} are guarded by this object; each smbd runs on
 * its own supervisor thread and touches none of it.
 */
final class SmbServer {

    /** How long writing a share's file system out may take when its smbd is gone. */
    private static final long FLUSH_TIMEOUT_MS = 30_000;

    private final Path base;
    private final Function<String, Volume> volumes;
    private final AddressReadiness readiness;
    private final Events events;
    private final String serviceAccount;
    private final String nodeDir;
    private final Map<String, Smbd> served = new LinkedHashMap<>();
    // the personalities whose folders and user database were prepared
    private final Set<String> prepared = new HashSet<>();
    private SmbSettings settings;
    private long watchdogMillis;

    /**
     * @param nodeDir the SCM's node folder, given to every smbd as {@code HASM_FENCE_WITH} so that the
     *     peer's process fence agent finds and stops it; {@code null} outside an SCM
     */
    SmbServer(Path base, SmbSettings settings, long watchdogMillis, Function<String, Volume> volumes,
            AddressReadiness readiness, Events events, String serviceAccount, String nodeDir) {
        this.base = base;
        this.settings = settings;
        this.watchdogMillis = watchdogMillis;
        this.volumes = volumes;
        this.readiness = readiness;
        this.events = events;
        this.serviceAccount = serviceAccount;
        this.nodeDir = nodeDir;
    }

    /** @return the folder of a personality's smbd */
    Path dir(String personality) {
        return base.resolve(personality);
    }

    /**
     * Prepares every personality of the pair that has smb exports: its folders and its user database,
     * so that a takeover starts smbd without running pdbedit first; and stops any smbd a previous run
     * of this SCM left behind (a JVM killed while its smbd's watchdog was starting, say).
     */
    synchronized void prepare(List<Personality> all, Samba samba) throws HaException {
        List<String> problems = new ArrayList<>();
        for (Personality p : all) {
            if (p.exports(SharePlan.PROTOCOL).isEmpty()) {
                continue;
            }
            Path dir = dir(p.name());
            Path conf = dir.resolve(SmbConf.CONF).toAbsolutePath().normalize();
            List<Long> left = Processes.smbdOn(conf);
            if (!left.isEmpty()) {
                boolean gone = Processes.stopAll(conf, true, System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
                events.warn("personality " + p.name() + ": stopped smbd left by a previous run of this SCM, pid(s) " + left
                        + (gone ? "" : " (some did not end within 5 s)"));
                events.publish("LEFTOVER_STOPPED", Map.of("personality", p.name(), "pids", left));
                if (!gone) {
                    problems.add("personality " + p.name() + ": smbd left by a previous run (pids " + left
                            + ") does not end");
                }
            }
            try {
                samba.createPassdb(dir, p.name(), serviceAccount);
                prepared.add(p.name());
            } catch (java.io.IOException | IllegalArgumentException e) {
                problems.add("personality " + p.name() + ": " + e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new HaException(String.join("; ", problems));
        }
    }

    synchronized void settings(SmbSettings s, long watchdog) {
        this.settings = s;
        this.watchdogMillis = watchdog;
    }

    /**
     * Serves exactly the given personalities: first stops the smbd of those no longer wanted (or
     * changed), then starts the new ones (each once its address is usable). A personality that cannot
     * be served is named in the exception thrown at the end, after the others are served.
     */
    synchronized void reconcile(List<Personality> personalities) throws HaException {
        Map<String, SharePlan> wanted = new LinkedHashMap<>();
        Map<String, Personality> byName = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (Personality p : personalities) {
            try {
                SharePlan plan = SharePlan.of(p, volumes);
                if (plan != null) {
                    wanted.put(p.name(), plan);
                    byName.put(p.name(), p);
                }
            } catch (SharePlan.NotServable e) {
                notServed(p.name(), e.getMessage(), problems);
            }
        }
        // give away first: a port or a volume handed back is free before anything new starts
        for (String name : new ArrayList<>(served.keySet())) {
            if (!served.get(name).plan().equals(wanted.get(name))) {
                release(name);
            }
        }
        for (SharePlan plan : wanted.values()) {
            if (served.containsKey(plan.personality())) {
                continue;
            }
            AddressWait wait;
            try {
                wait = readiness.whenUsable(byName.get(plan.personality()), plan.port());
            } catch (IllegalArgumentException | IllegalStateException e) {
                notServed(plan.personality(), "personality " + plan.personality() + ": " + e.getMessage(), problems);
                continue;
            }
            Smbd smbd = new Smbd(plan, dir(plan.personality()), settings, watchdogMillis, volumes, wait, events,
                    serviceAccount, nodeDir);
            served.put(plan.personality(), smbd);
            smbd.start();
        }
        if (!problems.isEmpty()) {
            throw new HaException(String.join("; ", problems));
        }
    }

    /**
     * Prepares the personalities about to be served that {@link #prepare} was not given (outside an SCM, which
     * knows the pair's personalities at {@code test()}); never one served now, whose smbd prepare would stop.
     */
    synchronized void prepareMissing(List<Personality> personalities, Samba samba) throws HaException {
        List<Personality> missing = new ArrayList<>();
        for (Personality p : personalities) {
            if (!prepared.contains(p.name()) && !served.containsKey(p.name())) {
                missing.add(p);
            }
        }
        if (!missing.isEmpty()) {
            prepare(missing, samba);
        }
    }

    /** Stops every smbd (SIGTERM, SIGKILL at the deadline); bounded. */
    synchronized void stopServing() {
        served.values().forEach(Smbd::requestClose);
        for (String name : new ArrayList<>(served.keySet())) {
            release(name);
        }
    }

    /** @return the names of the personalities with an smbd (running, starting, or waiting for its address) */
    synchronized List<String> served() {
        return List.copyOf(served.keySet());
    }

    /** @return the personalities whose smbd runs now, with its smb.conf and pid (for its request counters) */
    synchronized Map<String, SmbRequests.Running> running() {
        Map<String, SmbRequests.Running> running = new LinkedHashMap<>();
        served.forEach((name, smbd) -> {
            long pid = smbd.pid();
            if (pid > 0) {
                running.put(name, new SmbRequests.Running(smbd.conf(), pid));
            }
        });
        return running;
    }

    /** @return the smbd of a personality, or null */
    synchronized Smbd smbd(String personality) {
        return served.get(personality);
    }

    private void release(String name) {
        Smbd s = served.remove(name);
        if (s == null) {
            return;
        }
        s.close();
        flushClientSynced(s.plan());
        events.info("released personality " + name + " (smbd stopped)");
        events.publish("RELEASED", Map.of("personality", name));
    }

    /*
     * A share whose writes reach the disk when the client asks (smb.sync.<share>=client) may leave
     * answered writes in the page cache; once its smbd is gone they are written out before the
     * volume is given away, so the SCM taking it over finds them even if this host fails next.
     * (A crash of this SCM's host itself loses them: the policy the operator chose for the share.)
     */
    private void flushClientSynced(SharePlan plan) {
        for (SharePlan.Share share : plan.shares()) {
            if (share.syncAlways() || share.readOnly()) {
                continue;
            }
            try {
                Commands.Result r = Commands.run(List.of("sync", "--file-system", share.folder().toString()), null,
                        FLUSH_TIMEOUT_MS);
                if (r.exit() != 0) {
                    events.warn("share " + share.name() + " of personality " + plan.personality()
                            + ": writing its file system out failed: " + r.output());
                }
            } catch (IOException e) {
                events.warn("share " + share.name() + " of personality " + plan.personality()
                        + ": writing its file system out failed: " + e.getMessage());
            }
        }
    }

    private void notServed(String personality, String why, List<String> problems) {
        problems.add(why);
        events.warn("not serving: " + why);
        events.publish("NOT_SERVED", Map.of("personality", personality, "reason", why));
    }
}
