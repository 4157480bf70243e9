package org.hasm.link.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;
import org.hasm.wire.AntiReplay;

/**
 * The newest frame of the peer this SCM's link accepted, kept in {@code <data>/link/replay-floor} so
 * that a link started after a restart refuses every frame an eavesdropper recorded before it (a
 * command carried out once must not be carried out again). Written at most once a second and at
 * close, by rename, without a force: a crash leaves an older floor (the frames of the last second
 * before it could be taken once more) or, after a power loss, none, never a wrong one; a file that
 * cannot be read counts as none.
 *
 * <pre>
 * peer=scm-b
 * incarnation=1764900000123
 * sequence=48211
 * </pre>
 */
final class ReplayFloorFile {
    static final String NAME = "replay-floor";
    private final Path file;
    private final String peer;

    /** @param folder {@code <data>/link} */
    ReplayFloorFile(Path folder, String peer) {
        this.file = folder.resolve(NAME);
        this.peer = peer;
    }

    Path file() {
        return file;
    }

    /**
     * @return the floor kept for this peer, or {@code null} if none (no file, another peer's)
     * @throws IOException naming the file if it cannot be read or is not a floor
     */
    AntiReplay.Floor read() throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        }
        Map<String, String> values = new HashMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                values.put(line.substring(0, eq), line.substring(eq + 1).strip());
            }
        }
        if (!peer.equals(values.get("peer"))) {
            return null; // the pair changed: nothing of the old peer applies
        }
        try {
            long incarnation = Long.parseLong(values.getOrDefault("incarnation", ""));
            long sequence = Long.parseLong(values.getOrDefault("sequence", ""));
            if (incarnation < 0 || sequence < 0) {
                throw new NumberFormatException("negative");
            }
            return new AntiReplay.Floor(incarnation, sequence);
        } catch (NumberFormatException e) {
            throw new IOException(file + " is not a replay floor (" + e.getMessage() + ")");
        }
    }

    /** Replaces the file with {@code floor}. */
    void write(AntiReplay.Floor floor) throws IOException {
        Files.createDirectories(file.getParent());
        Path temp = file.resolveSibling("." + NAME + "." + ProcessHandle.current().pid() + ".tmp");
        Files.writeString(temp, "peer=" + peer + "\nincarnation=" + floor.incarnation() + "\nsequence=" + floor.sequence()
                + "\n", StandardCharsets.UTF_8);
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** @return the newer of two floors (either may be {@code null}) */
    static AntiReplay.Floor newer(AntiReplay.Floor a, AntiReplay.Floor b) {
        if (a == null || b == null) {
            return a == null ? b : a;
        }
        if (a.incarnation() != b.incarnation()) {
            return a.incarnation() > b.incarnation() ? a : b;
        }
        return a.sequence() >= b.sequence() ? a : b;
    }
}
