package org.hasm.storage.internal.fence;

/** Where a fence agent's core says what it did and why it refused; the OSGi shell logs it. */
interface Reporter {
    void info(String message);

    void warn(String message);
}
