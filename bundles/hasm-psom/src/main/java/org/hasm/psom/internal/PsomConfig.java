package org.hasm.psom.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(id = PsomModule.PID, name = "hasm persistent shared objects",
        description = "PSOM: objects kept identical on both SCMs, written under the MASTER's lock.")
@interface PsomConfig {
    @AttributeDefinition(name = "request timeout (ms)", min = "50", max = "60000",
            description = "How long one request to the peer (a lock, an unlock, one attempt of a write, a resynchronisation page) waits for its answer.")
    long request_timeout_ms() default 2000;

    @AttributeDefinition(name = "write timeout (ms)", min = "50", max = "600000",
            description = "How long a write waits for a live peer to confirm it (retrying over the link) before it fails with PEER; a peer found dead meanwhile ends the wait at once and the write stays local.")
    long write_timeout_ms() default 5000;

    @AttributeDefinition(name = "tombstone lifetime (ms)", min = "60000",
            description = "How long a deleted object's tombstone is kept at least, before the MASTER prunes it, on the SLAVE first,"
                    + " once the SLAVE holds it too (a tombstone waits for a SLAVE that is away). At least 60000 and ten times"
                    + " write.timeout.ms, so that no older copy of the object can still be on its way between the SCMs.")
    long tombstone_lifetime_ms() default 600_000;
}
