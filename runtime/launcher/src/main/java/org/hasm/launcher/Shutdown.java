package org.hasm.launcher;

import java.io.PrintStream;
import java.util.List;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.launch.Framework;
import sun.misc.Signal;

/**
 * Stops the framework on SIGTERM and SIGINT, and when the JVM exits for any other reason, so that
 * the controller's deactivation runs the SHUTDOWN sequence (stop, shutDown) before the process
 * ends.
 *
 * <p>SIGTERM and SIGINT get handlers of their own instead of relying on the JVM's shutdown hooks:
 * the launcher's main thread then returns from the framework's stop and exits with 0, which
 * says "stopped cleanly" to a supervisor; through the hooks alone the JVM would exit with 143.
 * The hook remains for the other ways out (SIGHUP, {@code System.exit} in a bundle).
 *
 * <p>A stop that does not finish within the deadline ends the process with exit code 1: a hung
 * module must not keep a failed SCM around forever.
 */
final class Shutdown {

    /** A startup step that must not overlap a stop (see {@link #unlessStopping}). */
    interface Step {
        void run() throws Exception;
    }

    private final PrintStream out;
    private final PrintStream err;
    private final long timeoutMs;

    /* Held by a startup step and by a stop request: once requested, no further step runs, so a
       stop can never be undone by a start that was about to happen. Written under the lock;
       volatile for the exit hook, which must not wait for a lock (a bundle calling System.exit
       inside a startup step would deadlock it). */
    private final Object lock = new Object();
    private volatile boolean requested;
    private volatile Framework framework;
    /** Told once when a stop begins (systemd's STOPPING=1), or null. */
    private volatile Runnable onStopping;

    Shutdown(PrintStream out, PrintStream err, long timeoutMs) {
        this.out = out;
        this.err = err;
        this.timeoutMs = timeoutMs;
    }

    /** Installs the signal handlers and the exit hook. Once per JVM. */
    void install() {
        Runtime.getRuntime().addShutdownHook(new Thread(this::onExit, "hasm-exit"));
        for (String name : List.of("TERM", "INT")) {
            try {
                // the handler runs on the JVM's signal thread: hand over at once, never block it
                Signal.handle(new Signal(name), signal -> {
                    Thread stopper = new Thread(() -> stop("SIG" + signal.getName()), "hasm-stop");
                    stopper.start();
                });
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                // signal in use (-Xrs, a debugger): the exit hook still stops the framework
            }
        }
    }

    /** @param hook run once when a stop begins, before the framework stops; must not block */
    void onStopping(Runnable hook) {
        onStopping = hook;
    }

    private void stopping() {
        Runnable hook = onStopping;
        onStopping = null;
        if (hook != null) {
            try {
                hook.run();
            } catch (RuntimeException e) {
                err.println("hasm: " + Runner.oneLine(e));
            }
        }
    }

    /** The framework to stop from now on; call from inside {@link #unlessStopping}. */
    void attach(Framework current) {
        synchronized (lock) {
            framework = current;
        }
    }

    /**
     * Runs a startup step unless a stop was requested; a stop requested meanwhile waits until the
     * step is over.
     *
     * @return false if the step did not run because the SCM is stopping
     */
    boolean unlessStopping(Step step) throws Exception {
        synchronized (lock) {
            if (requested) {
                return false;
            }
            step.run();
            return true;
        }
    }

    boolean requested() {
        return requested;
    }

    /** Stops the framework and waits for it, at most the deadline; then halts the JVM. */
    void stop(String why) {
        Framework current;
        synchronized (lock) {
            if (requested) {
                err.println("hasm: " + why + ": already stopping");
                return;
            }
            requested = true;
            current = framework;
        }
        out.println("hasm: " + why + ": stopping the SCM");
        stopping();
        if (current != null) {
            stopAndWait(current);
        }
    }

    private void onExit() {
        requested = true;
        Framework current = framework;
        stopping();
        if (current != null && (current.getState() & (Bundle.STARTING | Bundle.ACTIVE | Bundle.STOPPING)) != 0) {
            stopAndWait(current);
        }
    }

    private void stopAndWait(Framework current) {
        try {
            current.stop();
            FrameworkEvent event = current.waitForStop(timeoutMs);
            if (event.getType() == FrameworkEvent.WAIT_TIMEDOUT) {
                err.println("hasm: the SCM did not stop within " + timeoutMs / 1000 + " s; exiting anyway");
                Runtime.getRuntime().halt(LaunchException.FAILED);
            }
        } catch (BundleException e) {
            err.println("hasm: the framework cannot be stopped: " + e.getMessage());
            Runtime.getRuntime().halt(LaunchException.FAILED);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
