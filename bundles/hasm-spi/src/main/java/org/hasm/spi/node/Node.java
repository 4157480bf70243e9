package org.hasm.spi.node;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.hasm.spi.OpMode;
import org.hasm.spi.Personality;
import org.osgi.annotation.versioning.ProviderType;

/**
 * This SCM as a node of its pair, validated once from the configuration {@value #PID} (which the
 * launcher fills from the operator's {@code etc/hasm.properties}). Registered by hasm's node bundle
 * once its configuration is sound enough to name the SCM; every other bundle takes the identity from
 * here instead of reading framework properties.
 *
 * <p>The node is also the first HASM module: its {@code init} draws the incarnation of the boot
 * (a RESET is a new boot, so the peer sees a new incarnation) and checks every configuration of
 * the node again. Thread-safe.
 */
@ProviderType
public interface Node {

    /** The node's configuration PID; its keys are the operator's: {@code hasm.scm}, {@code hasm.peer}, ... */
    String PID = "org.hasm.node";

    /** The factory PID of the personalities: {@code org.hasm.personality~NAME}. */
    String PERSONALITY_FACTORY_PID = "org.hasm.personality";

    /** @return this SCM's name, unique in the pair: letters, digits, {@code _} and {@code -} */
    String scm();

    /** @return the peer's name, or {@code null} when this SCM runs standalone */
    String peer();

    /** @return whether no peer is configured */
    default boolean standalone() {
        return peer() == null;
    }

    /** @return the role this SCM is configured with (the running role may differ: impersonation) */
    OpMode configuredRole();

    /** @return the folder where hasm's bundles keep state across restarts, absolute */
    Path dataDir();

    /**
     * @return the incarnation of this boot: a number greater than any this SCM drew before, drawn at
     *     every boot (the node module's {@code init}); 0 before the first
     */
    long incarnation();

    /**
     * @return every personality of the pair, read from the configuration as it is now, this SCM's own
     *     first; a personality whose configuration is wrong is left out (and named by {@link #problems()})
     */
    List<Personality> personalities();

    /** @return the node's configurations as they are now, read-only */
    Configurations configurations();

    /**
     * @return what is wrong with the node's configuration, as of the last check (at activation, at
     *     every {@code init}, and after every configuration change): each entry names the file (or the
     *     feature) and the key and says what is wrong; empty when the configuration is sound
     */
    List<String> problems();

    /**
     * @return the timing values both SCMs of the pair must share, by {@code "PID key"} (a factory
     *     configuration as {@code FACTORY~NAME}), as reported by the {@link ConfigurationCheck}s; the
     *     controllers compare them in the INIT handshake
     */
    Map<String, String> timing();
}
