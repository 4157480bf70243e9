/**
 * The event log: every hasm event posted on Event Admin ({@code org/hasm/*}), kept on each SCM in a
 * bounded, crash-safe log, the peer's included (forwarded over the link). Read it through
 * {@link org.hasm.spi.events.EventJournal}.
 */
@Export
@Version("1.0.0")
package org.hasm.spi.events;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
