package org.hasm.spi;

import java.time.Instant;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A rolling upgrade of the pair, as kept on the shared storage: what it installs, its steps with
 * when each started and ended, and how it stands. Either SCM reads it; the MASTER carries it out.
 * Implemented by hasm.
 *
 * @since package 1.1.0, hasm 1.0.0
 */
@ProviderType
public interface UpgradeView {

    /** @return the upgrade's name */
    String id();

    /** @return the symbolic name of the bundle it installs */
    String bundle();

    /** @return the bundle's version before (what a rollback returns to) */
    String from();

    /** @return the bundle's version after */
    String to();

    /** @return the SHA-256 (hex) of the jar it installs, checked before every install */
    String sha256();

    /**
     * @return {@code RUNNING}, {@code DONE}, {@code ROLLING_BACK}, {@code ROLLED_BACK}, {@code ABORTING},
     *     {@code ABORTED} or {@code FAILED}
     */
    String status();

    /** @return why it rolls back, rolled back, aborts, aborted or failed; {@code null} otherwise */
    String cause();

    /**
     * @return why it waits for the operator ({@code hasmctl upgrade --resume} or {@code --abort}): the SCM
     *     that conducted it was lost in the middle of a step; {@code null} when it does not wait
     */
    String held();

    /** @return the index in {@link #steps()} of the step in progress ({@code steps().size()} once none is left) */
    int current();

    /** @return every step, done, in progress and planned, the steps of an undo included */
    List<Step> steps();

    /** One step. */
    @ProviderType
    interface Step {
        /** @return what it does, e.g. "install 1.0.1 on scm-b" */
        String description();

        /** @return {@code HANDOVER}, {@code INSTALL} or {@code REJOIN} */
        String kind();

        /** @return the SCM it concerns */
        String scm();

        /** @return when it started, {@code null} before */
        Instant started();

        /** @return when it ended, {@code null} before */
        Instant ended();

        /** @return "done", what went wrong, or {@code null} while it has not ended */
        String outcome();
    }
}
