package org.hasm.spi.node;

import java.util.List;
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
}
