package org.hasm.log.internal;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;

/**
 * Writes every log entry at or above {@code hasm.log.level} to {@code ${hasm.log.dir}/hasm.log}
 * and to stdout, one entry per line (see {@link Line}).
 *
 * <p>The log service calls the listener on its own thread; that thread only copies the entry into
 * a bounded queue and returns, so a slow disk never holds up logging. One daemon thread,
 * {@value #THREAD_NAME}, formats and writes. When the queue is full, entries are dropped and
 * counted, and the count is written once there is room: losing lines is better than stalling the
 * SCM on its log.
 */
@Component(service = {}, immediate = true)
public final class LogWriter {

    static final String THREAD_NAME = "hasm-log-writer";
    /** Framework property: the folder of {@value #FILE_NAME}; set by the launcher. */
    static final String DIR_PROPERTY = "hasm.log.dir";
    static final String FILE_NAME = "hasm.log";

    private static final int QUEUE_SIZE = 8192;
    /** At most this many lines are written between two flushes. */
    private static final int BATCH = 256;
    private static final long STOP_WAIT_MS = 5000;
    /** Put on the queue by {@link #deactivate}: everything before it is written, then the thread ends. */
    private static final Line END = new Line(0, LogLevel.AUDIT, "-", "", null);

    private final BlockingQueue<Line> queue = new ArrayBlockingQueue<>(QUEUE_SIZE);
    private final AtomicLong dropped = new AtomicLong();
    private final LogListener listener = this::logged;

    /* Guards held and live. Until the entries logged before activation (getLog) are queued, new
       ones wait in held, so the file keeps the order in which entries were logged. */
    private final Object lock = new Object();
    private final List<LogEntry> held = new ArrayList<>();
    private volatile boolean live;

    @Reference
    private LogReaderService reader;
    /** The stream the JVM started with: a bundle that replaces System.out must not capture the log. */
    private final PrintStream stdout = System.out;
    private LogLevel threshold;
    private Thread thread;
    /* Opened by activate before the writer thread starts, then used only by that thread; closed
       by deactivate once the thread has ended. Null when the file cannot be written. */
    private volatile Writer file;
    // the log file's path and identity when opened, and when the writer last looked for a rotation; writer thread
    private volatile Path filePath;
    private Object fileKey;
    private long rotationChecked = System.nanoTime();
    private static final long ROTATION_CHECK_NANOS = 1_000_000_000L;

    @Activate
    void activate(BundleContext context) {
        String problem = null;
        try {
            threshold = Threshold.parse(context.getProperty(Threshold.PROPERTY));
        } catch (IllegalArgumentException e) {
            threshold = Threshold.DEFAULT;
            problem = e.getMessage() + "; using " + Threshold.DEFAULT;
        }
        String fileProblem = openFile(context.getProperty(DIR_PROPERTY));

        reader.addLogListener(listener);
        // getLog() enumerates newest first; the file wants oldest first
        List<LogEntry> history = Collections.list(reader.getLog());
        Collections.reverse(history);
        long lastQueued = Long.MIN_VALUE;
        for (LogEntry entry : history) {
            offer(entry);
            lastQueued = Math.max(lastQueued, entry.getSequence());
        }
        synchronized (lock) {
            for (LogEntry entry : held) {
                // an entry logged while getLog() ran may be in both: the sequence tells
                if (entry.getSequence() > lastQueued) {
                    offer(entry);
                }
            }
            held.clear();
            live = true;
        }
        for (String message : new String[] {problem, fileProblem}) {
            if (message != null) {
                queue.offer(new Line(System.currentTimeMillis(), LogLevel.WARN,
                        context.getBundle().getSymbolicName(), message, null));
            }
        }
        thread = new Thread(this::run, THREAD_NAME);
        thread.setDaemon(true);
        thread.start();
    }

    @Deactivate
    void deactivate() {
        reader.removeLogListener(listener);
        boolean interrupted = false;
        try {
            // wait a little for room rather than lose the end marker and with it the last lines
            if (!queue.offer(END, STOP_WAIT_MS, TimeUnit.MILLISECONDS)) {
                thread.interrupt();
            }
            thread.join(STOP_WAIT_MS);
        } catch (InterruptedException e) {
            interrupted = true;
        }
        if (thread.isAlive()) {
            thread.interrupt();
            stdout.println(THREAD_NAME + ": did not finish within " + STOP_WAIT_MS + " ms; lines may be lost");
        }
        closeFile();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void logged(LogEntry entry) {
        if (!live) {
            synchronized (lock) {
                if (!live) {
                    held.add(entry);
                    return;
                }
            }
        }
        offer(entry);
    }

    private void offer(LogEntry entry) {
        if (Threshold.passes(Threshold.effective(entry.getLogLevel(), entry.getLoggerName()), threshold)
                && !queue.offer(Line.of(entry))) {
            dropped.incrementAndGet();
        }
    }

    private void run() {
        List<Line> batch = new ArrayList<>(BATCH);
        try {
            while (true) {
                batch.add(queue.take());
                queue.drainTo(batch, BATCH - 1);
                boolean end = write(batch);
                batch.clear();
                if (end) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            // deactivate gave up waiting: what is still queued is lost, as announced there
            Thread.currentThread().interrupt();
        }
    }

    /** @return whether the end marker was in the batch */
    private boolean write(List<Line> batch) {
        StringBuilder text = new StringBuilder(batch.size() * 120);
        boolean end = false;
        for (Line line : batch) {
            if (line == END) {
                end = true;
                break;
            }
            text.append(line.format());
        }
        long lost = dropped.getAndSet(0);
        if (lost > 0) {
            text.append(new Line(System.currentTimeMillis(), LogLevel.WARN, "org.hasm.log",
                    lost + " log entries dropped: the log writer could not keep up", null).format());
        }
        stdout.print(text);
        stdout.flush();
        reopenIfRotated();
        if (file != null) {
            try {
                file.write(text.toString());
                file.flush();
            } catch (IOException e) {
                stdout.print(new Line(System.currentTimeMillis(), LogLevel.ERROR, "org.hasm.log",
                        "cannot write the log file any more; writing to stdout only", e).format());
                closeFile();
            }
        }
        return end;
    }

    /** @return a problem to log, or null */
    private String openFile(String dir) {
        if (dir == null || dir.isBlank()) {
            return DIR_PROPERTY + " is not set: logging to stdout only";
        }
        Path path = Paths.get(dir, FILE_NAME);
        try {
            Files.createDirectories(path.getParent());
            // append: a restart of the SCM must not erase the record of what happened before it
            file = Files.newBufferedWriter(path, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
            filePath = path;
            fileKey = key(path);
            return null;
        } catch (IOException | RuntimeException e) {
            return "cannot open " + path + " (" + e + "): logging to stdout only";
        }
    }

    /**
     * A host that rotates the log by renaming it (logrotate's default) leaves this writer appending to the
     * renamed file, which is then never freed: once a second at most, a {@code hasm.log} that is no longer the
     * file open (gone, or another file) is opened anew, so that the rotation takes effect.
     */
    private void reopenIfRotated() {
        Path path = filePath;
        long now = System.nanoTime();
        if (file == null || path == null || now - rotationChecked < ROTATION_CHECK_NANOS) {
            return;
        }
        rotationChecked = now;
        Object key = key(path);
        if (key != null && key.equals(fileKey)) {
            return;
        }
        closeFile();
        String problem = openFile(path.getParent().toString());
        stdout.print(new Line(System.currentTimeMillis(), problem == null ? LogLevel.INFO : LogLevel.ERROR, "org.hasm.log",
                problem == null ? path + " was rotated: writing to a new one" : problem, null).format());
    }

    /** @return what tells the file at {@code path} from another (its inode), or {@code null} if there is none */
    private static Object key(Path path) {
        try {
            return Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    private void closeFile() {
        Writer current = file;
        file = null;
        if (current != null) {
            try {
                current.close();
            } catch (IOException e) {
                stdout.println(THREAD_NAME + ": closing the log file: " + e);
            }
        }
    }
}
