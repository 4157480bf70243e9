package org.hasm.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * {@code DIR/hasm.pid}: the process id of the JVM that runs the SCM of node folder DIR, so that an
 * operator or a test can signal exactly that process ({@code kill -9 $(cat DIR/hasm.pid)}).
 *
 * <p>Written when the SCM starts and removed when the launcher ends normally. A file left by a
 * process that was killed is stale and is simply overwritten by the next start: the framework
 * storage is emptied at every start anyway, so nothing else trusts it.
 */
final class PidFile {

    static final String NAME = "hasm.pid";

    private final Path file;
    private final long pid;

    private PidFile(Path file, long pid) {
        this.file = file;
        this.pid = pid;
    }

    /**
     * @param nodeDir the node folder
     * @throws LaunchException if the file cannot be written
     */
    static PidFile write(Path nodeDir) throws LaunchException {
        Path file = nodeDir.resolve(NAME);
        long pid = ProcessHandle.current().pid();
        Path temp = nodeDir.resolve(NAME + ".tmp");
        try {
            Files.writeString(temp, pid + "\n", StandardCharsets.US_ASCII);
            // a reader never sees a half-written number
            try {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new LaunchException(file + ": cannot be written (" + e.getMessage() + ")");
        }
        return new PidFile(file, pid);
    }

    /**
     * Removes the file if it still names this process: a second launcher started on the same
     * folder meanwhile (a mistake, but possible) keeps its own.
     */
    void remove() {
        try {
            if (Files.isRegularFile(file) && Files.readString(file, StandardCharsets.US_ASCII).strip().equals(Long.toString(pid))) {
                Files.delete(file);
            }
        } catch (IOException e) {
            // nothing to do about it on the way out: the next start overwrites a stale file
        }
    }

    /**
     * @return the process id in {@code DIR/hasm.pid}, or -1 if there is none or it is not a number
     */
    static long read(Path nodeDir) {
        try {
            return Long.parseLong(Files.readString(nodeDir.resolve(NAME), StandardCharsets.US_ASCII).strip());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }
}
