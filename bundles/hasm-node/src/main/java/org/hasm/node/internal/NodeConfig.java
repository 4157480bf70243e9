package org.hasm.node.internal;

import org.hasm.spi.node.Node;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * The node's configuration. Its keys are the operator's: the launcher copies them from
 * {@code etc/hasm.properties} (and adds the folders it derives), so a problem names the key the
 * operator wrote.
 */
@ObjectClassDefinition(id = Node.PID, name = "hasm node",
        description = "This SCM's identity in its pair, its data folder and the cluster key, from etc/hasm.properties.")
@interface NodeConfig {

    @AttributeDefinition(name = "SCM name", description = "This SCM's name, unique in the pair: letters, digits,"
            + " '_' and '-', at most 64.")
    String hasm_scm();

    @AttributeDefinition(name = "peer", description = "The other SCM's name. Empty: a standalone SCM, which watches"
            + " no peer and needs no cluster key.")
    String hasm_peer() default "";

    @AttributeDefinition(name = "configured role", description = "MASTER or SLAVE: exactly one SCM of a pair is"
            + " configured MASTER.", options = {@Option(value = "MASTER"), @Option(value = "SLAVE")})
    String hasm_role();

    @AttributeDefinition(name = "data folder", description = "Absolute path where hasm's bundles keep state across"
            + " restarts (the incarnation, the ownership records' cache); the launcher sets it to DIR/data/hasm.")
    String hasm_data_dir();

    @AttributeDefinition(name = "cluster key file", description = "Absolute path of the key both SCMs of the pair"
            + " share (hex or base64, at least 32 bytes, owner-only); the launcher sets it to DIR/etc/cluster.key"
            + " unless etc/hasm.properties names another. Required when a peer is configured.")
    String hasm_cluster_key_file() default "";
}
