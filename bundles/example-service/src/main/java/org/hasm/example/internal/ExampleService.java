package org.hasm.example.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
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
import org.hasm.spi.address.AddressReadiness;
import org.hasm.spi.address.AddressWait;
import org.hasm.spi.node.Node;
import org.hasm.spi.node.PersonalityKeys;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
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
 * lets go of it. hasm's {@link AddressReadiness} says when a personality's addresses can be
 * listened on: at once, usually; after a takeover from a paused SCM (which keeps its sockets on
 * loopback until it wakes and lets go), once they are free. The DS configuration PID is
 * {@code org.hasm.example}; its properties (the greeting, or {@code hasm.module.rank}) change in place.
 */
@Component(configurationPid = ExampleService.PID)
@HaModuleProperties(name = "example", tier = Tier.SERVICE, rank = 100)
@Designate(ocd = ExampleService.Config.class)
public class ExampleService implements HaModule {
    static final String PID = "org.hasm.example";
    /** The personality property that gives the port to listen on. */
    static final String PORT = "example.port";
    /** The personality keys it reads, judged the same way by hasm check (ExampleCheck), test() and opMode. */
    static final PersonalityKeys KEYS = PersonalityKeys.of(PersonalityKeys.port(PORT));

    @ObjectClassDefinition(id = PID, name = "hasm example service", description = "Says hello on each served personality.")
    @interface Config {
        @AttributeDefinition(name = "greeting", description = "Appended to every answer.")
        String greeting() default "hello";
    }

    private final String version;
    private final Logger logger;
    private volatile String greeting;

    @Reference
    private AddressReadiness readiness;

    // Every personality of the pair, for test(): the context names only those served, none before the first opMode.
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile Node node;

    // The controller never calls a module twice at once; the lock guards against DS deactivation
    // racing a lifecycle call. Guarded by this: the listeners, by personality.
    private final Map<String, Listener> listeners = new HashMap<>();
    // Read by the listeners' threads.
    private volatile HaContext context;
    private volatile String scm;
    private volatile OpMode mode;
    private volatile SysConfig sysConfig;

    @Activate
    public ExampleService(BundleContext bundleContext, Config config,
            @Reference(name = "logger", service = LoggerFactory.class) Logger logger) {
        this.logger = logger;
        this.version = bundleContext.getBundle().getVersion().toString();
        this.greeting = config.greeting();
    }

    /** Outside a framework: hasm's contract kit creates it so in this bundle's tests. */
    ExampleService(String version, String greeting, Logger logger, AddressReadiness readiness) {
        this.logger = logger;
        this.version = version;
        this.greeting = greeting;
        this.readiness = readiness;
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
        this.scm = ctx.scm();
        log("init: SCM " + ctx.scm() + ", configured " + ctx.configuredRole());
    }

    @Override
    public synchronized void test() throws HaException {
        // Self-test: every personality we may ever serve must name a usable port.
        Node n = node;
        KEYS.require(n == null ? context.personalities() : n.personalities());
        log("test passed");
    }

    @Override
    public synchronized void opMode(OpMode newMode, SysConfig config) throws HaException {
        this.mode = newMode;
        this.sysConfig = config;
        Map<String, Listener> wanted = new HashMap<>();
        for (Personality p : context.personalities()) {
            Integer port = port(p);
            if (port != null) {
                wanted.put(p.name(), new Listener(p, port));
            }
        }
        // Give away first, then take on: a personality handed back is released before anything new binds.
        listeners.entrySet().removeIf(e -> {
            if (!e.getValue().sameAs(wanted.get(e.getKey()))) {
                e.getValue().close();
                return true;
            }
            return false;
        });
        for (Listener l : wanted.values()) {
            if (!listeners.containsKey(l.personality.name())) {
                l.start();
                listeners.put(l.personality.name(), l);
            }
        }
        log("opMode(" + newMode + ", " + config + "): serving " + listeners.values());
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
        return "hasm example: personality " + p.name() + " on " + scm + " (" + mode + ", " + sysConfig + "), version "
                + version + ", greeting " + greeting + "\n";
    }

    private void closeAll() {
        listeners.values().forEach(Listener::close);
        listeners.clear();
    }

    private static Integer port(Personality p) throws HaException {
        long port = KEYS.number(p, PORT);
        return port < 0 ? null : (int) port;
    }

    private void event(boolean problem, String message) {
        if (problem) {
            logger.warn(message);
        } else {
            logger.info(message);
        }
        publish("ADDRESS", message);
    }

    private void log(String message) {
        logger.info(message);
        // and as an event, for whoever follows the module's life on the event bus
        publish("CALL", message);
    }

    private void publish(String event, String message) {
        HaContext ctx = context;
        if (ctx != null) {
            ctx.publish(event, Map.of("message", message));
        }
    }

    /**
     * The sockets of one personality: one per address at its port, each answered by a thread of its
     * own. hasm says when the addresses can be listened on; the sockets are opened then and closed
     * when the personality is given away.
     */
    private final class Listener {
        /** How often in a row a bind may fail after hasm found the addresses usable (another process was quicker). */
        static final int BIND_TRIES = 3;

        private final Personality personality;
        private final int port;
        // Guarded by this listener: opMode's thread and hasm's readiness thread both use them.
        private AddressWait wait;
        private int failures;
        private final List<ServerSocket> sockets = new ArrayList<>();
        private final List<Thread> threads = new ArrayList<>();
        private boolean closed;

        Listener(Personality personality, int port) {
            this.personality = personality;
            this.port = port;
        }

        /** @return whether the other listener serves the same addresses at the same port, and this one still can */
        synchronized boolean sameAs(Listener other) {
            return other != null && other.port == port && other.personality.addresses().equals(personality.addresses())
                    && failures < BIND_TRIES;
        }

        /** Listens as soon as hasm finds the addresses usable: at once, or once their holder lets go. */
        synchronized void start() {
            wait = readiness.whenUsable(personality, port);
            if (wait.state() == AddressWait.State.WAITING) {
                event(true, "personality " + personality.name() + " waits for its address: " + wait.reason());
            }
            // Runs here if usable now, else on hasm's readiness thread: keep it short (bind, start threads).
            wait.usable().thenRun(this::listen);
        }

        private synchronized void listen() {
            if (closed) {
                return;
            }
            try {
                for (String address : personality.addresses()) {
                    ServerSocket socket = new ServerSocket();
                    sockets.add(socket);
                    socket.setReuseAddress(true);
                    socket.bind(new InetSocketAddress(InetAddress.getByName(address), port));
                    Thread t = new Thread(() -> serve(socket), "hasm-example-" + address + ":" + port);
                    t.setDaemon(true);
                    t.start();
                    threads.add(t);
                }
                event(false, "personality " + personality.name() + ": listening on " + this);
            } catch (IOException e) {
                // Taken since hasm looked: let go of what was bound, and ask again (a few times).
                closeSockets();
                event(true, "personality " + personality.name() + ": cannot listen on " + this + ": " + e.getMessage());
                if (++failures < BIND_TRIES) {
                    start();
                }
            }
        }

        private void serve(ServerSocket socket) {
            while (!socket.isClosed()) {
                try (Socket s = socket.accept(); OutputStream out = s.getOutputStream()) {
                    out.write(answer(personality).getBytes(StandardCharsets.UTF_8));
                } catch (SocketException e) {
                    return; // closed
                } catch (IOException e) {
                    // one client's trouble; keep serving the others
                }
            }
        }

        void close() {
            List<Thread> ending;
            synchronized (this) {
                closed = true;
                if (wait != null) {
                    wait.cancel();
                }
                closeSockets();
                ending = List.copyOf(threads);
                threads.clear();
            }
            for (Thread t : ending) {
                try {
                    t.join(TimeUnit.SECONDS.toMillis(2)); // accept() ended with the close
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }

        private void closeSockets() {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException e) {
                    // closing anyway
                }
            }
            sockets.clear();
        }

        @Override
        public synchronized String toString() {
            List<String> endpoints = new ArrayList<>();
            personality.addresses().forEach(a -> endpoints.add(a + ":" + port));
            return String.join(", ", endpoints) + (sockets.isEmpty() ? " (waiting)" : "");
        }
    }
}
