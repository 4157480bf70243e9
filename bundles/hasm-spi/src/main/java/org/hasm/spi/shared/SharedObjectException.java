package org.hasm.spi.shared;

/**
 * A shared-object call that did not do what it was asked. The message names the object and the
 * cause; {@link #reason()} says which cause, for code that reacts to it.
 */
public class SharedObjectException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why a call failed. */
    public enum Reason {
        /** The name is empty, too long, or has characters outside the allowed set. */
        INVALID_NAME,
        /** The object does not exist (never created, deleted, or a volatile object after both SCMs rebooted). */
        NOT_FOUND,
        /** {@code create} of an object that exists with the other persistence. */
        CONFLICT,
        /** The lock was not granted before the deadline: another holder has it. */
        LOCK_TIMEOUT,
        /** The lock given is not (any more) held: unlocked, or released at a failover or when its bundle stopped. */
        NOT_HELD,
        /** The value is larger than {@link SharedObjects#MAX_VALUE_BYTES}. */
        TOO_LARGE,
        /**
         * The peer, alive, did not confirm the write in time. The outcome is undecided: the value
         * may be the new one on this SCM only; the MASTER's copy settles it when they resynchronise.
         */
        PEER,
        /** The local data folder refused the write (full, read-only, I/O error): nothing changed. */
        STORAGE,
        /** The PSOM module is not running on this SCM, or cannot reach the MASTER for a lock. */
        UNAVAILABLE
    }

    private final String object;
    private final Reason reason;

    /**
     * @param object the object's name
     * @param reason why
     * @param message what happened, naming the object
     */
    public SharedObjectException(String object, Reason reason, String message) {
        super(message);
        this.object = object;
        this.reason = reason;
    }

    /**
     * @param object the object's name
     * @param reason why
     * @param message what happened, naming the object
     * @param cause the underlying failure
     */
    public SharedObjectException(String object, Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.object = object;
        this.reason = reason;
    }

    /** @return the name of the object the failed call was about */
    public String object() {
        return object;
    }

    /** @return why the call failed */
    public Reason reason() {
        return reason;
    }
}
