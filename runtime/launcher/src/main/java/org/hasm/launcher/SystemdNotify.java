package org.hasm.launcher;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import java.util.function.Consumer;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * Tells systemd how the SCM is doing ({@code sd_notify}): when systemd starts hasm as a
 * {@code Type=notify} service it names a datagram socket in {@code NOTIFY_SOCKET}, and this sends
 * {@code READY=1}, {@code STATUS=...}, {@code WATCHDOG=1} and {@code STOPPING=1} there, one datagram
 * each, as systemd's own clients do. The JDK sends no AF_UNIX datagrams, so the three libc calls
 * ({@code socket}, {@code sendto}, {@code close}) go through JNA; a socket whose name starts with
 * {@code @} is in the abstract namespace.
 *
 * <p>The launcher offers it to the framework as a {@code Consumer<String>} with the service property
 * {@code hasm.launcher=notify} (and {@value #WATCHDOG_PROPERTY}, the watchdog's period in
 * microseconds, when systemd set one for this process): the controller says when the SCM is ready,
 * what its state is, and pings the watchdog from its own thread, so that a controller that hangs
 * is killed and restarted by systemd, and the peer takes over meanwhile. The launcher itself says
 * {@code STOPPING=1} when a stop begins.
 *
 * <p>A message that cannot be sent is reported once on stderr and never stops the SCM.
 */
final class SystemdNotify implements Consumer<String> {
    static final String SOCKET_ENV = "NOTIFY_SOCKET";
    /**
     * The system properties {@code bin/hasm} passes systemd's variables in, having removed them from the
     * JVM's environment: no process the SCM starts may inherit the socket (smbd, systemd-aware, would
     * say READY=1 there for the SCM). The variables themselves are read when the properties are absent
     * (the launcher started without bin/hasm).
     */
    static final String SOCKET_PROPERTY = "hasm.notify.socket";
    static final String WATCHDOG_USEC_PROPERTY = "hasm.notify.watchdog.usec";
    static final String WATCHDOG_PID_PROPERTY = "hasm.notify.watchdog.pid";
    static final String WATCHDOG_USEC_ENV = "WATCHDOG_USEC";
    static final String WATCHDOG_PID_ENV = "WATCHDOG_PID";
    /** Service property: the watchdog period systemd expects pings within, in microseconds. */
    static final String WATCHDOG_PROPERTY = "hasm.watchdog.usec";
    static final String SERVICE_VALUE = "notify";

    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int MSG_NOSIGNAL = 0x4000;
    /** sun_path's size in struct sockaddr_un on Linux. */
    private static final int PATH_MAX = 108;

    /** The three libc functions sd_notify needs. */
    interface LibC extends Library {
        int socket(int domain, int type, int protocol);

        long sendto(int fd, byte[] buffer, long length, int flags, byte[] address, int addressLength);

        int close(int fd);
    }

    private final String socket;
    private final byte[] address;
    private final long watchdogUsec;
    private final java.io.PrintStream err;
    private volatile LibC libc;
    private volatile boolean failedOnce;

    private SystemdNotify(String socket, long watchdogUsec, java.io.PrintStream err) {
        this.socket = socket;
        this.address = address(socket);
        this.watchdogUsec = watchdogUsec;
        this.err = err;
    }

    /**
     * @param property a system property of the JVM ({@value #SOCKET_PROPERTY}, ...), or null; they win
     * @param env the environment ({@value #SOCKET_ENV}, ...)
     * @return the notifier systemd asked for, or {@code null}
     * @throws LaunchException if the socket is set to something that is no socket name
     */
    static SystemdNotify from(java.util.function.Function<String, String> property, Map<String, String> env,
            java.io.PrintStream err) throws LaunchException {
        String given = property.apply(SOCKET_PROPERTY);
        if (given != null && !given.isEmpty()) {
            Map<String, String> passed = new java.util.HashMap<>();
            passed.put(SOCKET_ENV, given);
            putIfSet(passed, WATCHDOG_USEC_ENV, property.apply(WATCHDOG_USEC_PROPERTY));
            putIfSet(passed, WATCHDOG_PID_ENV, property.apply(WATCHDOG_PID_PROPERTY));
            env = passed;
        }
        String socket = env.get(SOCKET_ENV);
        if (socket == null || socket.isEmpty()) {
            return null;
        }
        if (!(socket.startsWith("/") || socket.startsWith("@")) || socket.getBytes(StandardCharsets.UTF_8).length >= PATH_MAX) {
            throw new LaunchException(SOCKET_ENV + "=" + socket + ": not an absolute socket path or an @abstract name"
                    + " shorter than " + PATH_MAX + " bytes");
        }
        return new SystemdNotify(socket, watchdog(env), err);
    }

    private static void putIfSet(Map<String, String> m, String key, String value) {
        if (value != null && !value.isBlank()) {
            m.put(key, value);
        }
    }

    /**
     * @return the watchdog period in microseconds, 0 if none is set for this process: systemd sets
     *     {@code WATCHDOG_PID} to the service's main process, which is this JVM under {@code hasm run}
     *     and its parent, the loop, under {@code hasm supervise}; any other process must not ping
     */
    static long watchdog(Map<String, String> env) {
        String usec = env.get(WATCHDOG_USEC_ENV);
        if (usec == null) {
            return 0;
        }
        String pid = env.get(WATCHDOG_PID_ENV);
        ProcessHandle self = ProcessHandle.current();
        if (pid != null && !pid.isBlank() && !pid.strip().equals(Long.toString(self.pid()))
                && !pid.strip().equals(self.parent().map(p -> Long.toString(p.pid())).orElse(""))) {
            return 0;
        }
        try {
            long n = Long.parseLong(usec.strip());
            return n > 0 ? n : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    long watchdogUsec() {
        return watchdogUsec;
    }

    /* struct sockaddr_un: a 2-byte family (little-endian on every Linux JNA runs on here), then the path */
    static byte[] address(String socket) {
        byte[] path = socket.getBytes(StandardCharsets.UTF_8);
        boolean abstractName = path[0] == '@';
        // a file path ends with its NUL; an abstract name is exactly its bytes after the leading NUL
        byte[] a = new byte[2 + path.length + (abstractName ? 0 : 1)];
        a[0] = (byte) AF_UNIX;
        a[1] = 0;
        System.arraycopy(path, 0, a, 2, path.length);
        if (abstractName) {
            a[2] = 0;
        }
        return a;
    }

    /**
     * Sends one message ({@code "READY=1"}, {@code "STATUS=..."}; several lines for several fields).
     * Never throws: a failure is said once on stderr.
     */
    @Override
    public void accept(String message) {
        try {
            send(message);
        } catch (IOException | RuntimeException | LinkageError e) {
            if (!failedOnce) {
                failedOnce = true;
                err.println("hasm: cannot notify systemd at " + socket + ": " + Runner.oneLine(e)
                        + " (said once; the SCM runs on)");
            }
        }
    }

    void send(String message) throws IOException {
        LibC c = libc;
        if (c == null) {
            c = Native.load("c", LibC.class);
            libc = c;
        }
        int fd = c.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new IOException("socket(AF_UNIX, SOCK_DGRAM) failed, errno " + Native.getLastError());
        }
        try {
            byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
            long sent = c.sendto(fd, bytes, bytes.length, MSG_NOSIGNAL, address, address.length);
            if (sent != bytes.length) {
                throw new IOException("sendto " + socket + " failed, errno " + Native.getLastError());
            }
        } finally {
            c.close(fd);
        }
    }

    /** Offers this to the controller in the framework of {@code context}; the registration goes with it. */
    ServiceRegistration<?> register(BundleContext context) {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(Relaunch.SERVICE_PROPERTY, SERVICE_VALUE);
        if (watchdogUsec > 0) {
            props.put(WATCHDOG_PROPERTY, watchdogUsec);
        }
        return context.registerService(Consumer.class, this, props);
    }
}
