package org.hasm.controller.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The controller thread: one daemon thread that runs the controller's tasks one at a time, so
 * transitions never interleave and only this thread starts calls to modules. A task that throws is
 * logged and the thread goes on.
 */
final class EventLoop {
    private final Sink sink;
    private final ExecutorService executor;
    private volatile Thread thread;

    EventLoop(String name, Sink sink) {
        this.sink = sink;
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            thread = t;
            return t;
        });
    }

    /** @return whether the caller is the controller thread */
    boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** Queues a task; after {@link #close()} it is dropped (logged at debug). */
    Future<?> submit(String what, Runnable task) {
        try {
            return executor.submit(() -> {
                try {
                    task.run();
                } catch (RuntimeException | Error e) {
                    // a bug in one sequence must not kill the one thread that runs them all
                    sink.error("controller task '" + what + "' failed", e);
                }
            });
        } catch (RejectedExecutionException e) {
            sink.debug("controller stopped; '" + what + "' dropped");
            return CompletableFuture.completedFuture(null);
        }
    }

    /**
     * Runs a task on the controller thread and waits for it at most {@code millis}; from the
     * controller thread itself (a module that leaves from inside one of its own calls) it runs at once.
     */
    void runAndWait(String what, Runnable task, long millis) {
        if (inLoop()) {
            task.run();
            return;
        }
        await(submit(what, task), millis, what);
    }

    void await(Future<?> future, long millis, String what) {
        try {
            future.get(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            sink.error("controller task '" + what + "' failed", e.getCause());
        } catch (TimeoutException e) {
            sink.warn("controller task '" + what + "' did not finish within " + millis + " ms; going on without it");
        }
    }

    /** Drops queued tasks, interrupts the running one and waits up to two seconds for the thread to end. */
    void close() {
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(2, TimeUnit.SECONDS)) {
                sink.warn("the controller thread did not end within 2 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
