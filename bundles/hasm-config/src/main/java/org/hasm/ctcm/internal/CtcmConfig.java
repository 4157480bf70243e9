package org.hasm.ctcm.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The CTCM's own configuration: this node's, never one of the pair's files. */
@ObjectClassDefinition(id = CtcmComponent.PID, name = "hasm configuration transactions",
        description = "CTCM: which configuration files are the pair's, where their replica is, how long to wait for the peer.")
@interface CtcmConfig {

    @AttributeDefinition(name = "pair files", description = "The configuration files both SCMs share, changed only"
            + " through configuration transactions on the MASTER: PID or FACTORYPID~NAME, a trailing * for any rest."
            + " Every other etc/*.cfg is this node's own (its channels, its fence).")
    String[] pair_files() default {"org.hasm.personality~*", "org.hasm.controller", "org.hasm.nas.*", "org.hasm.example"};

    @AttributeDefinition(name = "replica folder", description = "Absolute path of the folder on the shared storage"
            + " that holds the replica of the configuration database; empty: config/ in org.hasm.storage's shared.dir"
            + " (none when that is not configured either).")
    String replica_dir() default "";

    @AttributeDefinition(name = "peer timeout (ms)", description = "How long a request to the peer's CTCM (its"
            + " fingerprint at power-up, a commit sent to it) may take.", min = "50", max = "60000")
    long peer_timeout_ms() default 2000;

    @AttributeDefinition(name = "history size", description = "How many committed transactions are kept for"
            + " hasmctl config history.", min = "1", max = "100000")
    int history_size() default 200;

    @AttributeDefinition(name = "catch-up interval (ms)", description = "How often a serving SCM compares its"
            + " configuration's generation with the replica's and applies a newer one it missed (a transaction sent"
            + " while the link was down, or committed by a MASTER that died before telling it).", min = "100",
            max = "3600000")
    long catchup_interval_ms() default 2000;
}
