package org.hasm.link.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * One link channel: the factory configuration {@code org.hasm.link.channel~NAME}, NAME being the
 * channel's name: a TCP connection to the peer on one network.
 */
@ObjectClassDefinition(id = LinkSettings.CHANNEL_PID, factoryPid = LinkSettings.CHANNEL_PID, name = "hasm link channel",
        description = "A network the link reaches the peer on. The configuration's name (org.hasm.link.channel~NAME)"
                + " is the channel's.")
@interface ChannelDefinition {

    @AttributeDefinition(name = "local address", description = "IP:port where this SCM listens (TCP; [v6]:port for"
            + " IPv6; names are not resolved).")
    String local();

    @AttributeDefinition(name = "peer address", description = "IP:port where the peer listens.")
    String peer();

    @AttributeDefinition(name = "order", description = "Channels are tried lowest first (then by name) while their"
            + " error counts are equal.", min = "0", max = "1000000")
    int order() default 100;
}
