package org.hasm.link.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The link's configuration; its channels are factory configurations of their own ({@link ChannelDefinition}). */
@ObjectClassDefinition(id = LinkComponent.PID, name = "hasm link",
        description = "The redundant request/response link to the peer.")
@interface LinkConfig {

    @AttributeDefinition(name = "connect timeout (ms)", description = "How long one channel may take to connect"
            + " before the next one is tried.", min = "1", max = "600000")
    long connect_timeout_ms() default LinkSettings.DEFAULT_CONNECT_TIMEOUT_MS;
}
