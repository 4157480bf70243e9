package org.hasm.spi;

/**
 * Thrown by a module whose lifecycle call failed. The controller records the message as the
 * module's failure; any other {@link RuntimeException} is treated the same way.
 */
public class HaException extends Exception {
    private static final long serialVersionUID = 1L;

    /** @param message what failed, for the operator */
    public HaException(String message) {
        super(message);
    }

    /**
     * @param message what failed, for the operator
     * @param cause the underlying failure
     */
    public HaException(String message, Throwable cause) {
        super(message, cause);
    }
}
