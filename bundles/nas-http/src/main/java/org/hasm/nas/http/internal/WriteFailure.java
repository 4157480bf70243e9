package org.hasm.nas.http.internal;

/**
 * A write through the resources that must not be acknowledged, with the HTTP status to answer.
 * Unchecked because it crosses Tomcat's {@code WebResourceRoot.write}, which can only say
 * {@code false} (Tomcat then answers 409 whatever went wrong); the servlet catches it.
 */
final class WriteFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    static final int INSUFFICIENT_STORAGE = 507;

    private final int status;
    private final boolean reported;

    WriteFailure(int status, String message, Throwable cause) {
        this(status, message, cause, false);
    }

    /**
     * @param reported the storage module reports this condition, once per change: the servlet must not
     *     log it again for every request that meets it
     */
    WriteFailure(int status, String message, Throwable cause, boolean reported) {
        super(message, cause);
        this.status = status;
        this.reported = reported;
    }

    int status() {
        return status;
    }

    /** @return whether the storage module reports the cause already (a full, read-only or failing storage) */
    boolean reported() {
        return reported;
    }
}
