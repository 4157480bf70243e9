package org.hasm.testkit;

/**
 * One way a module broke the lifecycle contract, found by a {@link ContractKit} run.
 *
 * @param kind what was broken
 * @param phase where in the run: the scenario and the call ({@code FAILBACK: opMode(MASTER, DAC)})
 * @param message what was seen, naming the personality, the address, the file
 */
public record Violation(Kind kind, String phase, String message) {

    /** What a module can break. */
    public enum Kind {
        /** A call threw ({@code HaException} or any runtime exception) where the contract expects it to pass. */
        CALL_FAILED,
        /** The same call, repeated at once with the same arguments, failed or changed what the module serves. */
        NOT_IDEMPOTENT,
        /** A call did not return by its deadline ({@code HaContext.deadline(call)}). */
        PAST_DEADLINE,
        /** An address and port of a personality the module was told to give away (or after {@code stop}) is still held. */
        KEPT_PORT,
        /** The module listened on a personality's address before any {@code opMode} told it to serve. */
        SERVED_TOO_EARLY,
        /** The client given to the kit could not use a personality the module was told to serve. */
        NOT_SERVING,
        /** A file on a volume changed after the volume was fenced (taken over by the peer). */
        WRITE_AFTER_FENCE,
        /** A new instance, brought up after the old one's {@code stop} and {@code shutDown}, failed to come up. */
        HOT_REPLACE_FAILED,
        /** The module called {@code HaContext.panic} although nothing was wrong. */
        PANICKED
    }

    @Override
    public String toString() {
        return kind + " in '" + phase + "': " + message;
    }
}
