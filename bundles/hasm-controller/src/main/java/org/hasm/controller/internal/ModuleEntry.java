package org.hasm.controller.internal;

import java.time.Instant;
import org.hasm.spi.Call;
import org.hasm.spi.HaModule;
import org.hasm.spi.ModuleInfo;
import org.hasm.spi.ModuleStatus;
import org.hasm.spi.Tier;

/**
 * One registered module. Identity (service id, bundle) is fixed; the properties and the status
 * change. Status fields are written by the controller thread only and read by anyone, hence
 * volatile; a {@link #snapshot()} may mix two updates, which a status view tolerates.
 */
final class ModuleEntry {
    final long serviceId;
    final HaModule module;
    final String bundle;
    final String version;

    // Service properties, replaced when the registration is modified (guarded by the registry).
    volatile ModuleProperties properties;

    volatile ModuleStatus status;
    volatile Call lastCall;
    volatile String lastError;
    volatile Instant since;
    /** init was called and shutDown not yet: the module may hold resources. */
    volatile boolean initialized;
    /** A call overran its deadline and is still running in the module. */
    volatile boolean busy;
    /** The context handed to the current incarnation, invalidated at shutDown. */
    volatile ModuleContext context;

    ModuleEntry(long serviceId, HaModule module, String bundle, String version, ModuleProperties properties) {
        this.serviceId = serviceId;
        this.module = module;
        this.bundle = bundle;
        this.version = version;
        this.properties = properties;
        this.status = properties.error() == null ? ModuleStatus.REGISTERED : ModuleStatus.INVALID;
        this.lastError = properties.error();
        this.since = Instant.now();
    }

    String name() {
        return properties.name();
    }

    Tier tier() {
        return properties.tier();
    }

    int rank() {
        return properties.rank();
    }

    void status(ModuleStatus newStatus, Call call, String error) {
        status = newStatus;
        lastCall = call;
        if (error != null || newStatus != ModuleStatus.FAILED) {
            lastError = error;
        }
        since = Instant.now();
    }

    /** May this module be called at all (not a duplicate, not invalid, no call stuck in it)? */
    boolean callable() {
        return status != ModuleStatus.CONFLICT && status != ModuleStatus.INVALID && !busy;
    }

    ModuleInfo snapshot() {
        return new Info(name(), tier(), rank(), bundle, version, status, lastCall, lastError, since);
    }

    @Override
    public String toString() {
        return name() + "[" + tier().value() + "/" + rank() + ", " + bundle + " " + version + ", service.id=" + serviceId + "]";
    }

    record Info(String name, Tier tier, int rank, String bundle, String version, ModuleStatus status,
            Call lastCall, String lastError, Instant since) implements ModuleInfo {
    }
}
