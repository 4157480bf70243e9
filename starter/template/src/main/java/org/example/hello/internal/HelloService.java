package org.example.hello.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.hasm.spi.storage.DurableFiles;
import org.hasm.spi.storage.FencedException;
import org.hasm.spi.storage.Volume;
import org.hasm.spi.storage.VolumeManager;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * An HA service on hasm: on every personality this SCM serves, it listens at {@code port} on the
 * personality's addresses and answers each connection with one line,
 * {@code hello: personality A on scm-a (MASTER, DAC), visit 3}. The visits are counted in the
 * service's private folder on the personality's first volume, so the count goes on where it was
 * after a takeover.
 *
 * <p>hasm does the HA part: {@link #opMode} says which personalities to serve (after a takeover, the
 * peer's too; after a failback, no longer); {@link AddressReadiness} says when their addresses can be
 * listened on; {@link DurableFiles} writes so that a write this SCM may no longer make is refused.
 */
@Component(configurationPid = HelloService.PID)
@HaModuleProperties(name = HelloService.NAME, tier = Tier.SERVICE, rank = 100)
@Designate(ocd = HelloService.Config.class)
public class HelloService implements HaModule {
    static final String NAME = "hello";
    static final String PID = "org.example.hello";

    @ObjectClassDefinition(id = PID, name = "hello service", description = "Answers one line on every served personality.")
    @interface Config {
        @AttributeDefinition(name = "port", description = "The TCP port at each address of every personality served.",
                min = "1", max = "65535")
        int port() default 7790;
    }

    private final int port;
    private final AddressReadiness readiness;
    private final VolumeManager volumes;
    private final Logger logger;

    // The controller never calls a module twice at once; the lock guards against DS deactivation
    // racing a call. Guarded by this: the open personalities, by name.
    private final Map<String, Listener> listeners = new HashMap<>();
    // Read by the listeners' threads.
    private volatile HaContext context;
    private volatile String role = "";

    @Activate
    public HelloService(Config config, @Reference AddressReadiness readiness, @Reference VolumeManager volumes,
            @Reference(service = LoggerFactory.class) Logger logger) {
        this(config.port(), readiness, volumes, logger);
    }

    /** Outside a framework: the contract test creates it so. */
    HelloService(int port, AddressReadiness readiness, VolumeManager volumes, Logger logger) {
        this.port = port;
        this.readiness = readiness;
        this.volumes = volumes;
        this.logger = logger;
    }

    @Deactivate
    synchronized void deactivate() {
        closeAll(); // if the controller never got to stop us
    }

    @Override
    public synchronized void init(HaContext ctx) {
        this.context = ctx;
        logger.info("init on {}", ctx.scm());
    }

    @Override
    public synchronized void test() throws HaException {
        if (port < 1 || port > 65535) {
            throw new HaException("port " + port + " is not a port (1..65535)");
        }
    }

    @Override
    public synchronized void opMode(OpMode mode, SysConfig config) {
        role = mode + ", " + config;
        Map<String, Personality> wanted = new HashMap<>();
        context.personalities().forEach(p -> wanted.put(p.name(), p));
        // give away first: a personality handed back is closed before anything new is opened
        listeners.entrySet().removeIf(e -> {
            if (wanted.containsKey(e.getKey())) {
                return false;
            }
            e.getValue().close();
            return true;
        });
        for (Personality p : wanted.values()) {
            if (!listeners.containsKey(p.name())) {
                Listener l = new Listener(p);
                listeners.put(p.name(), l);
                l.start();
            }
        }
        logger.info("opMode({}): serving {}", role, listeners.keySet());
    }

    @Override
    public synchronized void stop() {
        closeAll();
        logger.info("stop");
    }

    @Override
    public synchronized void shutDown() {
        closeAll();
        context = null;
    }

    private void closeAll() {
        listeners.values().forEach(Listener::close);
        listeners.clear();
    }

    /** @return the answer to one visit of the personality: counted on its volume, or why not */
    private String visit(Personality p) {
        HaContext ctx = context;
        if (ctx == null || p.volumes().isEmpty()) {
            return NAME + ": personality " + p.name() + " has no volume to count visits on";
        }
        Volume v = volumes.volume(p.volumes().get(0));
        if (v == null) {
            return NAME + ": personality " + p.name() + " is not served here";
        }
        try {
            Path file = DurableFiles.privateFolder(v, ctx.moduleName()).resolve("visits");
            long visits = Files.exists(file) ? Long.parseLong(Files.readString(file).strip()) + 1 : 1;
            DurableFiles.write(v, file, Long.toString(visits).getBytes(StandardCharsets.UTF_8));
            return NAME + ": personality " + p.name() + " on " + ctx.scm() + " (" + role + "), visit " + visits;
        } catch (FencedException e) {
            return NAME + ": personality " + p.name() + " is no longer served here: " + e.getMessage();
        } catch (IOException | NumberFormatException e) {
            logger.warn("personality {}: cannot count a visit: {}", p.name(), e.toString());
            return NAME + ": personality " + p.name() + ": cannot count this visit: " + e.getMessage();
        }
    }

    /** One personality's sockets, opened once hasm finds its addresses usable, closed when it is given away. */
    private final class Listener {
        private final Personality personality;
        // Guarded by this listener: opMode's thread and hasm's readiness thread both use them.
        private final List<ServerSocket> sockets = new ArrayList<>();
        private final List<Thread> threads = new ArrayList<>();
        private AddressWait wait;
        private boolean closed;
        // Held while a visit is counted (the count is read, then written): one at a time per personality.
        private final Object counting = new Object();

        Listener(Personality personality) {
            this.personality = personality;
        }

        synchronized void start() {
            wait = readiness.whenUsable(personality, port);
            // runs here if usable now, else on hasm's readiness thread: keep it short
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
                    Thread t = new Thread(() -> serve(socket), NAME + "-" + personality.name() + "-" + address);
                    t.setDaemon(true);
                    t.start();
                    threads.add(t);
                }
            } catch (IOException e) {
                logger.warn("personality {}: cannot listen at port {}: {}", personality.name(), port, e.toString());
                closeSockets();
            }
        }

        private void serve(ServerSocket socket) {
            while (!socket.isClosed()) {
                try (Socket s = socket.accept(); OutputStream out = s.getOutputStream()) {
                    String answer;
                    synchronized (counting) {
                        answer = visit(personality);
                    }
                    out.write((answer + "\n").getBytes(StandardCharsets.UTF_8));
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
            for (ServerSocket s : sockets) {
                try {
                    s.close();
                } catch (IOException e) {
                    // closing anyway
                }
            }
            sockets.clear();
        }
    }
}
