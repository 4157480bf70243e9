package org.hasm.spi;

import java.time.Instant;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One entry of the controller's call journal: one lifecycle call to one module and its outcome.
 * Implemented by hasm.
 */
@ProviderType
public interface CallRecord {

    /** The outcome of a call. */
    enum Outcome {
        /** Returned normally. */
        PASSED,
        /** Threw. */
        FAILED,
        /** Did not return by its deadline. */
        TIMED_OUT
    }

    /**
     * @return the entry's number, given when the call started (a late return's entry gets its own
     *     when it returns); increases for the life of the controller. A call is listed once its
     *     outcome is known, so a long call appears after calls that started later and ended sooner.
     */
    long sequence();

    /** @return the module called */
    String module();

    /** @return the call */
    Call call();

    /** @return the mode given, for {@link Call#OPMODE}; otherwise {@code null} */
    OpMode opMode();

    /** @return the system configuration given, for {@link Call#OPMODE}; otherwise {@code null} */
    SysConfig sysConfig();

    /** @return the outcome */
    Outcome outcome();

    /** @return what was thrown or why it timed out; {@code null} if it passed */
    String error();

    /** @return when the call started */
    Instant started();

    /** @return how long it ran, in milliseconds (the deadline for a timed-out call) */
    long millis();

    /**
     * A call that overran its deadline has two entries: one {@link Outcome#TIMED_OUT} at the deadline,
     * and one made when it returned, late, with what it really did ({@link Outcome#PASSED} or
     * {@link Outcome#FAILED}), the same {@link #started()} and how long it really ran.
     *
     * @return {@code true} for the entry of a call that returned after its deadline
     * @since 1.1
     */
    default boolean late() {
        return false;
    }

    /**
     * @return the symbolic name of the bundle that registered the module called, or {@code null} if not
     *     known: with {@link #version()}, which build of the module the call went to (a journal that
     *     spans an upgrade shows the old and the new)
     * @since 1.1
     */
    default String bundle() {
        return null;
    }

    /**
     * @return the version of that bundle, or {@code null} if not known
     * @since 1.1
     */
    default String version() {
        return null;
    }
}
