/**
 * Alerts: what this SCM tells an operator's scripts and webhooks when something happens on it that
 * an operator must know (a transition, the peer lost, a fence, a volume, a health problem, the UPS, an
 * upgrade, an address), in the manner of keepalived's notify scripts and Pacemaker's alert agents.
 *
 * <p>{@link org.hasm.spi.alerts.Alerts} is provided by hasm's alerts bundle; the admin API reads it and
 * sends test alerts through it.
 *
 * @since package 1.0.0, hasm 1.0.0
 */
@Export
@Version("1.0.0")
package org.hasm.spi.alerts;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
