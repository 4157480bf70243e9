package org.hasm.nas.http.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.catalina.core.StandardServer;
import org.apache.catalina.core.StandardService;
import org.apache.catalina.webresources.TomcatURLStreamHandlerFactory;
import org.apache.tomcat.util.modeler.Registry;
import org.hasm.spi.HaException;

/**
 * The one Tomcat server of the module, private to this bundle: created empty, it holds one
 * {@link PersonalityService} per served personality. Also what every Tomcat lifecycle call needs in
 * OSGi: this bundle's class loader as the context loader.
 *
 * <p>Thread safety: not thread-safe; {@link HttpServer} calls it under its own lock.
 */
final class EmbeddedTomcat {

    // JUL loggers hold their level only while referenced.
    private static final List<Logger> QUIETED = new ArrayList<>();

    static {
        // This Tomcat is private to the bundle: no JMX beans (a second module instance or test would
        // collide with the first's names) and no global URL handler factory (Felix owns that one).
        Registry.disableRegistry();
        TomcatURLStreamHandlerFactory.disable();
        for (String name : List.of("org.apache.catalina", "org.apache.coyote", "org.apache.tomcat")) {
            Logger l = Logger.getLogger(name);
            if (l.getLevel() == null) {
                // Tomcat logs every start and stop at INFO; hasm logs its own transitions
                l.setLevel(Level.WARNING);
            }
            QUIETED.add(l);
        }
        Logger cache = Logger.getLogger("org.apache.catalina.webresources.Cache");
        if (cache.getLevel() == null) {
            // a full resource cache warns on every file it cannot keep; such a file is read from disk,
            // as every file was before the cache, so a busy server would only fill its log
            cache.setLevel(Level.SEVERE);
        }
        QUIETED.add(cache);
    }

    private final Path baseDir;
    private final Events events;
    private StandardServer server;

    /** @param baseDir Tomcat's own folder (its {@code webapps/} and {@code work/}); never a volume */
    EmbeddedTomcat(Path baseDir, Events events) {
        this.baseDir = baseDir.toAbsolutePath();
        this.events = events;
    }

    Path baseDir() {
        return baseDir;
    }

    boolean started() {
        return server != null;
    }

    /** Creates and starts the (empty) server; serves nothing yet. Does nothing if it runs already. */
    void start() throws HaException {
        if (server != null) {
            return;
        }
        try {
            Files.createDirectories(baseDir.resolve("webapps"));
            Files.createDirectories(baseDir.resolve("work"));
        } catch (IOException e) {
            throw new HaException("cannot create Tomcat's folder " + baseDir + ": " + e.getMessage(), e);
        }
        StandardServer s = new StandardServer();
        s.setPort(-1); // no shutdown port: hasm stops it
        s.setCatalinaBase(baseDir.toFile());
        s.setCatalinaHome(baseDir.toFile());
        s.setParentClassLoader(loader());
        s.setUtilityThreadsAsDaemon(true);
        s.setUtilityThreads(1);
        try {
            withBundleLoader(() -> {
                s.init();
                s.start();
                return null;
            });
        } catch (Exception e) {
            throw new HaException("cannot start Tomcat: " + e.getMessage(), e);
        }
        server = s;
    }

    /** @return the running server, for a service to attach itself to */
    StandardServer server() {
        if (server == null) {
            throw new IllegalStateException("Tomcat is not started");
        }
        return server;
    }

    /** Records a service that already started on {@link #server()}. */
    void add(StandardService service) {
        server.addService(service);
    }

    /**
     * Stops and removes a service: its connectors pause, its contexts wait for running requests
     * (bounded by Tomcat's unloadDelay), then its sockets close.
     */
    void remove(StandardService service) throws Exception {
        withBundleLoader(() -> {
            server.removeService(service);
            service.destroy();
            return null;
        });
    }

    /** Stops and destroys the server; the services still in it go with it. */
    void destroy() {
        StandardServer s = server;
        server = null;
        if (s == null) {
            return;
        }
        try {
            withBundleLoader(() -> {
                s.stop();
                s.destroy();
                return null;
            });
        } catch (Exception e) {
            events.warn("Tomcat did not stop cleanly: " + e.getMessage());
        }
    }

    static ClassLoader loader() {
        return EmbeddedTomcat.class.getClassLoader();
    }

    /**
     * Runs Tomcat's lifecycle with this bundle's class loader as the context loader: Tomcat loads its
     * protocol handlers and services through it, and in OSGi the caller's loader cannot see them.
     */
    static <T> T withBundleLoader(Callable<T> action) throws Exception {
        Thread t = Thread.currentThread();
        ClassLoader previous = t.getContextClassLoader();
        t.setContextClassLoader(loader());
        try {
            return action.call();
        } finally {
            t.setContextClassLoader(previous);
        }
    }

    static String rootMessage(Throwable t) {
        Throwable root = t;
        for (int i = 0; i < 32 && root.getCause() != null && root.getCause() != root; i++) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
