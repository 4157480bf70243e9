package org.hasm.nas.http.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Removes, in the background, the temporary files of uploads that a writer of the volume left when it
 * died (a kill in the middle of a PUT): only one SCM writes a volume at a time, so a temporary file
 * older than this takeover belongs to no running upload. Newer ones are this server's own uploads in
 * progress and are left alone. Hidden and never served either way; the sweep only gives the space
 * back, so it must not delay the takeover.
 *
 * <p>"Older" allows {@link #STAMP_MARGIN}: a file system stamps a file with a coarse clock (a tick of
 * a few milliseconds), so an upload begun just after the takeover can carry a time just before it;
 * the sweep once removed such a file under a running PUT, which then failed. A leftover younger than
 * the margin stays, hidden, until the next takeover's sweep.
 */
final class LeftoverUploads {
    static final java.time.Duration STAMP_MARGIN = java.time.Duration.ofSeconds(2);

    private LeftoverUploads() {
    }

    /** Starts the sweep of the plan's export roots on a thread of its own, which ends with the sweep. */
    static void sweep(ServicePlan plan, Instant takenAt, Events events) {
        Set<Path> roots = new LinkedHashSet<>();
        plan.exports().forEach(e -> roots.add(e.root()));
        Thread t = new Thread(() -> roots.forEach(root -> sweep(plan.personality(), root, takenAt, events)),
                "hasm-http-sweep-" + plan.personality());
        t.setDaemon(true);
        t.start();
    }

    private static void sweep(String personality, Path root, Instant takenAt, Events events) {
        int[] removed = {0};
        try (Stream<Path> files = Files.walk(root)) {
            files.filter(f -> f.getFileName() != null && f.getFileName().toString().startsWith(DurableWrite.TEMP_PREFIX))
                    .forEach(f -> {
                        try {
                            BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class,
                                    LinkOption.NOFOLLOW_LINKS);
                            if (a.isRegularFile() && a.lastModifiedTime().toInstant().isBefore(takenAt.minus(STAMP_MARGIN))
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
    }
}
