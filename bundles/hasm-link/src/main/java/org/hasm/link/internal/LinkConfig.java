package org.hasm.link.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The fixed part of the configuration, for metatype. Each channel adds
 * {@code channel.<name>.local} (where this SCM listens, TCP) and {@code channel.<name>.peer} (where
 * the peer listens), both {@code IP:port}; those keys are dynamic, so the component reads its
 * properties as a map.
 */
@ObjectClassDefinition(id = LinkComponent.PID, name = "hasm link",
        description = "The redundant request/response link to the peer.")
@interface LinkConfig {

    @AttributeDefinition(name = "channels", description = "Comma separated channel names, tried in this order"
            + " while their error counts are equal. Empty: no peer to talk to.")
    String channels() default "";

    @AttributeDefinition(name = "connect timeout (ms)", description = "How long one channel may take to connect"
            + " before the next one is tried.", min = "1")
    long connect_timeout_ms() default LinkSettings.DEFAULT_CONNECT_TIMEOUT_MS;
}
