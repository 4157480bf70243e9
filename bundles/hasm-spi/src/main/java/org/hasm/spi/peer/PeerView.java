package org.hasm.spi.peer;

import java.time.Instant;
import org.hasm.spi.OpMode;
import org.hasm.spi.ScmState;
import org.osgi.annotation.versioning.ProviderType;

/** What this SCM knows of its peer, as a snapshot. Implemented by hasm. */
@ProviderType
public interface PeerView {

    /** @return the peer's name, as configured */
    String scm();

    /**
     * @return {@code true} unless there is evidence that the peer no longer serves (see {@link
     *     #verdict()}): it reported MONITOR or HALTED, it was fenced or found stopped, its storage lease
     *     ran out, or every channel is BAD where no storage channel can prove a partition
     */
    boolean alive();

    /**
     * @return why the peer is held alive or dead; consistent with {@link #alive()}
     * @since package 1.1.0, hasm 1.0.0
     */
    default Verdict verdict() {
        return alive() ? Verdict.HEARD : Verdict.SILENT;
    }

    /** @return the state the peer last reported, or {@code null} if it was never heard */
    ScmState state();

    /** @return the role the peer last reported it runs in, or {@code null} */
    OpMode opMode();

    /** @return the role the peer is configured with, or {@code null} if never heard */
    OpMode configuredRole();

    /**
     * @return the peer's incarnation: a number it draws at every boot, so that a restart is seen
     *     even when no channel went BAD in between; 0 if never heard
     */
    long incarnation();

    /** @return when a valid status message from the peer last arrived, or {@code null} */
    Instant lastHeard();
}
