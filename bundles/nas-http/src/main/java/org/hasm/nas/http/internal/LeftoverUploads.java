package org.hasm.nas.http.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * Removes, in the background, the temporary files of uploads that a writer of the volume left when it
 * died (a kill in the middle of a PUT): only one SCM writes a volume at a time, so a temporary file
 * last written before this SCM opened the personality belongs to no running upload. Later ones are this
 * server's own uploads in progress and are left alone. Hidden and never served either way; the sweep only
 * gives the space back, so it must not delay the takeover.
 *
 * <p>"Before" is told by the file system's own clock: {@link #mark} writes a small file ({@value #MARK})
 * in the root of each volume the personality exports, before it listens, and a temporary file is a leftover when its
 * modification time is earlier than the mark's. Both times come from the same clock with the same
 * granularity (a file system stamps with a coarse tick, and shared storage may stamp with another host's
 * clock), so no margin is needed: an upload begun after the mark is stamped at or after it. The dead
 * writer stopped writing at least a failure detection time before the mark, so every upload it was in
 * the middle of goes with the first sweep. (An earlier version compared with this SCM's clock, less a
 * 2 s margin, and so kept every upload cut by a kill until the next takeover.)
 */
final class LeftoverUploads {
    /** The marker file in each exported volume's root; reserved, so hidden from listings and refused by URL. */
    static final String MARK = DurableWrite.RESERVED_PREFIX + "http-opened";

    private LeftoverUploads() {
    }

    /**
     * Writes the marker in the root of each volume the plan exports, before the personality listens.
     *
     * @return the file system's time of each root's marker; a root whose marker could not be written is
     *     absent (its sweep is skipped and said)
     */
    static Map<Path, FileTime> mark(ServicePlan plan, Events events) {
        Map<Path, FileTime> marks = new LinkedHashMap<>();
        for (ServicePlan.ExportPlan e : plan.exports()) {
            Path root = e.root();
            if (marks.containsKey(root)) {
                continue;
            }
            Path mark = root.resolve(MARK);
            try {
                Files.write(mark, (Instant.now() + "\n").getBytes(StandardCharsets.US_ASCII), StandardOpenOption.CREATE,
                        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
                marks.put(root, Files.getLastModifiedTime(mark, LinkOption.NOFOLLOW_LINKS));
            } catch (IOException | UncheckedIOException x) {
                events.warn("personality " + plan.personality() + ": cannot write " + mark + " (" + x.getMessage()
                        + "): uploads a dead writer left in " + root + " stay, hidden");
            }
        }
        return marks;
    }

    /**
     * Starts the sweep of the marked roots on a thread of its own, which ends with the sweep, or as soon as
     * {@code going} says the personality is no longer served here (released at a failback, its volume lost: a
     * walk of millions of files must not go on deleting on a volume the peer owns now).
     */
    static void sweep(String personality, Map<Path, FileTime> marks, BooleanSupplier going, Events events) {
        Thread t = new Thread(() -> marks.forEach((root, mark) -> sweep(personality, root, mark, going, events)),
                "hasm-http-sweep-" + personality);
        t.setDaemon(true);
        t.start();
    }

    /**
     * Removes the temporary files under {@code root} last written before {@code mark}, while {@code going} holds
     * (asked before each file); @return how many
     */
    static int sweep(String personality, Path root, FileTime mark, BooleanSupplier going, Events events) {
        int[] removed = {0};
        boolean[] stopped = {false};
        try (Stream<Path> files = Files.walk(root)) {
            files.takeWhile(f -> {
                if (going.getAsBoolean()) {
                    return true;
                }
                stopped[0] = true;
                return false;
            })
                    .filter(f -> f.getFileName() != null && f.getFileName().toString().startsWith(DurableWrite.TEMP_PREFIX))
                    .forEach(f -> {
                        try {
                            BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class,
                                    LinkOption.NOFOLLOW_LINKS);
                            if (a.isRegularFile() && a.lastModifiedTime().compareTo(mark) < 0
                                    && Files.deleteIfExists(f)) {
                                removed[0]++;
                            }
                        } catch (IOException e) {
                            // gone meanwhile, or not ours to delete: it stays hidden
                        }
                    });
        } catch (IOException | UncheckedIOException e) {
            events.warn("personality " + personality + ": could not look for leftover uploads in " + root + ": "
                    + e.getMessage());
        }
        if (removed[0] > 0) {
            events.info("personality " + personality + ": removed " + removed[0] + " partial upload(s) left in "
                    + root + " by a writer that died");
        }
        if (stopped[0]) {
            events.info("personality " + personality + ": the sweep of leftover uploads in " + root
                    + " stopped: the personality is no longer served here");
        }
        return removed[0];
    }
}
