package org.hasm.spi.storage;

import java.io.IOException;

/**
 * This SCM no longer owns the volume: another SCM took it over at a higher epoch, or this SCM's
 * lease on it lapsed. A write that gets this must not be acknowledged.
 */
public class FencedException extends IOException {
    private static final long serialVersionUID = 1L;

    /** @param message which volume, which epochs */
    public FencedException(String message) {
        super(message);
    }
}
