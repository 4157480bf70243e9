package org.hasm.itests.ops;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What systemd listens on for {@code sd_notify}: an AF_UNIX datagram socket bound to a path, each
 * datagram one notification ({@code READY=1}, {@code STATUS=...}, several fields on several lines).
 * The JDK cannot bind one, so libc's calls go through JNA. Non-blocking; {@link #poll} drains it.
 */
final class NotifySocket implements AutoCloseable {
    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_NONBLOCK = 0x800;
    private static final int SOCK_CLOEXEC = 0x80000;

    interface LibC extends Library {
        int socket(int domain, int type, int protocol);

        int bind(int fd, byte[] address, int length);

        long recv(int fd, byte[] buffer, long length, int flags);

        int close(int fd);
    }

    private static final LibC C = Native.load("c", LibC.class);

    private final Path path;
    private final int fd;
    private final List<String> received = new ArrayList<>();

    private NotifySocket(Path path, int fd) {
        this.path = path;
        this.fd = fd;
    }

    static NotifySocket bind(Path path) throws IOException {
        byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
        if (name.length >= 108) {
            throw new IOException(path + ": longer than a socket path may be");
        }
        int fd = C.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new IOException("socket: errno " + Native.getLastError());
        }
        byte[] address = new byte[2 + name.length + 1];
        address[0] = AF_UNIX;
        System.arraycopy(name, 0, address, 2, name.length);
        if (C.bind(fd, address, address.length) != 0) {
            int errno = Native.getLastError();
            C.close(fd);
            throw new IOException("bind " + path + ": errno " + errno);
        }
        return new NotifySocket(path, fd);
    }

    Path path() {
        return path;
    }

    /** @return every notification received so far, oldest first */
    synchronized List<String> poll() {
        byte[] buffer = new byte[4096];
        for (int i = 0; i < 10_000; i++) { // bounded: what arrived since the last poll
            long n = C.recv(fd, buffer, buffer.length, 0);
            if (n < 0) {
                break; // EAGAIN: nothing more now
            }
            received.add(new String(buffer, 0, (int) n, StandardCharsets.UTF_8));
        }
        return List.copyOf(received);
    }

    /** Polls until a notification contains {@code text}; bounded by the timeout. */
    String await(String what, String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (String m : poll()) {
                if (m.contains(text)) {
                    return m;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": no notification with '" + text + "' within " + timeout.toSeconds()
                        + " s; received " + poll());
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    @Override
    public void close() throws IOException {
        C.close(fd);
        Files.deleteIfExists(path);
    }
}
