package org.hasm.health.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The reboots the health monitor made, kept in the node's data folder so that a fault that repeats
 * across reboots (and process restarts) is seen: one line per reboot, {@code <epoch ms> <reason>}, and
 * a line {@code disabled <epoch ms> <reason>} once the SCM was left in MONITOR for it. The file is
 * replaced whole (written beside it, forced, renamed), so a crash leaves the old or the new one; a
 * line that does not parse (written by hand) is skipped. Not thread-safe: one caller at a time.
 */
final class RebootLog {
    static final String FILE = "reboots";
    private static final String DISABLED = "disabled";

    record Entry(long millis, String reason) { }

    private final Path file;

    /** @param dir the health monitor's folder in the data folder */
    RebootLog(Path dir) {
        this.file = dir.resolve(FILE);
    }

    Path file() {
        return file;
    }

    /**
     * @return the reboots within {@code windowMs} before {@code now}, oldest first; one dated after {@code now}
     *     (recorded while the clock was fast, and set right since) is of no known age and not counted, as it
     *     would otherwise count for as long as the clock was ahead and disable the SCM at its next failure
     */
    List<Entry> recent(long now, long windowMs) throws IOException {
        List<Entry> all = new ArrayList<>();
        for (String line : lines()) {
            Entry e = parse(line);
            if (e != null && within(e, now, windowMs)) {
                all.add(e);
            }
        }
        return all;
    }

    /** @return the reason the SCM was disabled for, or {@code null} if it is not */
    String disabled() throws IOException {
        for (String line : lines()) {
            if (line.startsWith(DISABLED + " ")) {
                int sp = line.indexOf(' ', DISABLED.length() + 1);
                return sp < 0 ? "" : line.substring(sp + 1);
            }
        }
        return null;
    }

    private static boolean within(Entry e, long now, long windowMs) {
        return e.millis <= now && e.millis > now - windowMs;
    }

    /** Records a reboot, dropping those older than the window (and those dated after {@code now}: see {@link #recent}). */
    void reboot(long now, long windowMs, String reason) throws IOException {
        List<String> keep = new ArrayList<>();
        for (String line : lines()) {
            Entry e = parse(line);
            if (e == null ? line.startsWith(DISABLED + " ") : within(e, now, windowMs)) {
                keep.add(line);
            }
        }
        keep.add(now + " " + oneLine(reason));
        write(keep);
    }

    /** Marks the SCM disabled: it stays in MONITOR at every boot until {@link #clear}. */
    void disable(long now, String reason) throws IOException {
        List<String> keep = new ArrayList<>(lines());
        keep.add(DISABLED + " " + now + " " + oneLine(reason));
        write(keep);
    }

    /** The operator reset the SCM: the count starts afresh. */
    void clear() throws IOException {
        Files.deleteIfExists(file);
    }

    private List<String> lines() throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        return Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
    }

    private static Entry parse(String line) {
        int sp = line.indexOf(' ');
        String first = sp < 0 ? line : line.substring(0, sp);
        try {
            return new Entry(Long.parseLong(first), sp < 0 ? "" : line.substring(sp + 1));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replace('\n', ' ').replace('\r', ' ');
    }

    private void write(List<String> lines) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(FILE + ".tmp");
        byte[] bytes = (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap(bytes));
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            dir.force(true); // the rename itself survives a power cut
        }
    }
}
