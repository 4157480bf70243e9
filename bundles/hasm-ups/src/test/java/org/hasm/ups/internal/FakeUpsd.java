package org.hasm.ups.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A TCP server on loopback that answers upsd's protocol from a table of request → answer, the answers
 * captured from a real upsd 2.8.0 with the dummy-ups driver. One connection at a time, on a daemon
 * thread; {@link #close()} ends it. Requests it has no answer for get {@code ERR UNKNOWN-COMMAND}, as
 * upsd answers them.
 */
final class FakeUpsd implements AutoCloseable {

    /** {@code upsc testups} of the captured upsd: {@code LIST VAR testups} as it answered. */
    static final String LIST_VAR = String.join("\n",
            "BEGIN LIST VAR testups",
            "VAR testups battery.charge \"100\"",
            "VAR testups device.mfr \"Dummy Manufacturer\"",
            "VAR testups device.model \"Dummy UPS\"",
            "VAR testups device.type \"ups\"",
            "VAR testups driver.name \"dummy-ups\"",
            "VAR testups driver.parameter.mode \"dummy-once\"",
            "VAR testups driver.parameter.pollinterval \"2\"",
            "VAR testups driver.parameter.port \"/tmp/nutx/ups.dev\"",
            "VAR testups driver.parameter.synchronous \"auto\"",
            "VAR testups driver.version \"2.8.0\"",
            "VAR testups driver.version.internal \"0.15\"",
            "VAR testups ups.mfr \"Dummy Manufacturer\"",
            "VAR testups ups.model \"Dummy UPS\"",
            "VAR testups ups.status \"OL\"",
            "END LIST VAR testups");

    private final ServerSocket server;
    private final Thread thread;
    final Map<String, String> answers = new ConcurrentHashMap<>();
    final List<String> requests = java.util.Collections.synchronizedList(new ArrayList<>());
    /** When set, computes the answer instead of the table (null: no answer at all, the client times out). */
    volatile Function<String, String> override;
    // the connection being served, closed with the server
    private volatile Socket current;

    FakeUpsd() throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        answers.put("GET VAR testups ups.status", "VAR testups ups.status \"OL\"");
        answers.put("GET VAR testups ups.alarm", "ERR VAR-NOT-SUPPORTED");
        answers.put("GET VAR testups battery.charge", "VAR testups battery.charge \"100\"");
        answers.put("LIST VAR testups", LIST_VAR);
        answers.put("LIST UPS", "BEGIN LIST UPS\nUPS testups \"hasm test\"\nEND LIST UPS");
        answers.put("LIST VAR nosuch", "ERR UNKNOWN-UPS");
        answers.put("GET VAR nosuch ups.status", "ERR UNKNOWN-UPS");
        answers.put("LOGOUT", "OK Goodbye");
        thread = new Thread(this::serve, "fake-upsd");
        thread.setDaemon(true);
        thread.start();
    }

    int port() {
        return server.getLocalPort();
    }

    private void serve() {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                current = s;
                if (server.isClosed()) {
                    // close() ran between accept and the line above and could not see this connection
                    return;
                }
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                OutputStream out = s.getOutputStream();
                // bounded by the connection: the client closes it, or close() closes the server and this socket
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    requests.add(line);
                    Function<String, String> o = override;
                    boolean login = line.startsWith("USERNAME ") || line.startsWith("PASSWORD ")
                            || line.startsWith("LOGIN ");
                    String answer = o != null ? o.apply(line) : login ? login(line)
                            : answers.getOrDefault(line, "ERR UNKNOWN-COMMAND");
                    if (answer != null) {
                        out.write((answer + "\n").getBytes(StandardCharsets.UTF_8));
                        out.flush();
                    }
                    if (line.equals("LOGOUT")) {
                        break;
                    }
                }
            } catch (SocketException e) {
                return; // closed
            } catch (IOException e) {
                // that client's trouble: take the next
            }
        }
    }

    // the user watcher with password secret1 may log in, as the captured upsd.users said; upsd takes
    // any USERNAME and PASSWORD and checks them at LOGIN. Written and read by the serving thread only.
    private boolean rightPassword;

    private String login(String line) {
        if (line.startsWith("PASSWORD ")) {
            rightPassword = line.equals("PASSWORD secret1");
        }
        return line.startsWith("LOGIN ") && !(rightPassword && line.equals("LOGIN testups")) ? "ERR ACCESS-DENIED" : "OK";
    }

    @Override
    public void close() throws IOException, InterruptedException {
        server.close();
        Socket s = current;
        if (s != null) {
            s.close();
        }
        thread.join(5000);
    }
}
