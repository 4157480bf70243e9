package org.hasm.status.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * One status channel: the factory configuration {@code org.hasm.status.channel~NAME}, NAME being the
 * channel's name. A network channel (UDP) needs {@code local} and {@code peer}; a storage heartbeat
 * channel {@code kind=disk} and {@code dir}.
 */
@ObjectClassDefinition(id = Settings.CHANNEL_PID, factoryPid = Settings.CHANNEL_PID, name = "hasm status channel",
        description = "A channel the status messages take to the peer: a network (UDP) or a heartbeat on the shared"
                + " storage. The configuration's name (org.hasm.status.channel~NAME) is the channel's.")
@interface ChannelDefinition {

    @AttributeDefinition(name = "kind", description = "udp: a network between the SCMs; disk: a heartbeat file on"
            + " the shared storage, the tie-breaker that tells a partition from a death.",
            options = {@Option(value = Settings.KIND_UDP), @Option(value = Settings.KIND_DISK)})
    String kind() default Settings.KIND_UDP;

    @AttributeDefinition(name = "local address", description = "udp: IP:port this SCM binds ([v6]:port for IPv6;"
            + " names are not resolved).")
    String local() default "";

    @AttributeDefinition(name = "peer address", description = "udp: IP:port where the peer listens.")
    String peer() default "";

    @AttributeDefinition(name = "heartbeat folder", description = "disk: absolute path of an existing folder on the"
            + " shared storage; each SCM writes its slot <dir>/<scm> every interval.")
    String dir() default "";

    @AttributeDefinition(name = "lease (intervals)", description = "disk: the heartbeat's lease in intervals: the"
            + " peer is dead once its heartbeat stood still this long. 0: twice counter.start. It must be longer"
            + " than the storage lease (org.hasm.storage lease.ms) plus an interval, or the peer could take over a"
            + " volume this SCM still writes.", min = "0", max = "1000000")
    int counter() default 0;

    @AttributeDefinition(name = "fsync", description = "disk: force every heartbeat to the storage (slower; for"
            + " storage that caches writes between the SCMs).")
    boolean fsync() default false;

    @AttributeDefinition(name = "drop (%, test only)", description = "Drops this share of the peer's frames on this"
            + " channel; honoured only with the framework property hasm.faults.enabled=true (the admin API's"
            + " fault switch sets it).", min = "0", max = "100")
    int fault_drop() default 0;
}
