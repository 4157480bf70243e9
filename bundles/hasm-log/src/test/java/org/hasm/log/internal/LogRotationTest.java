package org.hasm.log.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;

/** A host that rotates hasm.log by renaming it: the writer goes on in a new hasm.log, not in the renamed file. */
class LogRotationTest {
    @TempDir
    Path dir;

    private final List<LogListener> listeners = new CopyOnWriteArrayList<>();

    private static <T> T proxy(Class<T> type, java.util.function.Function<String, Object> answers) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                (p, m, args) -> answers.apply(m.getName())));
    }

    private static LogEntry entry(String message) {
        long time = System.currentTimeMillis();
        return proxy(LogEntry.class, name -> switch (name) {
            case "getLogLevel" -> LogLevel.INFO;
            case "getLoggerName" -> "org.hasm.test";
            case "getMessage" -> message;
            case "getTime" -> time;
            case "getSequence" -> 1L;
            default -> null;
        });
    }

    private boolean logged(Path file, String message) {
        try {
            return Files.exists(file) && Files.readString(file, StandardCharsets.UTF_8).contains(message);
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private void await(String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within 10 s: " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    @Test
    void aLogRenamedAwayIsFollowedByANewOne() throws Exception {
        LogReaderService reader = (LogReaderService) Proxy.newProxyInstance(LogReaderService.class.getClassLoader(),
                new Class<?>[] {LogReaderService.class}, (p, m, args) -> switch (m.getName()) {
                    case "addLogListener" -> listeners.add((LogListener) args[0]);
                    case "removeLogListener" -> listeners.remove(args[0]);
                    case "getLog" -> Collections.emptyEnumeration();
                    default -> null;
                });
        BundleContext withDir = (BundleContext) Proxy.newProxyInstance(BundleContext.class.getClassLoader(),
                new Class<?>[] {BundleContext.class}, (p, m, args) -> m.getName().equals("getProperty")
                        && LogWriter.DIR_PROPERTY.equals(args[0]) ? dir.toString() : null);
        LogWriter writer = new LogWriter();
        Field f = LogWriter.class.getDeclaredField("reader");
        f.setAccessible(true);
        f.set(writer, reader);
        writer.activate(withDir);
        try {
            Path log = dir.resolve(LogWriter.FILE_NAME);
            listeners.forEach(l -> l.logged(entry("before the rotation")));
            await("the first line written", () -> logged(log, "before the rotation"));
            Path rotated = dir.resolve(LogWriter.FILE_NAME + ".1");
            Files.move(log, rotated);
            // lines go on coming: one of them, a second on at most, finds the file gone and opens a new one
            await("a new hasm.log with the lines after the rotation", () -> {
                listeners.forEach(l -> l.logged(entry("after the rotation")));
                return logged(log, "after the rotation");
            });
            assertTrue(logged(rotated, "before the rotation"));
        } finally {
            writer.deactivate();
        }
    }
}
