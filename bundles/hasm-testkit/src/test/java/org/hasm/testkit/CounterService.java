package org.hasm.testkit;

import java.io.IOException;
import java.io.InputStream;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.hasm.spi.HaContext;
import org.hasm.spi.HaException;
import org.hasm.spi.HaModule;
import org.hasm.spi.OpMode;
import org.hasm.spi.Personality;
import org.hasm.spi.SysConfig;
import org.hasm.spi.address.AddressWait;
import org.hasm.spi.storage.DurableFiles;
import org.hasm.spi.storage.Volume;

/**
 * A small service for the kit's own tests: on each personality it serves it listens at {@code counter.port}
 * and answers each connection with the number of connections so far, kept in its private folder on the
 * personality's volume. Correct unless given a fault, each of which breaks one rule of the contract the
 * way real services get it wrong.
 */
final class CounterService implements HaModule {
    static final String PORT = "counter.port";

    enum Fault {
        /** None: keeps the contract. */
        NONE,
        /** Forgets to close a personality's socket when it gives the personality away. */
        KEEPS_PORT,
        /** Its takeover (opMode DEGRADED) waits for something that never comes. */
        BLOCKS_IN_TAKEOVER,
        /** Writes its counter with a plain write: no fence, so also after the peer took the volume over. */
        WRITES_WITHOUT_FENCE,
        /** Binds every served personality again at every opMode, without looking at what it serves already. */
        BINDS_AGAIN
    }

    private final ContractKit.Kit kit;
    private final Fault fault;
    private final CountDownLatch never = new CountDownLatch(1);
    // Guarded by this: the open listeners by personality, and the sockets forgotten on purpose.
    private final Map<String, Listener> listeners = new HashMap<>();
    private final List<ServerSocket> forgotten = new ArrayList<>();
    private volatile HaContext context;

    CounterService(ContractKit.Kit kit, Fault fault) {
        this.kit = kit;
        this.fault = fault;
    }

    @Override
    public synchronized void init(HaContext ctx) {
        this.context = ctx;
    }

    @Override
    public synchronized void test() throws HaException {
        for (Personality p : context.personalities()) {
            port(p);
        }
    }

    @Override
    public synchronized void opMode(OpMode mode, SysConfig config) throws HaException {
        if (fault == Fault.BLOCKS_IN_TAKEOVER && config == SysConfig.DEGRADED) {
            try {
                never.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HaException("interrupted while waiting");
            }
        }
        Map<String, Personality> wanted = new HashMap<>();
        context.personalities().forEach(p -> wanted.put(p.name(), p));
        listeners.entrySet().removeIf(e -> {
            if (wanted.containsKey(e.getKey())) {
                return false;
            }
            if (fault == Fault.KEEPS_PORT) {
                forgotten.addAll(e.getValue().sockets);
                e.getValue().sockets.clear();
                e.getValue().threads.clear(); // they serve the forgotten sockets until shutDown
            }
            e.getValue().close();
            return true;
        });
        for (Personality p : wanted.values()) {
            if (fault == Fault.BINDS_AGAIN) {
                Listener l = new Listener(p, port(p));
                try {
                    l.listen();
                } catch (IOException e) {
                    throw new HaException("personality " + p.name() + ": cannot listen: " + e.getMessage(), e);
                }
                listeners.put(p.name(), l);
            } else if (!listeners.containsKey(p.name())) {
                Listener l = new Listener(p, port(p));
                listeners.put(p.name(), l);
                l.start();
            }
        }
    }

    @Override
    public synchronized void stop() {
        listeners.values().forEach(Listener::close);
        listeners.clear();
    }

    @Override
    public synchronized void shutDown() {
        stop();
        for (ServerSocket s : forgotten) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        forgotten.clear();
        never.countDown();
    }

    private static int port(Personality p) throws HaException {
        String raw = p.properties().get(PORT);
        try {
            return Integer.parseInt(raw);
        } catch (NumberFormatException e) {
            throw new HaException("personality " + p.name() + ": " + PORT + ": '" + raw + "' is not a port");
        }
    }

    /** Counts a connection in the personality's volume; the answer is the new count, or why not. */
    private String count(Personality p) {
        Volume v = kit.volumes().volume(p.volumes().get(0));
        if (v == null) {
            return "refused: volume " + p.volumes().get(0) + " is not served here";
        }
        try {
            Path file = DurableFiles.privateFolder(v, context.moduleName()).resolve("count");
            long n = Files.exists(file) ? Long.parseLong(Files.readString(file).strip()) + 1 : 1;
            byte[] bytes = Long.toString(n).getBytes(StandardCharsets.UTF_8);
            if (fault == Fault.WRITES_WITHOUT_FENCE) {
                Files.write(file, bytes);
            } else {
                DurableFiles.write(v, file, bytes);
            }
            return Long.toString(n);
        } catch (IOException e) {
            return "refused: " + e.getMessage();
        }
    }

    /** Asks the service on the personality's address; returns its answer, which must be a count. */
    static long ask(Personality p, int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getByName(p.addresses().get(0)), port), 1000);
            s.setSoTimeout(2000);
            InputStream in = s.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
            try {
                return Long.parseLong(answer);
            } catch (NumberFormatException e) {
                throw new IOException(p.name() + " answered '" + answer + "'");
            }
        }
    }

    private final class Listener {
        final Personality personality;
        final int port;
        final List<ServerSocket> sockets = new ArrayList<>();
        final List<Thread> threads = new ArrayList<>();
        AddressWait wait;

        Listener(Personality personality, int port) {
            this.personality = personality;
            this.port = port;
        }

        void start() {
            wait = kit.readiness().whenUsable(personality, port);
            wait.usable().thenRun(() -> {
                synchronized (CounterService.this) {
                    if (listeners.get(personality.name()) == this) {
                        try {
                            listen();
                        } catch (IOException e) {
                            context.publish("NOT_SERVED", Map.of("personality", personality.name(), "why", e.getMessage()));
                        }
                    }
                }
            });
        }

        void listen() throws IOException {
            for (String address : personality.addresses()) {
                ServerSocket socket = new ServerSocket();
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress(InetAddress.getByName(address), port));
                sockets.add(socket);
                Thread t = new Thread(() -> serve(socket), "counter-" + address + ":" + port);
                t.setDaemon(true);
                t.start();
                threads.add(t);
            }
        }

        private void serve(ServerSocket socket) {
            while (!socket.isClosed()) {
                try (Socket s = socket.accept(); OutputStream out = s.getOutputStream()) {
                    out.write((count(personality) + "\n").getBytes(StandardCharsets.UTF_8));
                } catch (SocketException e) {
                    return;
                } catch (IOException e) {
                    // this client's trouble
                }
            }
        }

        void close() {
            if (wait != null) {
                wait.cancel();
            }
            for (ServerSocket s : sockets) {
                try {
                    s.close();
                } catch (IOException e) {
                    // closing anyway
                }
            }
            for (Thread t : threads) {
                try {
                    t.join(TimeUnit.SECONDS.toMillis(2));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
