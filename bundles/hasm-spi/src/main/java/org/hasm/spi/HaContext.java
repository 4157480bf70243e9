package org.hasm.spi;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A module's link to the controller, given to {@link HaModule#init}. Implemented by hasm; one
 * instance per module and boot. Safe to use from any thread.
 */
@ProviderType
public interface HaContext {

    /** Topic prefix of the events modules publish: {@code org/hasm/module/<name>/<event>}. */
    String EVENT_TOPIC_PREFIX = "org/hasm/module/";

    /** @return this SCM's name, unique in the pair */
    String scm();

    /** @return the role this SCM is configured with; the running role may differ (impersonation) */
    OpMode configuredRole();

    /** @return the name of the module this context belongs to */
    String moduleName();

    /**
     * The personalities this module was told to serve: those of the SCM's mode in its current (or
     * last) call. Before the first {@link HaModule#opMode} it is empty; during an {@code opMode} call
     * it already tells the personalities of the new mode.
     *
     * @return an unmodifiable list, own personality first
     */
    List<Personality> personalities();

    /**
     * @param call a lifecycle call
     * @return how long the controller waits for this module to return from that call: the module's
     *     own deadline ({@link HaModule#MODULE_DEADLINE_OPMODE} and the others) capped by the node's
     *     maximum, or the controller's default for the call
     */
    Duration deadline(Call call);

    /**
     * Posts an event on {@code org/hasm/module/<module name>/<event>} with the given properties
     * plus {@code scm} and {@code module}. Asynchronous; never blocks on listeners.
     *
     * @param event letters, digits, {@code _} and {@code -}
     * @param properties event properties; may be empty
     * @throws IllegalArgumentException if {@code event} is not a valid topic token
     */
    void publish(String event, Map<String, ?> properties);

    /**
     * Says that the module can no longer serve (an unrecoverable fault it found on its own). The
     * controller records it as the module's failure and posts an event. A service is left failed
     * for the health monitor to restart. A module of the {@code hasm} tier panics when the SCM
     * itself cannot go on as it is (a volume taken over by the peer, say): the SCM reboots — RESET:
     * stop, shutDown, BOOT — and its peer takes its personality over meanwhile. Returns at once.
     *
     * @param reason what went wrong, for the operator
     */
    void panic(String reason);
}
