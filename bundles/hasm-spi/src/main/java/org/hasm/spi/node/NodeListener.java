package org.hasm.spi.node;

import java.util.List;
import org.hasm.spi.Personality;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A whiteboard service told when the node's configuration problems change: a configuration changed
 * while the SCM runs and is now wrong (or right again). hasm's controller puts the SCM in MONITOR
 * on a problem, naming the file, the key and the reason.
 */
@ConsumerType
public interface NodeListener {

    /**
     * @param problems what is wrong now, as {@link Node#problems()} says it; empty when the
     *     configuration is sound again
     */
    void problemsChanged(List<String> problems);

    /**
     * The personalities changed in a sound configuration while the SCM runs (a service's parameter, an
     * export, or what is served). hasm's controller applies a change of parameters at once, by calling
     * every module's {@code opMode} again, and a change of what is served at the next boot.
     *
     * @param personalities every personality of the pair, as {@link Node#personalities()} says it now
     * @since org.hasm.spi.node 1.1.0
     */
    default void personalitiesChanged(List<Personality> personalities) {
        // a listener that only watches for problems
    }
}
