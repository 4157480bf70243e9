package org.hasm.netif.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.Inet4Address;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

/**
 * One SCM's list of client connections on the shared storage, {@code <dir>/<scm>.tcp}, which the
 * peer reads when it takes a personality over. Only its SCM writes it, so two SCMs never write the
 * same file.
 *
 * <pre>
 * hasm-tcp-connections 1
 * scm scm-a
 * time 1764720000000
 * dropped 0
 * 198.51.100.21 80 198.51.100.100 51234
 * end 1 crc32 1a2b3c4d
 * </pre>
 *
 * The last line counts the connection lines and carries the CRC-32 of every byte before it. A file
 * is replaced whole (temporary file, forced, atomic rename); one that is torn anyway (a crash of the
 * storage mid-write, a truncation) fails its count or its CRC and is ignored: a list is a hint, and
 * a damaged one is worth nothing.
 */
final class ConnectionList {
    static final String SUFFIX = ".tcp";
    /** The most connections a list may hold, whatever an SCM's configured bound: what a reader accepts. */
    static final int MAX_CONNECTIONS = 65536;
    private static final String MAGIC = "hasm-tcp-connections 1";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]+");
    private static final Pattern END = Pattern.compile("end (\\d+) crc32 ([0-9a-f]{8})");
    // The longest line: two dotted quads, two ports, three blanks, a newline.
    private static final int MAX_LINE = 15 + 1 + 5 + 1 + 15 + 1 + 5 + 1;
    private static final int MAX_HEADER = 256;
    // Tells apart the temporary files of two writers in one JVM (a module restarted while its old
    // thread is still stuck in a write).
    private static final AtomicInteger TEMPORARY = new AtomicInteger();

    /** A list as written by its SCM. */
    record Snapshot(String scm, long timeMillis, int dropped, List<TcpConnection> connections) {
        Snapshot {
            connections = List.copyOf(connections);
        }
    }

    private ConnectionList() {
    }

    /** @return the bytes of the file for this snapshot */
    static byte[] encode(Snapshot s) {
        StringBuilder b = new StringBuilder(MAX_HEADER + s.connections().size() * MAX_LINE);
        b.append(MAGIC).append('\n')
                .append("scm ").append(s.scm()).append('\n')
                .append("time ").append(s.timeMillis()).append('\n')
                .append("dropped ").append(s.dropped()).append('\n');
        for (TcpConnection c : s.connections()) {
            b.append(c.local().getHostAddress()).append(' ').append(c.localPort()).append(' ')
                    .append(c.remote().getHostAddress()).append(' ').append(c.remotePort()).append('\n');
        }
        byte[] body = b.toString().getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(body);
        byte[] end = String.format(Locale.ROOT, "end %d crc32 %08x\n", s.connections().size(), crc.getValue())
                .getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[body.length + end.length];
        System.arraycopy(body, 0, all, 0, body.length);
        System.arraycopy(end, 0, all, body.length, end.length);
        return all;
    }

    /**
     * @param bytes a file's content
     * @param max how many connection lines a sound file may have
     * @return the snapshot
     * @throws IllegalArgumentException saying what is wrong: torn, damaged, not a list, too long
     */
    static Snapshot decode(byte[] bytes, int max) {
        String text = new String(bytes, StandardCharsets.US_ASCII);
        if (!text.endsWith("\n")) {
            throw new IllegalArgumentException("torn: it does not end with a complete line");
        }
        int cut = text.lastIndexOf('\n', text.length() - 2) + 1;
        var end = END.matcher(text.substring(cut, text.length() - 1));
        if (!end.matches()) {
            throw new IllegalArgumentException("torn: its last line is not 'end COUNT crc32 CHECK'");
        }
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, cut);
        if (crc.getValue() != Long.parseLong(end.group(2), 16)) {
            throw new IllegalArgumentException("damaged: CRC-32 " + String.format(Locale.ROOT, "%08x", crc.getValue())
                    + " of its content, " + end.group(2) + " written");
        }
        String[] lines = text.substring(0, cut).split("\n");
        if (lines.length < 4 || !lines[0].equals(MAGIC)) {
            throw new IllegalArgumentException("not a connection list: it does not start with '" + MAGIC + "'");
        }
        String scm = field(lines[1], "scm");
        if (!NAME.matcher(scm).matches()) {
            throw new IllegalArgumentException("'" + scm + "' is not an SCM name");
        }
        long time = Long.parseLong(number(field(lines[2], "time")));
        int dropped = Integer.parseInt(number(field(lines[3], "dropped")));
        int count = lines.length - 4;
        if (count != Integer.parseInt(end.group(1))) {
            throw new IllegalArgumentException("torn: " + count + " connection lines, " + end.group(1) + " written");
        }
        if (count > max) {
            throw new IllegalArgumentException(count + " connections, more than the " + max + " allowed");
        }
        List<TcpConnection> connections = new ArrayList<>(count);
        for (int i = 4; i < lines.length; i++) {
            String[] f = lines[i].split(" ");
            if (f.length != 4) {
                throw new IllegalArgumentException("line " + (i + 1) + " is not 'ADDRESS PORT CLIENT PORT': '"
                        + lines[i] + "'");
            }
            try {
                connections.add(new TcpConnection(v4(f[0]), Integer.parseInt(number(f[1])), v4(f[2]),
                        Integer.parseInt(number(f[3]))));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("line " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return new Snapshot(scm, time, dropped, connections);
    }

    /** @return the bound on a file's size for lists of at most {@code max} connections */
    static long maxBytes(int max) {
        return MAX_HEADER + (long) max * MAX_LINE;
    }

    /**
     * Replaces {@code <dir>/<scm>.tcp}: a temporary file beside it, forced to the storage, then
     * renamed over it, so a reader sees the old list or the new one. The folder is not forced: a
     * rename lost in a crash leaves the previous list, which is only older.
     */
    static void write(Path dir, Snapshot s) throws IOException {
        Path target = dir.resolve(s.scm() + SUFFIX);
        Path tmp = dir.resolve("." + s.scm() + SUFFIX + "." + ProcessHandle.current().pid() + "-"
                + TEMPORARY.incrementAndGet() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(encode(s));
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(false);
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.deleteIfExists(tmp);
            throw new IOException(dir + " cannot rename atomically: connection lists need a file system that can", e);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    /**
     * Deletes the temporary files an earlier run of this SCM left behind (it died while writing).
     *
     * @return how many were deleted
     */
    static int clearTemporary(Path dir, String scm) throws IOException {
        if (Files.notExists(dir)) {
            return 0;
        }
        int n = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "." + scm + SUFFIX + ".*.tmp")) {
            for (Path f : files) {
                Files.deleteIfExists(f);
                n++;
            }
        }
        return n;
    }

    /**
     * Reads the lists of every SCM but {@code self}. A file that is unreadable, too large or not a
     * sound list is left out, and named with the reason in {@code refused}.
     *
     * @return the lists by SCM; none if the folder does not exist yet (no SCM wrote a list)
     * @throws IOException if the folder cannot be listed
     */
    static Map<String, Snapshot> readOthers(Path dir, String self, int max, Map<String, String> refused)
            throws IOException {
        Map<String, Snapshot> found = new LinkedHashMap<>();
        if (Files.notExists(dir)) {
            return found;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                String scm = name.substring(0, name.length() - SUFFIX.length());
                if (scm.equals(self) || !NAME.matcher(scm).matches()) {
                    continue;
                }
                try {
                    found.put(scm, read(f, max));
                } catch (IOException | IllegalArgumentException e) {
                    refused.put(f.toString(), e.getMessage());
                }
            }
        }
        return found;
    }

    /**
     * @param file {@code <dir>/<scm>.tcp}
     * @return its list
     * @throws IOException if it cannot be read or is larger than a list of {@code max} can be
     * @throws IllegalArgumentException if it is not a sound list of the SCM its name says
     */
    static Snapshot read(Path file, int max) throws IOException {
        String name = file.getFileName().toString();
        Snapshot s = decode(readBounded(file, maxBytes(max)), max);
        if (!name.equals(s.scm() + SUFFIX)) {
            throw new IllegalArgumentException("it says it is the list of " + s.scm());
        }
        return s;
    }

    private static byte[] readBounded(Path f, long limit) throws IOException {
        try (InputStream in = Files.newInputStream(f)) {
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
            if (bytes.length > limit) {
                throw new IOException("larger than the " + limit + " bytes a list of its bound can have");
            }
            return bytes;
        }
    }

    private static String field(String line, String key) {
        if (!line.startsWith(key + " ")) {
            throw new IllegalArgumentException("expected '" + key + " ...', found '" + line + "'");
        }
        return line.substring(key.length() + 1);
    }

    // Integer.parseInt takes a sign and non-ASCII digits; a list has neither.
    private static String number(String s) {
        if (s.isEmpty() || s.length() > 19 || !s.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
            throw new IllegalArgumentException("'" + s + "' is not a number");
        }
        return s;
    }

    private static Inet4Address v4(String s) {
        var a = Ip.parse(s);
        if (!(a instanceof Inet4Address v4)) {
            throw new IllegalArgumentException("'" + s + "' is not an IPv4 address");
        }
        return v4;
    }
}
