/**
 * The node: this SCM's identity in its pair (its name, its peer, its configured role, its data
 * folder), the incarnation of its current boot, the personalities of the pair, and its
 * configuration, validated once for every bundle.
 *
 * <p>{@link org.hasm.spi.node.Node} is provided by hasm's node bundle: no other bundle reads the
 * node's keys ({@code hasm.scm}, {@code hasm.peer}, {@code hasm.role}, the data folder, the cluster
 * key) itself. {@link org.hasm.spi.node.ConfigurationCheck} is a whiteboard that hasm's bundles and
 * service authors implement, so that {@code hasm check} and every start refuse a configuration that
 * their components would refuse, naming the file and the key.
 *
 * <p>1.1.0: {@link org.hasm.spi.node.PersonalityKeys}: the per-personality keys a service reads,
 * declared once and judged the same way by {@code hasm check}, {@code test()} and {@code opMode}.
 *
 * @since hasm.spi 1.1.0
 */
@Export
@Version("1.1.0")
package org.hasm.spi.node;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
