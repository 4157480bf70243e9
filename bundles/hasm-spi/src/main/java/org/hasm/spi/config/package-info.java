/**
 * The pair's shared configuration and files.
 *
 * <p>{@link org.hasm.spi.config.PairConfiguration} (CTCM) changes the pair's configuration as
 * transactions committed by the MASTER, numbered by generation; {@link org.hasm.spi.config.SharedFiles}
 * (SFM) keeps files written on the MASTER identical on both SCMs. Both are provided by hasm's
 * {@code org.hasm.ctcm} bundle. {@link org.hasm.spi.config.ProposalCheck} is provided by the node: the
 * check {@code hasm check} runs, applied to a configuration not yet in force.
 */
@Export
@Version("1.0.0")
package org.hasm.spi.config;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
