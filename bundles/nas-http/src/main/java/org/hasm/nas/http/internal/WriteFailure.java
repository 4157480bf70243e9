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

    WriteFailure(int status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    int status() {
        return status;
    }
}
