package org.hasm.example.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.hasm.spi.HaContext;
import org.hasm.spi.HaException;
import org.hasm.spi.HaModule;
import org.hasm.spi.HaModuleProperties;
import org.hasm.spi.OpMode;
import org.hasm.spi.Personality;
import org.hasm.spi.SysConfig;
import org.hasm.spi.Tier;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * A service written only against the hasm SPI, to copy. For every personality this SCM serves
 * that has an {@code example.port} property, it listens on each of the personality's addresses at
 * that port and answers every connection with one line of text, then closes it:
 * {@code hasm example: personality A on scm-a (MASTER, DAC), version 1.0.0, greeting hello}.
 *
 * <p>The controller does the HA part: it calls {@link #opMode} with the personalities to serve,
 * so after a takeover the same code serves the peer's personality too, and after a failback it
 * lets go of it. The DS configuration PID is {@code org.hasm.example}; its properties
 * (the greeting, or {@code hasm.module.rank}) change in place.
 */
@Component(configurationPid = ExampleService.PID)
@HaModuleProperties(name = "example", tier = Tier.SERVICE, rank = 100)
@Designate(ocd = ExampleService.Config.class)
public class ExampleService implements HaModule {
    static final String PID = "org.hasm.example";
    /** The personality property that gives the port to listen on. */
    static final String PORT = "example.port";

    @ObjectClassDefinition(id = PID, name = "hasm example service", description = "Says hello on each served personality.")
    @interface Config {
        @AttributeDefinition(name = "greeting", description = "Appended to every answer.")
        String greeting() default "hello";
    }

    private final String version;
    private final Logger logger;
    private volatile String greeting;
    // The controller never calls a module twice at once; the lock guards against DS deactivation
    // racing a lifecycle call. Guarded by this.
    private final Map<String, Listener> listeners = new HashMap<>();
    private HaContext context;
    private OpMode mode;
    private SysConfig sysConfig;

    @Activate
    public ExampleService(BundleContext bundleContext, Config config,
            @Reference(name = "logger", service = LoggerFactory.class) Logger logger) {
        this.logger = logger;
        this.version = bundleContext.getBundle().getVersion().toString();
        this.greeting = config.greeting();
    }

    @Modified
    void modified(Config config) {
        greeting = config.greeting();
    }

    @Deactivate
    synchronized void deactivate() {
        closeAll(); // if the controller never got to stop us
    }

    @Override
    public synchronized void init(HaContext ctx) throws HaException {
        this.context = ctx;
        log("init: SCM " + ctx.scm() + ", configured " + ctx.configuredRole());
    }

    @Override
    public synchronized void test() throws HaException {
        // Self-test: every personality we may ever serve must name a usable port.
        for (Personality p : context.personalities()) {
            port(p);
        }
        log("test passed");
    }

    @Override
    public synchronized void opMode(OpMode newMode, SysConfig config) throws HaException {
        this.mode = newMode;
        this.sysConfig = config;
        Map<String, Personality> wanted = new HashMap<>();
        for (Personality p : context.personalities()) {
            Integer port = port(p);
            if (port == null) {
                continue;
            }
            for (String address : p.addresses()) {
                wanted.put(address + ":" + port, p);
            }
        }
        // Give away first, then take on: a personality handed back is released before anything new binds.
        listeners.entrySet().removeIf(e -> {
            if (!wanted.containsKey(e.getKey())) {
                e.getValue().close();
                return true;
            }
            return false;
        });
        for (Map.Entry<String, Personality> w : wanted.entrySet()) {
            if (!listeners.containsKey(w.getKey())) {
                listeners.put(w.getKey(), Listener.open(w.getValue(), w.getKey(), this::answer, this::event));
            }
        }
        log("opMode(" + newMode + ", " + config + "): serving " + listeners.keySet());
    }

    @Override
    public synchronized void stop() throws HaException {
        closeAll();
        log("stop");
    }

    @Override
    public synchronized void shutDown() throws HaException {
        closeAll();
        log("shutDown");
        context = null;
    }

    private String answer(Personality p) {
        HaContext ctx = context;
        return "hasm example: personality " + p.name() + " on " + (ctx == null ? "?" : ctx.scm()) + " (" + mode + ", "
                + sysConfig + "), version " + version + ", greeting " + greeting + "\n";
    }

    private void closeAll() {
        listeners.values().forEach(Listener::close);
        listeners.clear();
    }

    private static Integer port(Personality p) throws HaException {
        String raw = p.properties().get(PORT);
        if (raw == null) {
            return null;
        }
        try {
            int port = Integer.parseInt(raw.trim());
            if (port < 1 || port > 65535) {
                throw new NumberFormatException();
            }
            return port;
        } catch (NumberFormatException e) {
            throw new HaException("personality " + p.name() + ": " + PORT + "=" + raw + " is not a port number");
        }
    }

    private void event(boolean problem, String message) {
        if (problem) {
            logger.warn(message);
        } else {
            logger.info(message);
        }
        HaContext ctx = context;
        if (ctx != null) {
            ctx.publish("ADDRESS", Map.of("message", message));
        }
    }

    private void log(String message) {
        logger.info(message);
        // and as an event, for whoever follows the module's life on the event bus
        HaContext ctx = context;
        if (ctx != null) {
            ctx.publish("CALL", Map.of("message", message));
        }
    }

    /**
     * One listening socket and its accept thread. A socket address that is taken (on loopback, a
     * paused former owner keeps its sockets until it wakes and lets go, or dies) is not a failure of
     * {@code opMode}: the thread binds it as soon as it is free, retrying every {@link #RETRY_MS} ms
     * until then or until the listener is closed.
     */
    private static final class Listener {
        static final long RETRY_MS = 100;

        private final ServerSocket socket;
        private final Thread thread;

        private Listener(ServerSocket socket, Thread thread) {
            this.socket = socket;
            this.thread = thread;
        }

        static Listener open(Personality p, String key, java.util.function.Function<Personality, String> answer,
                java.util.function.BiConsumer<Boolean, String> events) throws HaException {
            int colon = key.lastIndexOf(':');
            String address = key.substring(0, colon);
            int port = Integer.parseInt(key.substring(colon + 1));
            InetSocketAddress at;
            ServerSocket ss;
            try {
                at = new InetSocketAddress(InetAddress.getByName(address), port);
                ss = new ServerSocket();
                ss.setReuseAddress(true);
            } catch (IOException e) {
                throw new HaException("personality " + p.name() + ": cannot listen on " + key + ": " + e.getMessage(), e);
            }
            boolean bound = bind(ss, at);
            if (!bound) {
                events.accept(true, "personality " + p.name() + ": " + key + " is taken; listening as soon as it is free");
            }
            Thread t = new Thread(() -> {
                if (bound || awaitBind(ss, at)) {
                    if (!bound) {
                        events.accept(false, "personality " + p.name() + ": listening on " + key + " now");
                    }
                    serve(ss, p, answer);
                }
            }, "hasm-example-" + key);
            t.setDaemon(true);
            t.start();
            return new Listener(ss, t);
        }

        /** @return whether the socket is bound; false if the address is taken for now */
        private static boolean bind(ServerSocket ss, InetSocketAddress at) throws HaException {
            try {
                ss.bind(at);
                return true;
            } catch (java.net.BindException e) {
                return false;
            } catch (IOException e) {
                throw new HaException("cannot listen on " + at + ": " + e.getMessage(), e);
            }
        }

        /** Retries the bind until it works or the socket is closed; @return whether it is bound */
        private static boolean awaitBind(ServerSocket ss, InetSocketAddress at) {
            while (!ss.isClosed()) {
                try {
                    ss.bind(at);
                    return true;
                } catch (IOException e) {
                    java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(RETRY_MS));
                }
            }
            return false;
        }

        private static void serve(ServerSocket ss, Personality p,
                java.util.function.Function<Personality, String> answer) {
            while (!ss.isClosed()) {
                try (Socket s = ss.accept(); OutputStream out = s.getOutputStream()) {
                    out.write(answer.apply(p).getBytes(StandardCharsets.UTF_8));
                } catch (SocketException e) {
                    return; // closed
                } catch (IOException e) {
                    // one client's trouble; keep serving the others
                }
            }
        }

        void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
            thread.interrupt(); // ends a wait for the address at once; accept() ends with the close
            try {
                thread.join(TimeUnit.SECONDS.toMillis(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
