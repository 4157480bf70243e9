package org.hasm.itests.cluster;

import static java.util.Map.entry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.hasm.itests.cluster.RawHttp.Answer;
import org.hasm.itests.support.Await;

/**
 * Requests a hostile or broken client sends to a personality's HTTP address, each with the answers
 * it may get: malformed HTTP, heads beyond the limits, paths that try to leave the export, writes
 * to a read-only export. After every one, {@link Phase#afterEach} proves the SCM still serves.
 *
 * <p>The layout it expects (see {@link PairBadInputIT}): export {@code files} read-write and
 * {@code ro} read-only on the same volume folder; in it {@code known.txt} and three symbolic links
 * that lead out of it ({@code link-dir} to a folder, {@code link-file.txt} to a file,
 * {@code passwd} to {@code /etc/passwd}); outside it files whose content holds the secret.
 */
final class BadInput {

    static final Set<Integer> BAD_REQUEST = Set.of(400);
    /** A path refused outright (400), refused as forbidden, or not found: never served. */
    static final Set<Integer> REFUSED = Set.of(400, 403, 404);
    static final Set<Integer> HEAD_TOO_LARGE = Set.of(400, 431);
    static final Set<Integer> READ_ONLY = Set.of(403, 405);
    /** A body that ended early: the server may still answer, or only close. */
    static final Set<Integer> TRUNCATED = Set.of(400, RawHttp.CLOSED);
    private static final String PASSWD_LINE = "root:x:0:0";

    /** What one round of bad input runs against, and what it saw. */
    interface Phase {
        /** @return the name of the round, for messages */
        String name();

        RawHttp raw();

        /** @return the folder of the volume that both exports show */
        Path volume();

        /** @return the text that only files outside the exports contain */
        String secret();

        /** @return the content of {@code known.txt} */
        String known();

        /** @return {@code scheme://host:port} of the personality, for Destination headers */
        String origin();

        /** @return the other personality's origin: a Destination there leaves this SCM's namespace */
        String otherOrigin();

        /** Runs after every case: the SCM keeps serving, the pair keeps its roles. */
        void afterEach(String what) throws Exception;
    }

    private final Phase phase;
    private final Map<String, String> observed = new LinkedHashMap<>();
    private final List<String> wrong = new ArrayList<>();

    BadInput(Phase phase) {
        this.phase = phase;
    }

    /** @return each case with the status it got ({@code closed}: none), in the order run */
    Map<String, String> observed() {
        return observed;
    }

    /** @return a line per answer that was not among those allowed, or that leaked; empty if all were right */
    List<String> wrong() {
        return wrong;
    }

    // ---- the cases ----

    void malformed() throws Exception {
        String host = "Host: " + phase.origin().substring("http://".length()) + "\r\n";
        expect("garbage request line", phase.raw().exchange("GARBAGE\r\n\r\n"), BAD_REQUEST);
        expect("binary request line", phase.raw().exchange("\u0001\u00ff\u007f\u0000 / \u0080\r\n\r\n"), BAD_REQUEST);
        expect("invalid method token", phase.raw().exchange("G(T /files/known.txt HTTP/1.1\r\n" + host + "\r\n"),
                BAD_REQUEST);
        // RFC 9110: 501 is the answer to a method the server does not know
        expect("unknown method", phase.raw().send("FROB", "/files/known.txt", Map.of(), null), Set.of(400, 405, 501));
        expect("HTTP/9.9", phase.raw().exchange("GET /files/known.txt HTTP/9.9\r\n" + host + "\r\n"), Set.of(400, 505));
        expect("HTTP/1.x", phase.raw().exchange("GET /files/known.txt HTTP/1.x\r\n" + host + "\r\n"), Set.of(400, 505));
        expect("no version", phase.raw().exchange("GET /files/known.txt FOO\r\n" + host + "\r\n"), Set.of(400, 505));
        expect("header without colon", phase.raw().exchange("GET /files/known.txt HTTP/1.1\r\n" + host
                + "Bad Header\r\n\r\n"), BAD_REQUEST);
        expect("space in the path", phase.raw().exchange("GET /files/known .txt HTTP/1.1\r\n" + host + "\r\n"),
                BAD_REQUEST);
        expect("Content-Length not a number", phase.raw().exchange("PUT /files/cl-nan.txt HTTP/1.1\r\n" + host
                + "Content-Length: twelve\r\n\r\nhello world!"), BAD_REQUEST);
        nothingUnder("cl-nan.txt");

        byte[] badChunks = "ZZ\r\nhello\r\n0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        expect("invalid chunk size", chunkedPut("/files/bad-chunk.txt", badChunks, false), BAD_REQUEST);
        nothingUnder("bad-chunk.txt");
        byte[] noCrlf = "5\r\nhelloXX0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        expect("chunk without its CRLF", chunkedPut("/files/bad-chunk2.txt", noCrlf, false), BAD_REQUEST);
        nothingUnder("bad-chunk2.txt");
        byte[] shortChunk = "1000\r\nonly a few bytes".getBytes(StandardCharsets.ISO_8859_1);
        expect("chunk shorter than its size, then EOF", chunkedPut("/files/short-chunk.txt", shortChunk, true),
                TRUNCATED);
        nothingUnder("short-chunk.txt");

        truncatedPut("truncated.bin");
        // over an existing file: the old content stays whole (the reader loop checks it all along)
        truncatedPut("known.txt");
    }

    private Answer chunkedPut(String target, byte[] body, boolean halfClose) throws IOException {
        byte[] head = phase.raw().head("PUT", target, Map.of("Transfer-Encoding", "chunked"))
                .getBytes(StandardCharsets.ISO_8859_1);
        return phase.raw().exchange(head, body, halfClose);
    }

    /** A PUT whose body stops at a tenth of its Content-Length: once half-closed, once dropped. */
    private void truncatedPut(String name) throws Exception {
        byte[] part = filler(10_000);
        byte[] head = phase.raw().head("PUT", "/files/" + name, Map.of("Content-Length", "100000"))
                .getBytes(StandardCharsets.ISO_8859_1);
        expect("truncated PUT of " + name + ", half-closed", phase.raw().exchange(head, part, true), TRUNCATED);
        nothingNewUnder(name);
        // the client vanishes without reading anything: the server sees the end of the body only
        phase.raw().sendAndDrop(head, part);
        record("truncated PUT of " + name + ", dropped", "closed");
        nothingNewUnder(name);
        phase.afterEach("truncated PUT of " + name + ", dropped");
    }

    void hugeHeads() throws Exception {
        expect("one header of 20 KiB", phase.raw().send("GET", "/files/known.txt", Map.of("X-Big", "y".repeat(20_000)),
                null), HEAD_TOO_LARGE);
        expect("one header of 1 MiB", phase.raw().send("GET", "/files/known.txt", Map.of("X-Big", "y".repeat(1 << 20)),
                null), HEAD_TOO_LARGE);
        Map<String, String> many = new LinkedHashMap<>();
        for (int i = 0; i < 1000; i++) {
            many.put("X-Header-" + i, "value-of-header-number-" + i);
        }
        expect("1000 headers, 40 KiB", phase.raw().send("GET", "/files/known.txt", many, null), HEAD_TOO_LARGE);
        Map<String, String> count = new LinkedHashMap<>();
        for (int i = 0; i < 200; i++) {
            count.put("X-" + i, "v");
        }
        expect("200 small headers, 2 KiB", phase.raw().send("GET", "/files/known.txt", count, null), HEAD_TOO_LARGE);
        expect("request line of 20 KiB", phase.raw().send("GET", "/files/" + "n".repeat(20_000), Map.of(), null),
                Set.of(400, 414, 431));
        expect("PUT with a header of 20 KiB", phase.raw().send("PUT", "/files/big-head.txt",
                Map.of("X-Big", "y".repeat(20_000)), "x".getBytes(StandardCharsets.UTF_8)), HEAD_TOO_LARGE);
        nothingUnder("big-head.txt");
    }

    void traversal() throws Exception {
        // the secret is one folder up (the other personality's volume) and two up (the shared folder)
        List<String> reads = List.of("/files/../vol-b/b-secret.txt", "/files/../../secret.txt",
                "/files/%2e%2e/vol-b/b-secret.txt", "/files/%2E%2E/%2e%2e/secret.txt", "/files/.%2e/vol-b/b-secret.txt",
                "/files/%252e%252e/vol-b/b-secret.txt", "/files/%252e%252e%252fvol-b%252fb-secret.txt",
                "/files/..%2fvol-b%2fb-secret.txt", "/files/%2e%2e%2fvol-b%2fb-secret.txt",
                "/files/..%5cvol-b%5cb-secret.txt", "/files/..\\vol-b\\b-secret.txt", "/files/%5c..%5csecret.txt",
                "/files/known.txt%00", "/files/known.txt%00.html", "/files/%00/../../secret.txt",
                "/files/%c0%ae%c0%ae/vol-b/b-secret.txt", "/files/..;/vol-b/b-secret.txt", "/files/..;/ro/known.txt",
                "/files/.;/known.txt", "/files/sub/..;/..;/vol-b/b-secret.txt",
                "//etc/passwd", "/files//etc/passwd", "/files/%2fetc%2fpasswd", "/files/C:%5cWindows%5cwin.ini",
                "/files/link-dir/secret.txt", "/files/link-dir/", "/files/link-file.txt", "/files/passwd",
                "/ro/link-file.txt", "/ro/passwd");
        for (String target : reads) {
            expect("GET " + target, phase.raw().send("GET", target, Map.of(), null), REFUSED);
        }
        String host = "Host: " + phase.origin().substring("http://".length()) + "\r\n";
        expect("GET absolute-form ../../etc/passwd", phase.raw().exchange("GET " + phase.origin()
                + "/files/../../../../etc/passwd HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n"), REFUSED);
        expect("GET file:///etc/passwd", phase.raw().exchange("GET file:///etc/passwd HTTP/1.1\r\n" + host
                + "Connection: close\r\n\r\n"), REFUSED);

        byte[] x = "escaped".getBytes(StandardCharsets.UTF_8);
        for (String target : List.of("/files/../../escaped.txt", "/files/%2e%2e/escaped.txt",
                "/files/..%2fescaped.txt", "/files/..%5cescaped.txt", "/files/..;/escaped.txt",
                "/files/link-dir/escaped.txt", "/files/%00escaped.txt")) {
            expect("PUT " + target, phase.raw().send("PUT", target, Map.of(), x), Set.of(400, 403, 404, 409));
        }
        Answer overLink = phase.raw().send("PUT", "/files/link-file.txt", Map.of(), x);
        expect("PUT over a link that leads out", overLink, Set.of(400, 403, 404, 409));

        String o = phase.origin();
        Map<String, String> destinations = new LinkedHashMap<>();
        destinations.put("dot segment", o + "/files/../escaped.txt");
        destinations.put("encoded dot segment", o + "/files/%2e%2e/escaped.txt");
        destinations.put("encoded slash", o + "/files/..%2fescaped.txt");
        destinations.put("backslash", o + "/files/..%5cescaped.txt");
        destinations.put("NUL", o + "/files/escaped.txt%00");
        destinations.put("path parameter dot segment", o + "/files/..;/escaped.txt");
        destinations.put("a link that leads out", o + "/files/link-dir/escaped.txt");
        destinations.put("a relative path up", "/files/../../escaped.txt");
        destinations.put("the other personality", phase.otherOrigin() + "/files/escaped.txt");
        destinations.put("another export", o + "/ro/escaped.txt");
        for (Map.Entry<String, String> d : destinations.entrySet()) {
            for (String method : List.of("COPY", "MOVE")) {
                // the source exists each time, so a refusal is about the destination
                String source = method.equals("MOVE") ? "/files/movable.txt" : "/files/known.txt";
                if (method.equals("MOVE")) {
                    Answer put = phase.raw().send("PUT", source, Map.of(), x);
                    if (put.status() != 201 && put.status() != 204) {
                        wrong.add("PUT " + source + " before a MOVE: " + put.status());
                    }
                }
                expect(method + " to " + d.getKey(), phase.raw().send(method, source,
                        Map.of("Destination", d.getValue(), "Overwrite", "T"), null), Set.of(400, 403, 404, 409, 502));
            }
        }
        for (Path escaped : List.of(phase.volume().resolveSibling("escaped.txt"),
                phase.volume().getParent().resolveSibling("escaped.txt"), phase.volume().resolve("link-dir/escaped.txt"),
                phase.volume().resolveSibling("vol-b").resolve("escaped.txt"))) {
            if (Files.exists(escaped)) {
                wrong.add(phase.name() + ": a write left the export: " + escaped);
            }
        }
        if (!Files.isSymbolicLink(phase.volume().resolve("link-file.txt"))) {
            wrong.add(phase.name() + ": PUT replaced the link link-file.txt (" + overLink + ")");
        }
    }

    void readOnly() throws Exception {
        byte[] x = "written".getBytes(StandardCharsets.UTF_8);
        String o = phase.origin();
        Answer get = phase.raw().send("GET", "/ro/known.txt", Map.of(), null);
        expect("GET through the read-only export", get, Set.of(200));
        List<Map.Entry<String, Answer>> writes = List.of(
                entry("PUT a new file", phase.raw().send("PUT", "/ro/ro-new.txt", Map.of(), x)),
                entry("PUT over a file", phase.raw().send("PUT", "/ro/known.txt", Map.of(), x)),
                entry("PUT chunked", chunkedPut("/ro/ro-chunked.txt", RawHttp.chunked(x, 3), false)),
                entry("DELETE", phase.raw().send("DELETE", "/ro/known.txt", Map.of(), null)),
                entry("MKCOL", phase.raw().send("MKCOL", "/ro/ro-dir", Map.of(), null)),
                entry("MOVE", phase.raw().send("MOVE", "/ro/known.txt", Map.of("Destination", o + "/ro/ro-moved.txt"),
                        null)),
                entry("MOVE into the read-write export", phase.raw().send("MOVE", "/ro/known.txt",
                        Map.of("Destination", o + "/files/ro-moved.txt"), null)),
                entry("COPY", phase.raw().send("COPY", "/ro/known.txt", Map.of("Destination", o + "/ro/ro-copied.txt"),
                        null)),
                entry("PROPPATCH", phase.raw().send("PROPPATCH", "/ro/known.txt", Map.of("Content-Type", "text/xml"),
                        proppatch())),
                entry("LOCK", phase.raw().send("LOCK", "/ro/known.txt", Map.of("Content-Type", "text/xml"), lock())));
        for (Map.Entry<String, Answer> w : writes) {
            expect("read-only export: " + w.getKey(), w.getValue(), READ_ONLY);
        }
        expect("COPY from the read-write export into the read-only one", phase.raw().send("COPY", "/files/known.txt",
                Map.of("Destination", o + "/ro/ro-copied.txt"), null), Set.of(403, 405, 502));
        for (String name : List.of("ro-new.txt", "ro-chunked.txt", "ro-dir", "ro-moved.txt", "ro-copied.txt")) {
            nothingUnder(name);
        }
    }

    private static byte[] proppatch() {
        return ("<?xml version=\"1.0\" encoding=\"utf-8\"?><D:propertyupdate xmlns:D=\"DAV:\" xmlns:Z=\"urn:hasm\">"
                + "<D:set><D:prop><Z:note>x</Z:note></D:prop></D:set></D:propertyupdate>")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] lock() {
        return ("<?xml version=\"1.0\" encoding=\"utf-8\"?><D:lockinfo xmlns:D=\"DAV:\"><D:lockscope><D:exclusive/>"
                + "</D:lockscope><D:locktype><D:write/></D:locktype><D:owner>hasm test</D:owner></D:lockinfo>")
                .getBytes(StandardCharsets.UTF_8);
    }

    // ---- checks ----

    private void expect(String what, Answer answer, Set<Integer> allowed) throws Exception {
        record(what, answer.toString());
        if (!allowed.contains(answer.status())) {
            wrong.add(phase.name() + ": " + what + " answered " + answer + ", expected one of " + allowed + ": "
                    + excerpt(answer));
        }
        String text = answer.text();
        if (text.contains(phase.secret()) || text.contains(PASSWD_LINE)) {
            wrong.add(phase.name() + ": " + what + " LEAKED a file from outside the export: " + excerpt(answer));
        }
        phase.afterEach(what);
    }

    private void record(String what, String status) {
        observed.merge(what, status, (a, b) -> a + "," + b);
    }

    /** Neither the final name nor a temporary part of a write is left in the volume. */
    private void nothingUnder(String name) {
        Path file = phase.volume().resolve(name);
        if (Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            wrong.add(phase.name() + ": " + file + " exists after a refused write");
        }
        noTemporaryFiles();
    }

    /** For a name that existed before: it still holds what it held (or is still absent). */
    private void nothingNewUnder(String name) {
        Path file = phase.volume().resolve(name);
        if (name.equals("known.txt")) {
            try {
                if (!Files.readString(file).equals(phase.known())) {
                    wrong.add(phase.name() + ": known.txt changed by a truncated PUT");
                }
            } catch (IOException e) {
                wrong.add(phase.name() + ": known.txt unreadable after a truncated PUT: " + e);
            }
            noTemporaryFiles();
        } else {
            nothingUnder(name);
        }
    }

    /**
     * Waits until no temporary file of a write is in the volume: a request whose client went away
     * may still be ending on the server's side.
     */
    private void noTemporaryFiles() {
        try {
            Await.until("no temporary file of a write in " + phase.volume(), Duration.ofSeconds(10),
                    () -> temporaryFiles(phase.volume()).isEmpty(), () -> temporaryFiles(phase.volume()));
        } catch (AssertionError e) {
            wrong.add(phase.name() + ": " + e.getMessage());
        }
    }

    static List<String> temporaryFiles(Path folder) {
        try (Stream<Path> files = Files.walk(folder)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".hasm-put-")).sorted().toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            return List.of("(cannot list " + folder + ": " + e + ")");
        }
    }

    private static String excerpt(Answer a) {
        String t = a.text().replace("\r\n", " | ");
        return t.length() > 300 ? t.substring(0, 300) + "..." : t;
    }

    static byte[] filler(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) ('a' + i % 26);
        }
        return b;
    }
}
