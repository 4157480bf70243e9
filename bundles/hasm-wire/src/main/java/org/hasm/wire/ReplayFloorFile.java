package org.hasm.wire;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;

/**
 * Where a receiver keeps its {@link AntiReplay.Floor} across restarts: {@code <folder>/replay-floor} (the
 * link's in {@code <data>/link}, the status monitor's in {@code <data>/status}), so that a receiver started
 * after a restart refuses every frame recorded before it (a link command carried out once, a status saying
 * the peer is alive). Written by rename, without a force, by one writer at a time off the receiving path:
 * a crash leaves an older floor (the frames of the last moments before it could be taken once more) or,
 * after a power loss, none, never a wrong one; a file that cannot be read is an error naming it, which the
 * caller reports and counts as none.
 *
 * <pre>
 * peer=scm-b
 * incarnation=1764900000123
 * sequence=48211
 * </pre>
 *
 * @since 1.3
 */
public final class ReplayFloorFile {
    /** The file's name in its folder. */
    public static final String NAME = "replay-floor";
    // A floor is three short lines: anything much longer is not one, and is not read into memory whole.
    private static final long LONGEST = 4096;
    private final Path file;
    private final String peer;

    /**
     * @param folder the receiver's folder in the SCM's data folder
     * @param peer the peer's name: a floor kept for another peer is none of this one's
     */
    public ReplayFloorFile(Path folder, String peer) {
        this.file = folder.resolve(NAME);
        this.peer = peer;
    }

    /** @return the file */
    public Path file() {
        return file;
    }

    /**
     * @return the floor kept for this peer, or {@code null} if none (no file, another peer's)
     * @throws IOException naming the file if it cannot be read or is not a floor
     */
    public AntiReplay.Floor read() throws IOException {
        String text;
        try {
            if (Files.size(file) > LONGEST) {
                throw new IOException(file + " is not a replay floor (" + Files.size(file) + " bytes)");
            }
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        } catch (CharacterCodingException e) {
            throw new IOException(file + " is not a replay floor (not text)", e);
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

    /** Replaces the file with {@code floor}; one writer at a time. */
    public void write(AntiReplay.Floor floor) throws IOException {
        Files.createDirectories(file.getParent());
        Path temp = file.resolveSibling("." + NAME + "." + ProcessHandle.current().pid() + ".tmp");
        Files.writeString(temp, "peer=" + peer + "\nincarnation=" + floor.incarnation() + "\nsequence=" + floor.sequence()
                + "\n", StandardCharsets.UTF_8);
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** @return the newer of two floors (either may be {@code null}) */
    public static AntiReplay.Floor newer(AntiReplay.Floor a, AntiReplay.Floor b) {
        if (a == null || b == null) {
            return a == null ? b : a;
        }
        if (a.incarnation() != b.incarnation()) {
            return a.incarnation() > b.incarnation() ? a : b;
        }
        return a.sequence() >= b.sequence() ? a : b;
    }
}
