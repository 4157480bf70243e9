package org.hasm.itests.cluster;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, for requests that no HTTP client library would send: a garbage
 * request line, a body shorter than its {@code Content-Length}, broken chunks, headers beyond any
 * limit, paths no URI class accepts. Each exchange has a connection of its own, so whatever the
 * server makes of one request cannot spill into the next.
 *
 * <p>The request goes out on a thread of its own while this one reads the answer: a server may
 * answer (and close) before it read a large body, and the answer must still be seen. Every read and
 * write is bounded by the socket timeout and a cap on the answer's size.
 */
final class RawHttp {

    /** Status of an exchange that got no status line: the server closed or reset the connection. */
    static final int CLOSED = -1;
    private static final int MAX_ANSWER_BYTES = 1 << 20;
    private static final byte[] CRLF = {'\r', '\n'};

    /**
     * What came back.
     *
     * @param status the status code, or {@link #CLOSED}
     * @param head the status line and headers as sent ({@code ""} if none)
     * @param body whatever followed the head until the server closed (chunk sizes included)
     */
    record Answer(int status, String head, String body) {
        String text() {
            return head + "\r\n\r\n" + body;
        }

        @Override
        public String toString() {
            return status == CLOSED ? "closed" : Integer.toString(status);
        }
    }

    private final String host;
    private final int port;
    private final Duration timeout;

    RawHttp(String host, int port, Duration timeout) {
        this.host = host;
        this.port = port;
        this.timeout = timeout;
    }

    /** @return the head of an ordinary request: request line, {@code Host}, {@code Connection: close}, the headers */
    String head(String method, String target, Map<String, String> headers) {
        StringBuilder s = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n");
        s.append("Host: ").append(host).append(':').append(port).append("\r\n");
        s.append("Connection: close\r\n");
        headers.forEach((k, v) -> s.append(k).append(": ").append(v).append("\r\n"));
        return s.append("\r\n").toString();
    }

    /** A well-formed request with a body (may be null), sent with its {@code Content-Length}. */
    Answer send(String method, String target, Map<String, String> headers, byte[] body) throws IOException {
        Map<String, String> all = new java.util.LinkedHashMap<>(headers);
        if (body != null) {
            all.put("Content-Length", Integer.toString(body.length));
        }
        return exchange(head(method, target, all).getBytes(StandardCharsets.ISO_8859_1), body, false);
    }

    /** Sends exactly these bytes and reads the answer until the server closes. */
    Answer exchange(String request) throws IOException {
        return exchange(request.getBytes(StandardCharsets.ISO_8859_1), null, false);
    }

    /**
     * Sends {@code head}, then {@code body} (may be null); with {@code halfClose} the sending side is
     * shut down after it (the server reads the end of the stream there), else it stays open.
     */
    Answer exchange(byte[] head, byte[] body, boolean halfClose) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            OutputStream out = socket.getOutputStream();
            Thread writer = new Thread(() -> {
                try {
                    out.write(head);
                    if (body != null) {
                        out.write(body);
                    }
                    out.flush();
                    if (halfClose) {
                        socket.shutdownOutput();
                    }
                } catch (IOException e) {
                    // the server answered and closed before it read everything: the answer tells
                }
            }, "raw-http-writer");
            writer.setDaemon(true);
            writer.start();
            byte[] answer = readAll(socket.getInputStream());
            try {
                writer.join(timeout.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while sending to " + host + ":" + port, e);
            }
            return parse(answer);
        }
    }

    /** Sends {@code head} and {@code body}, then closes the connection without reading anything. */
    void sendAndDrop(byte[] head, byte[] body) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write(head);
            out.write(body);
            out.flush();
        }
    }

    /** @return the bytes until the end of the stream, a reset, the timeout or the cap, whichever comes first */
    private byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            // bounded by the cap and by the socket timeout of each read
            while (answer.size() < MAX_ANSWER_BYTES) {
                int n = in.read(buffer);
                if (n < 0) {
                    break;
                }
                answer.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException e) {
            if (answer.size() == 0) {
                throw new IOException("no answer from " + host + ":" + port + " within " + timeout.toMillis()
                        + " ms and the connection stayed open", e);
            }
        } catch (IOException e) {
            // reset after (or instead of) an answer: what arrived counts
        }
        return answer.toByteArray();
    }

    static Answer parse(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        String head = end < 0 ? text : text.substring(0, end);
        String body = end < 0 ? "" : text.substring(end + 4);
        int status = CLOSED;
        if (head.startsWith("HTTP/1.") && head.length() >= 12) {
            try {
                status = Integer.parseInt(head.substring(9, 12));
            } catch (NumberFormatException e) {
                // not a status line: reported as closed, with the text
            }
        }
        return new Answer(status, head, body);
    }

    /** @return {@code body} as chunked transfer coding, in chunks of at most {@code chunk} bytes, with the last chunk */
    static byte[] chunked(byte[] body, int chunk) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + body.length / chunk * 12 + 16);
        for (int off = 0; off < body.length; off += chunk) {
            int n = Math.min(chunk, body.length - off);
            out.writeBytes(Integer.toHexString(n).getBytes(StandardCharsets.ISO_8859_1));
            out.writeBytes(CRLF);
            out.write(body, off, n);
            out.writeBytes(CRLF);
        }
        out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        return out.toByteArray();
    }
}
