package org.hasm.storage.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The storage module's configuration; validated by {@link StorageSettings}. */
@ObjectClassDefinition(id = StorageSettings.PID, name = "hasm storage",
        description = "Volumes on the shared storage: where it is, and how often ownership is re-checked.")
@interface StorageConfig {

    @AttributeDefinition(name = "shared storage folder", description = "Absolute path of the storage both SCMs"
            + " share: volumes/<volume>/ holds the data, owners/<volume> who owns it. Required when a personality"
            + " has volumes; the folder itself must exist (it is never created, so an unmounted storage is noticed).")
    String shared_dir() default "";

    @AttributeDefinition(name = "check interval (ms)", description = "How often the watchdog re-reads the ownership"
            + " record of every owned volume, to stop serving one the peer took over.", min = "10", max = "60000")
    long check_interval_ms() default StorageSettings.DEFAULT_CHECK_INTERVAL_MS;

    @AttributeDefinition(name = "lease (ms)", description = "How long writes may be acknowledged after the watchdog"
            + " last read a volume's record; at least twice the check interval, and shorter than the storage"
            + " heartbeat's lease (org.hasm.status.channel counter x interval.ms) by more than an interval. A peer"
            + " that cannot fence this SCM waits at least this long before it takes the volumes over. Both SCMs"
            + " must use the same.", min = "20", max = "600000")
    long lease_ms() default StorageSettings.DEFAULT_LEASE_MS;
}
