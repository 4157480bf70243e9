package org.hasm.nas.http.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.hasm.spi.storage.Volume;

/**
 * The module's {@code test()}: one scratch export, on 127.0.0.1 at a port the system picks, served by
 * the same code as a personality's (its own Tomcat service, connector, threads, WebDAV servlet and
 * durable write), and sent a PUT, a GET, a PROPFIND and a DELETE over a socket. It proves that this
 * SCM can serve before it says READY, and it loads and compiles the request path then: an SCM that
 * restarted (a distribution upgrade, a reboot) opens its personality at FAILBACK as fast as a warm
 * one, instead of spending the client's gap loading Tomcat's classes.
 *
 * <p>The export is a folder of the bundle's own data area, given to the export as a volume no other
 * SCM can own: nothing of the shared storage is touched. Thread safety: called under
 * {@link HttpServer}'s lock.
 */
final class SelfCheck {

    private static final String PERSONALITY = ".hasm-selfcheck";
    private static final String VOLUME = ".hasm-selfcheck";
    private static final String EXPORT = "check";
    private static final String LOOPBACK = "127.0.0.1";
    private static final int TIMEOUT_MS = 10_000;
    private static final int MAX_RESPONSE = 1 << 20;

    private SelfCheck() {
    }

    /**
     * @param folder a folder of this SCM's own (emptied first, removed after)
     * @throws ServicePlan.NotServable naming the request that did not get the expected answer
     */
    static void run(EmbeddedTomcat tomcat, Path folder, HttpSettings settings, Events events,
            DurableWrite.ChannelOpener opener) throws ServicePlan.NotServable {
        try {
            delete(folder);
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new ServicePlan.NotServable("self-check: cannot prepare " + folder + ": " + e.getMessage(), e);
        }
        Path root;
        try {
            root = folder.toRealPath();
        } catch (IOException e) {
            throw new ServicePlan.NotServable("self-check: " + folder + ": " + e.getMessage(), e);
        }
        Volume scratch = scratch(root);
        ServicePlan plan = new ServicePlan(PERSONALITY, List.of(LOOPBACK), 0,
                List.of(new ServicePlan.ExportPlan(EXPORT, VOLUME, root, root, false)));
        PersonalityService service = PersonalityService.open(tomcat, plan, settings,
                name -> VOLUME.equals(name) ? scratch : null, events, opener, () -> null);
        try {
            int port = service.localPort(LOOPBACK);
            byte[] body = new byte[4096];
            for (int i = 0; i < body.length; i++) {
                body[i] = (byte) (i * 31 + 7);
            }
            String file = "/" + EXPORT + "/probe.bin";
            expect(port, "PUT", file, body, "", 201, null);
            expect(port, "GET", file, null, "", 200, body);
            expect(port, "PROPFIND", "/" + EXPORT + "/", null, "Depth: 1\r\n", 207, null);
            expect(port, "DELETE", file, null, "", 204, null);
        } finally {
            service.close(tomcat);
            try {
                delete(folder);
            } catch (IOException e) {
                events.warn("self-check: cannot remove " + folder + ": " + e.getMessage());
            }
        }
    }

    private static void expect(int port, String method, String path, byte[] body, String headers, int status,
            byte[] expected) throws ServicePlan.NotServable {
        String what = "self-check: " + method + " " + path + " on " + LOOPBACK + ":" + port;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getByName(LOOPBACK), port), TIMEOUT_MS);
            s.setSoTimeout(TIMEOUT_MS);
            OutputStream out = s.getOutputStream();
            String head = method + " " + path + " HTTP/1.1\r\nHost: " + LOOPBACK + ":" + port + "\r\n" + headers
                    + "Content-Length: " + (body == null ? 0 : body.length) + "\r\nConnection: close\r\n\r\n";
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            if (body != null) {
                out.write(body);
            }
            out.flush();
            byte[] response = readAll(s.getInputStream());
            int end = headerEnd(response);
            if (end < 0) {
                throw new ServicePlan.NotServable(what + ": no complete answer (" + response.length + " bytes)");
            }
            String header = new String(response, 0, end, StandardCharsets.ISO_8859_1);
            String[] statusLine = header.split("\r\n", 2)[0].split(" ", 3);
            int got = statusLine.length > 1 ? parse(statusLine[1]) : -1;
            if (got != status) {
                throw new ServicePlan.NotServable(what + ": answered '" + header.split("\r\n", 2)[0] + "', not "
                        + status);
            }
            if (expected != null && !Arrays.equals(expected, Arrays.copyOfRange(response, end + 4, response.length))) {
                throw new ServicePlan.NotServable(what + ": the body read back differs from the one written");
            }
        } catch (IOException e) {
            throw new ServicePlan.NotServable(what + ": " + e, e);
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        // bounded: MAX_RESPONSE bytes, and the socket's timeout for each read
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
            all.write(buffer, 0, n);
            if (all.size() > MAX_RESPONSE) {
                throw new IOException("answer longer than " + MAX_RESPONSE + " bytes");
            }
        }
        return all.toByteArray();
    }

    private static int headerEnd(byte[] r) {
        for (int i = 0; i + 3 < r.length; i++) {
            if (r[i] == '\r' && r[i + 1] == '\n' && r[i + 2] == '\r' && r[i + 3] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static int parse(String code) {
        try {
            return Integer.parseInt(code.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void delete(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> all = Files.walk(folder)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * A folder of this SCM's own as a {@link Volume}: owned by this SCM alone and for good, so fencing it
     * always succeeds. A proxy, not a class of this bundle: {@code Volume} is hasm's to implement (a
     * provider type), and this bundle stays a consumer of the storage SPI. A method a later SPI adds
     * fails the self-check with its name instead of answering something made up.
     */
    private static Volume scratch(Path root) {
        InvocationHandler h = (proxy, method, args) -> switch (method.getName()) {
            case "name" -> VOLUME;
            case "root" -> root;
            case "epoch" -> 1L;
            case "owned" -> true;
            case "fence" -> null;
            case "toString" -> "self-check folder " + root;
            case "hashCode" -> System.identityHashCode(proxy);
            case "equals" -> proxy == args[0];
            default -> {
                if (method.isDefault()) {
                    yield InvocationHandler.invokeDefault(proxy, method, args);
                }
                throw new UnsupportedOperationException("the self-check's folder has no " + method.getName());
            }
        };
        return (Volume) Proxy.newProxyInstance(Volume.class.getClassLoader(), new Class<?>[] {Volume.class}, h);
    }
}
