package org.hasm.spi.storage;

import java.io.IOException;

/**
 * A durable write ({@link DurableFiles#write}) failed on the storage: which step, and what the volume
 * made of the error. The cause is the file system's own error.
 *
 * @since org.hasm.spi.storage 1.3.0, hasm.spi 1.1.0
 */
public class DurableWriteException extends IOException {
    private static final long serialVersionUID = 1L;

    /** The step of a durable write that failed. */
    public enum Step {
        /** Creating the temporary file (or a private folder). Nothing changed under the target. */
        CREATE,
        /** Writing or forcing the temporary file. Nothing changed under the target. */
        WRITE,
        /** Renaming the temporary file over the target. Nothing changed under the target. */
        RENAME,
        /**
         * Forcing the folder after the rename: the new content is in place, but the rename may not
         * survive a crash of the host. Do not acknowledge the write.
         */
        SYNC
    }

    private final Step step;
    private final VolumeProblem.Kind problem;

    /**
     * @param step the step that failed
     * @param problem what {@link Volume#writeFailed} said of the error, or {@code null}
     * @param message which volume, which file, the error
     * @param cause the file system's error
     */
    public DurableWriteException(Step step, VolumeProblem.Kind problem, String message, IOException cause) {
        super(message, cause);
        this.step = step;
        this.problem = problem;
    }

    /** @return the step that failed */
    public Step step() {
        return step;
    }

    /**
     * @return what the volume made of the error ({@link VolumeProblem.Kind#FULL},
     *     {@link VolumeProblem.Kind#READ_ONLY}, {@link VolumeProblem.Kind#IO_ERROR}: the storage module
     *     reports it), or {@code null} when it is none of those and the caller reports it itself
     */
    public VolumeProblem.Kind problem() {
        return problem;
    }
}
