package org.hasm.controller.internal;

import org.hasm.spi.HaContext;

/** What a module's context needs from the controller. */
interface ContextHost {
    /** @return the settings in force now */
    Settings settings();

    Sink sink();

    /**
     * A module says it can no longer serve.
     *
     * @param entry the module
     * @param context the context it panicked through: a panic through an earlier incarnation's is dropped
     * @param reason the module's words
     */
    void panic(ModuleEntry entry, HaContext context, String reason);
}
