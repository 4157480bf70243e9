package org.hasm.spi.node;

import java.util.Map;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A whiteboard service that checks the configurations a bundle owns with the same code its
 * components run when they activate, so that {@code hasm check} and every start refuse what the
 * components would refuse, naming the file and the key. Every key of every configuration is checked
 * against the metatype its bundle declares (type, range, options), and a key no metatype declares is
 * refused unless a check owns it: {@value #KEYS} declares the keys a bundle reads beyond its metatype
 * (the keys a service reads from a personality, say).
 *
 * <p>Called on any thread, never twice at once; a check must not block, open sockets or write.
 * Register it from a component that needs nothing of the running SCM (it is used before the SCM
 * starts).
 */
@ConsumerType
public interface ConfigurationCheck {

    /**
     * Service property: the keys this check owns beyond their configuration's metatype, each as
     * {@code PID:KEY}, where {@code KEY} may end in {@code *} for any rest
     * ({@code org.hasm.personality:export.http.*}). A String or a String array.
     */
    String KEYS = "hasm.config.keys";

    /**
     * Checks the configurations this check owns; reports every problem and every timing value both
     * SCMs must share.
     *
     * @param configurations the node's configurations
     * @param findings where to report
     */
    void check(Configurations configurations, Findings findings);

    /**
     * Checks what depends on the timing of other bundles (a lease that must be shorter than another
     * bundle's), once every check has reported its timing values. By default nothing.
     *
     * @param timing every timing value reported, by {@code "PID key"}
     * @param findings where to report a problem
     */
    default void crossCheck(Map<String, String> timing, Findings findings) {
    }
}
