package org.hasm.controller.internal;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.hasm.spi.Personality;
import org.hasm.spi.ScmState;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

/**
 * Tells the service manager (systemd, for a {@code Type=notify} unit) how the SCM is doing, through
 * the launcher's notifier ({@code hasm.launcher=notify}, a {@code Consumer<String>} that sends one
 * {@code sd_notify} message): {@code READY=1} once the SCM first reaches a state it stays in (DAC,
 * DEGRADED or MONITOR: up, its admin API answering), {@code STATUS=} with the state, role, system
 * configuration and what it serves at every change, and {@code WATCHDOG=1} while the controller is
 * alive.
 *
 * <p>The watchdog proves the controller thread, not merely the JVM: every half period the timer
 * queues a probe on the controller thread, and pings only if that thread ran a probe within the
 * allowance, the longest a transition may legitimately hold it (every module's calls at their
 * deadlines). A controller stuck beyond that, or a JVM whose timer cannot run, stops pinging, and
 * systemd kills and restarts the SCM; its peer takes the personality over meanwhile, as after any
 * crash.
 */
final class ServiceManager {
    static final String FILTER = "(&(objectClass=java.util.function.Consumer)(hasm.launcher=notify))";
    static final String WATCHDOG_PROPERTY = "hasm.watchdog.usec";

    private final Consumer<String> notifier;
    private final long watchdogUsec;
    private final LongSupplier nanoTime;
    // controller thread only
    private boolean ready;
    private String lastStatus;
    /** When the controller thread last ran a probe, {@link System#nanoTime()}. */
    private volatile long alive;
    private final AtomicBoolean probing = new AtomicBoolean();
    private volatile ScheduledFuture<?> pinger;

    ServiceManager(Consumer<String> notifier, long watchdogUsec) {
        this(notifier, watchdogUsec, System::nanoTime);
    }

    /** @param nanoTime the clock of the watchdog's judgement ({@link System#nanoTime()} but in tests) */
    ServiceManager(Consumer<String> notifier, long watchdogUsec, LongSupplier nanoTime) {
        this.notifier = notifier;
        this.watchdogUsec = watchdogUsec;
        this.nanoTime = nanoTime;
        this.alive = nanoTime.getAsLong();
    }

    /** @return the launcher's notifier as a service manager, or {@code null} when systemd did not start this SCM */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static ServiceManager find(BundleContext context) {
        try {
            Collection<ServiceReference<Consumer>> refs = context.getServiceReferences(Consumer.class, FILTER);
            if (refs.isEmpty()) {
                return null;
            }
            ServiceReference<Consumer> ref = refs.iterator().next();
            Consumer<String> notifier = context.getService(ref);
            if (notifier == null) {
                return null;
            }
            Object usec = ref.getProperty(WATCHDOG_PROPERTY);
            return new ServiceManager(notifier, usec instanceof Number n ? n.longValue() : 0);
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(FILTER, e);
        } catch (IllegalStateException e) {
            return null; // the bundle is stopping
        }
    }

    long watchdogUsec() {
        return watchdogUsec;
    }

    /** On the controller thread, after every published change. */
    void published(String scm, StatePublisher.Snapshot s, List<Personality> serving) {
        String status = "STATUS=" + scm + " " + s.state() + (s.opMode() == null ? "" : " " + s.opMode())
                + (s.sysConfig() == null ? "" : " " + s.sysConfig())
                + (serving.isEmpty() ? "" : ", serving " + String.join(" ", serving.stream().map(Personality::name).toList()))
                + (s.reason() == null || s.reason().isBlank() ? "" : ": " + oneLine(s.reason()));
        boolean settled = s.state() == ScmState.DAC || s.state() == ScmState.DEGRADED || s.state() == ScmState.MONITOR;
        if (settled && !ready) {
            ready = true;
            notifier.accept("READY=1\n" + status);
        } else if (!status.equals(lastStatus)) {
            notifier.accept(status);
        }
        lastStatus = status;
    }

    /**
     * Starts pinging the watchdog, if systemd set one.
     *
     * @param allowanceMs the longest the controller thread may legitimately be busy with one task
     */
    void startWatchdog(ScheduledExecutorService timer, EventLoop loop, LongSupplier allowanceMs) {
        if (watchdogUsec <= 0) {
            return;
        }
        long period = Math.max(1, watchdogUsec / 2);
        pinger = timer.scheduleAtFixedRate(() -> tick(loop, allowanceMs.getAsLong()), 0, period, TimeUnit.MICROSECONDS);
    }

    /**
     * One turn of the watchdog (the timer's, every half period): queues a probe on the controller
     * thread unless one is queued already, and pings if that thread ran one recently enough.
     *
     * @return whether it pinged
     */
    boolean tick(EventLoop loop, long allowanceMs) {
        if (probing.compareAndSet(false, true)) {
            // one probe queued at a time: a busy controller thread never collects a backlog of them
            loop.submit("watchdog probe", () -> {
                alive = nanoTime.getAsLong();
                probing.set(false);
            });
        }
        long idle = TimeUnit.NANOSECONDS.toMillis(nanoTime.getAsLong() - alive);
        if (idle > allowanceMs + TimeUnit.MICROSECONDS.toMillis(Math.max(1, watchdogUsec / 2))) {
            return false;
        }
        notifier.accept("WATCHDOG=1");
        return true;
    }

    /** @return whether a probe is queued and has not run yet */
    boolean probing() {
        return probing.get();
    }

    void close() {
        ScheduledFuture<?> p = pinger;
        if (p != null) {
            p.cancel(false);
        }
    }

    private static String oneLine(String s) {
        String line = s.replaceAll("\\s+", " ").strip();
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }
}
