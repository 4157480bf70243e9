package org.hasm.node.internal;

import org.hasm.spi.node.Node;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * A personality, for metatype ({@link PersonalityConfig} reads it). Its other keys are dynamic and
 * owned by the services that read them, which declare them ({@code ConfigurationCheck.KEYS}):
 * {@code export.<protocol>.<name>} by the service of that protocol (nas-http:
 * {@code export.http.*}), service settings such as {@code http.port} or {@code example.port} by
 * their service.
 */
@ObjectClassDefinition(id = Node.PERSONALITY_FACTORY_PID, factoryPid = Node.PERSONALITY_FACTORY_PID,
        name = "hasm personality", description = "A personality of the pair: its name, the SCM whose own it is, its"
                + " service addresses and volumes; export.<protocol>.<name>=<volume>:<path>[:ro|:rw] and the keys"
                + " of the services that serve it.")
@interface PersonalityDefinition {

    @AttributeDefinition(name = "name", description = "The personality's name: letters, digits, '_' and '-'.")
    String name();

    @AttributeDefinition(name = "home", description = "The SCM whose own personality it is: this SCM or its peer.")
    String home();

    @AttributeDefinition(name = "addresses", description = "Its service addresses, comma separated IP literals"
            + " (names are not resolved: a takeover never waits for a name server).")
    String addresses() default "";

    @AttributeDefinition(name = "volumes", description = "Its volumes on the shared storage, comma separated; a"
            + " volume belongs to one personality.")
    String volumes() default "";
}
