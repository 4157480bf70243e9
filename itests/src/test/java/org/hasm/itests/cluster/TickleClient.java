package org.hasm.itests.cluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * An HTTP/1.1 client with one keep-alive connection, run as its own JVM in a client's network
 * namespace ({@code ip netns exec NS java -cp ... TickleClient HOST PORT PATH}) and driven by the
 * test through stdin and stdout, one line each way:
 * <ul>
 * <li>{@code connect}: opens a connection ({@code connected} or {@code connect failed REASON}); a
 * daemon thread then reads it: {@code response CODE} for every complete response, and
 * {@code ended reset|eof|error REASON} when the connection ends. Between two requests it waits in
 * {@code read()}, as a client waiting for its server does.</li>
 * <li>{@code get}: sends a GET on the open connection ({@code sent}, or {@code send failed REASON}).</li>
 * <li>{@code quit} or the end of stdin: exits.</li>
 * </ul>
 * The client sends nothing of its own: no TCP keepalive, no retry.
 */
public final class TickleClient {
    private static final PrintStream OUT = System.out;

    private TickleClient() {
    }

    public static void main(String[] args) throws IOException {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        String path = args[2];
        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        Socket socket = null;
        String command;
        while ((command = commands.readLine()) != null) {
            switch (command.strip()) {
                case "connect" -> {
                    if (socket != null) {
                        socket.close();
                    }
                    socket = new Socket();
                    try {
                        socket.connect(new InetSocketAddress(host, port), 1000);
                        Socket s = socket;
                        Thread reader = new Thread(() -> read(s), "tickle-client-reader");
                        reader.setDaemon(true);
                        reader.start();
                        say("connected");
                    } catch (IOException e) {
                        say("connect failed " + e.getMessage());
                    }
                }
                case "get" -> {
                    // "sent" is said before the reader can say what the server answered: the reader
                    // says it under the same lock, which this thread holds from the write on
                    synchronized (TickleClient.class) {
                        try {
                            OutputStream out = socket.getOutputStream();
                            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\n\r\n")
                                    .getBytes(StandardCharsets.US_ASCII));
                            out.flush();
                            say("sent");
                        } catch (IOException | RuntimeException e) {
                            say("send failed " + e.getMessage());
                        }
                    }
                }
                case "quit" -> {
                    return;
                }
                default -> say("unknown command " + command);
            }
        }
    }

    private static void read(Socket socket) {
        try {
            InputStream in = socket.getInputStream();
            while (true) {
                String status = line(in);
                if (status == null) {
                    say("ended eof");
                    return;
                }
                long length = 0;
                String header;
                while ((header = line(in)) != null && !header.isEmpty()) {
                    if (header.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                        length = Long.parseLong(header.substring(15).strip());
                    }
                }
                in.skipNBytes(length);
                String[] parts = status.split(" ");
                say("response " + (parts.length > 1 ? parts[1] : status));
            }
        } catch (SocketException e) {
            say(e.getMessage() != null && e.getMessage().toLowerCase(Locale.ROOT).contains("reset")
                    ? "ended reset" : "ended error " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            say("ended error " + e);
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 16_384; i++) {
            int c = in.read();
            if (c < 0) {
                return b.length() == 0 ? null : b.toString();
            }
            if (c == '\n') {
                return b.toString().strip();
            }
            b.append((char) c);
        }
        throw new IOException("a header line longer than 16 KiB");
    }

    private static synchronized void say(String line) {
        OUT.println(line);
        OUT.flush();
    }
}
