/**
 * Typed configuration for hasm's bundles: the conversion of configuration properties to a
 * component property type the way Declarative Services does it ({@link org.hasm.config.Typed}), and
 * what a bundle's settings report when a value is wrong ({@link org.hasm.config.ConfigProblem}). The
 * node bundle contains and exports this package, with {@code org.hasm.wire}: every bundle that checks
 * its configuration converts and reports it one way, and the node's check says it in the same words.
 */
@Version("1.1.0")
package org.hasm.config;

import org.osgi.annotation.versioning.Version;
