package org.hasm.ups.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The configuration {@code org.hasm.ups}, for metatype and as the component's property type. Read and
 * validated by {@link Settings}, so that a bad value is reported naming the key rather than coerced.
 */
@ObjectClassDefinition(id = UpsComponent.PID, name = "hasm UPS",
        description = "The UPS that feeds the pair, watched through Network UPS Tools (upsd), and what to do when"
                + " the power fails.")
@interface UpsConfig {

    @AttributeDefinition(name = "UPS name", description = "The UPS as upsd knows it (its section in ups.conf).")
    String ups() default "";

    @AttributeDefinition(name = "upsd host", description = "Where upsd listens: an IP address or a host name.")
    String host() default Settings.DEFAULT_HOST;

    @AttributeDefinition(name = "upsd port", description = "upsd's TCP port.", min = "1", max = "65535")
    int port() default Settings.DEFAULT_PORT;

    @AttributeDefinition(name = "user", description = "A user of upsd.users to log in as (LOGIN, so that upsd"
            + " counts this SCM among the UPS's clients); empty: read without logging in.")
    String user() default "";

    @AttributeDefinition(name = "password", description = "The user's password (with user).")
    String password() default "";

    @AttributeDefinition(name = "poll interval (ms)", description = "How often upsd is asked, and how soon a"
            + " lost connection is tried again.", min = "100", max = "600000")
    long poll_interval_ms() default Settings.DEFAULT_POLL_MS;

    @AttributeDefinition(name = "connect timeout (ms)", description = "How long connecting to upsd and each"
            + " answer may take.", min = "100", max = "60000")
    long timeout_ms() default Settings.DEFAULT_TIMEOUT_MS;

    @AttributeDefinition(name = "on-battery grace (ms)", description = "How long the UPS may run on battery (or"
            + " an alarm on the grace path may last) before the pair is shut down; power back within it is"
            + " an event, nothing else.", min = "0", max = "86400000")
    long grace_ms() default Settings.DEFAULT_GRACE_MS;

    @AttributeDefinition(name = "wait for the SLAVE (ms)", description = "How long the MASTER waits for the"
            + " SLAVE it ordered to shut down to halt before it shuts down itself.", min = "100", max = "3600000")
    long peer_wait_ms() default Settings.DEFAULT_PEER_WAIT_MS;

    @AttributeDefinition(name = "wait for the MASTER (ms)", description = "How long a SLAVE whose MASTER is alive"
            + " waits for its order, once it would shut down, before it shuts down by itself.",
            min = "0", max = "3600000")
    long order_wait_ms() default Settings.DEFAULT_ORDER_WAIT_MS;

    @AttributeDefinition(name = "on an alarm", description = "What an alarm the UPS reports (ups.alarm set, the"
            + " ALARM flag: overheating, a fan, ...) leads to: grace (the on-battery path), now (shut down at"
            + " once) or event (report it, nothing else).")
    String alarm_action() default "grace";

    @AttributeDefinition(name = "on overload", description = "What the OVER flag (overload) leads to: grace, now"
            + " or event.")
    String overload_action() default "grace";

    @AttributeDefinition(name = "on replace battery", description = "What the RB flag (the battery needs"
            + " replacing) leads to: grace, now or event.")
    String replace_battery_action() default "event";
}
