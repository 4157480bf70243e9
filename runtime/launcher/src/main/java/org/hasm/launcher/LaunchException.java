package org.hasm.launcher;

/**
 * Something the operator has to fix. The launcher prints the message as one line on stderr,
 * prefixed with {@code hasm: }, and exits with {@link #exitCode()}; never a stack trace, because
 * the message already says which file and which key are wrong.
 */
final class LaunchException extends Exception {

    private static final long serialVersionUID = 1L;

    /** The framework failed or did not stop in time. */
    static final int FAILED = 1;
    /** Bad usage or configuration: nothing was started. */
    static final int CONFIG = 2;
    /** Bundles that do not resolve or do not start: the SCM was not (or no longer) started. */
    static final int BUNDLES = 3;

    private final int exitCode;

    LaunchException(String message) {
        this(CONFIG, message);
    }

    LaunchException(int exitCode, String message) {
        // no cause and no stack trace: the message is the whole report
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
