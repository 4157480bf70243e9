package org.hasm.alerts.internal;

import org.hasm.spi.alerts.Alerts;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The configuration {@value AlertsComponent#PID}, for metatype and as the component's property type.
 * Read and validated by {@link Settings}, so that a wrong value is reported naming its key.
 */
@ObjectClassDefinition(id = AlertsComponent.PID, name = "hasm alerts",
        description = "The operator's scripts and webhooks this SCM tells when something an operator must know"
                + " happens on it: a transition, the peer, a fence, a volume, health, the UPS, an upgrade, an address.")
@interface AlertsConfig {

    @AttributeDefinition(name = "scripts", required = false, description = "Absolute paths of executables started"
            + " for each alert, without a shell, the alert in HASM_ALERT_* environment variables and as JSON on"
            + " standard input; exit 0 within the timeout is delivered. Several: a list, or separated by commas.")
    String[] alert_scripts() default {};

    @AttributeDefinition(name = "webhooks", required = false, description = "http or https URLs each alert is"
            + " posted to as JSON; a 2xx answer is delivered. Several: a list, or separated by commas.")
    String[] alert_webhooks() default {};

    @AttributeDefinition(name = "webhook token file", required = false, description = "A file whose content (one"
            + " word) is sent to every webhook as 'Authorization: Bearer ...'; read when the configuration is"
            + " applied, never logged or shown. Empty: no Authorization header.")
    String alert_webhook_token_file() default "";

    @AttributeDefinition(name = "kinds", description = "Which alerts are sent: state, peer, fence, volume, health,"
            + " ups, upgrade, address. A list, or separated by commas.")
    String[] alert_kinds() default {Alerts.KIND_STATE, Alerts.KIND_PEER, Alerts.KIND_FENCE, Alerts.KIND_VOLUME,
        Alerts.KIND_HEALTH, Alerts.KIND_UPS, Alerts.KIND_UPGRADE, Alerts.KIND_ADDRESS};

    @AttributeDefinition(name = "timeout (ms)", description = "How long a script may run, or a webhook take to"
            + " answer, for one alert; a script still running then is killed with its children.",
            min = "100", max = "300000")
    long alert_timeout_ms() default Settings.DEFAULT_TIMEOUT_MS;

    @AttributeDefinition(name = "queue", description = "Alerts waiting to be delivered; beyond, they are dropped,"
            + " counted, and an event org/hasm/alerts/DROPPED says how many.", min = "1", max = "1000000")
    int alert_queue_max() default Settings.DEFAULT_QUEUE_MAX;

    @AttributeDefinition(name = "webhook retries", description = "How often a webhook that did not answer 2xx"
            + " (no answer, 5xx, 408, 429) is tried again for one alert, after 0.25 s, 0.5 s, 1 s, then 2 s.",
            min = "0", max = "10")
    int alert_webhook_retries() default Settings.DEFAULT_RETRIES;
}
