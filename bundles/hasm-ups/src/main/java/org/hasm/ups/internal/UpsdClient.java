package org.hasm.ups.internal;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A client of Network UPS Tools' {@code upsd} over TCP: one request line, one answer (or a
 * {@code BEGIN LIST} ... {@code END LIST} block), as {@code upsc} talks to it. Values come in double
 * quotes with {@code \"} and {@code \\} escaped; a refusal is {@code ERR CODE}, thrown as
 * {@link UpsdException} with the code. Not thread-safe: one watcher thread owns it.
 *
 * <p>Every read is bounded: a line by {@link #MAX_LINE} bytes, a list by {@link #MAX_LIST} entries, each
 * answer by the timeout, so a stranger on the port cannot hold the watcher.
 */
final class UpsdClient implements Closeable {

    /** The longest answer line taken; upsd's own are far shorter. */
    static final int MAX_LINE = 4096;
    /** The most entries of a list taken. */
    static final int MAX_LIST = 10_000;

    /** upsd said {@code ERR CODE}: the UPS is unknown, its data stale, a variable not supported, ... */
    static final class UpsdException extends IOException {
        private static final long serialVersionUID = 1L;
        private final String code;

        UpsdException(String code, String request) {
            super("upsd answered ERR " + code + " to " + request);
            this.code = code;
        }

        String code() {
            return code;
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private UpsdClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /**
     * Connects, and logs in as {@code user} when one is given (USERNAME, PASSWORD, LOGIN: upsd then
     * counts this client among the UPS's).
     *
     * @throws UpsdException when upsd refuses the user ({@code ACCESS-DENIED}) or the UPS
     */
    static UpsdClient connect(String host, int port, Duration timeout, String ups, String user, String password)
            throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            socket.setTcpNoDelay(true);
            UpsdClient client = new UpsdClient(socket);
            if (user != null) {
                client.expectOk("USERNAME " + user, "USERNAME");
                client.expectOk("PASSWORD " + password, "PASSWORD");
                client.expectOk("LOGIN " + ups, "LOGIN " + ups);
            }
            return client;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /**
     * {@code GET VAR ups name}.
     *
     * @return the value, or {@code null} when upsd says the UPS does not report it ({@code VAR-NOT-SUPPORTED})
     * @throws UpsdException for any other refusal
     */
    String get(String ups, String name) throws IOException {
        String request = "GET VAR " + ups + " " + name;
        send(request);
        List<String> words = words(readLine(), request);
        if (words.size() == 2 && "ERR".equals(words.get(0)) && "VAR-NOT-SUPPORTED".equals(words.get(1))) {
            return null;
        }
        refused(words, request);
        if (words.size() != 4 || !"VAR".equals(words.get(0)) || !ups.equals(words.get(1)) || !name.equals(words.get(2))) {
            throw new IOException("upsd's answer to " + request + " is not a VAR line: " + printable(words));
        }
        return words.get(3);
    }

    /** {@code LIST VAR ups}: every variable with its value, in upsd's order. */
    Map<String, String> listVars(String ups) throws IOException {
        Map<String, String> vars = new LinkedHashMap<>();
        for (List<String> w : list("VAR " + ups, 1)) {
            if (w.size() != 4 || !"VAR".equals(w.get(0)) || !ups.equals(w.get(1))) {
                throw new IOException("upsd's list of variables of " + ups + " holds a line that is not a VAR: "
                        + printable(w));
            }
            vars.put(w.get(2), w.get(3));
        }
        return vars;
    }

    /** {@code LIST UPS}: the UPS names upsd serves, with their descriptions. */
    Map<String, String> listUps() throws IOException {
        Map<String, String> names = new LinkedHashMap<>();
        for (List<String> w : list("UPS", 0)) {
            if (w.size() != 3 || !"UPS".equals(w.get(0))) {
                throw new IOException("upsd's list of UPSes holds a line that is not a UPS: " + printable(w));
            }
            names.put(w.get(1), w.get(2));
        }
        return names;
    }

    /** {@code LOGOUT}, best effort, then the socket closes. */
    @Override
    public void close() {
        try {
            if (!socket.isClosed()) {
                socket.setSoTimeout(200);
                send("LOGOUT");
                readLine(); // "OK Goodbye"
            }
        } catch (IOException e) {
            // leaving anyway
        } finally {
            try {
                socket.close();
            } catch (IOException e) {
                // closed
            }
        }
    }

    /* "LIST what" → "BEGIN LIST what", the entries, "END LIST what" */
    private List<List<String>> list(String what, int extra) throws IOException {
        String request = "LIST " + what;
        send(request);
        List<String> begin = words(readLine(), request);
        refused(begin, request);
        if (!("BEGIN LIST " + what).equals(String.join(" ", begin))) {
            throw new IOException("upsd's answer to " + request + " does not begin the list: " + printable(begin));
        }
        List<List<String>> entries = new ArrayList<>();
        for (int i = 0; i <= MAX_LIST; i++) {
            List<String> w = words(readLine(), request);
            if (("END LIST " + what).equals(String.join(" ", w))) {
                return entries;
            }
            entries.add(w);
        }
        throw new IOException("upsd's answer to " + request + " has more than " + MAX_LIST + " entries");
    }

    private void expectOk(String request, String shown) throws IOException {
        send(request);
        List<String> words = words(readLine(), shown);
        refused(words, shown);
        if (words.isEmpty() || !"OK".equals(words.get(0))) {
            throw new IOException("upsd's answer to " + shown + " is not OK: " + printable(words));
        }
    }

    private static void refused(List<String> words, String request) throws UpsdException {
        if (!words.isEmpty() && "ERR".equals(words.get(0))) {
            throw new UpsdException(words.size() > 1 ? words.get(1) : "(no code)", request);
        }
    }

    private void send(String line) throws IOException {
        out.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try {
            for (int n = 0; n <= MAX_LINE; n++) {
                int b = in.read();
                if (b < 0) {
                    throw new EOFException("upsd closed the connection");
                }
                if (b == '\n') {
                    String s = line.toString(StandardCharsets.UTF_8);
                    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
                }
                line.write(b);
            }
        } catch (SocketTimeoutException e) {
            throw new SocketTimeoutException("upsd did not answer within " + socket.getSoTimeout() + " ms");
        }
        throw new IOException("upsd sent a line longer than " + MAX_LINE + " bytes");
    }

    /**
     * Splits an answer into words: blanks separate them, a double-quoted word may hold blanks, and
     * inside it a backslash takes the next character as it is.
     */
    static List<String> words(String line, String request) throws IOException {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean quoted = false;
        boolean inWord = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted) {
                if (ch == '\\') {
                    if (++i == line.length()) {
                        break;
                    }
                    word.append(line.charAt(i));
                } else if (ch == '"') {
                    quoted = false;
                } else {
                    word.append(ch);
                }
            } else if (ch == '"') {
                quoted = true;
                inWord = true;
            } else if (ch == ' ' || ch == '\t') {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(ch);
                inWord = true;
            }
        }
        if (quoted) {
            throw new IOException("upsd's answer to " + request + " ends inside a quoted value: " + printable(line));
        }
        if (inWord) {
            words.add(word.toString());
        }
        if (words.isEmpty()) {
            throw new IOException("upsd's answer to " + request + " is an empty line");
        }
        return words;
    }

    private static String printable(List<String> words) {
        return printable(String.join(" ", words));
    }

    /* for a message: control characters shown as '?', cut at 200 characters */
    private static String printable(String s) {
        String cut = s.length() > 200 ? s.substring(0, 200) + "..." : s;
        return "'" + cut.replaceAll("\\p{Cntrl}", "?") + "'";
    }
}
