package org.hasm.spi.node;

import java.util.Map;
import java.util.SortedMap;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The node's configurations, read-only, as {@link ConfigurationCheck}s and components see them, and
 * the conversion Declarative Services applies to a component property type. Implemented by hasm.
 */
@ProviderType
public interface Configurations {

    /** @return the node, as configured (during a check its incarnation is 0) */
    Node node();

    /**
     * @param pid a singleton configuration's PID
     * @return its properties, or {@code null} when there is none
     */
    Map<String, Object> get(String pid);

    /**
     * @param factoryPid a factory PID ({@code org.hasm.status.channel})
     * @return each of its configurations by name ({@code link} for {@code org.hasm.status.channel~link}),
     *     sorted by name; empty when there is none
     */
    SortedMap<String, Map<String, Object>> factory(String factoryPid);

    /**
     * Converts properties to a component property type (an annotation or interface), as Declarative
     * Services does: a method {@code interval_ms()} reads the key {@code interval.ms}, a missing key
     * gives the method's default. A value that cannot be converted makes the method throw an
     * {@link IllegalArgumentException} naming the key and the value.
     *
     * @param type the component property type
     * @param properties the configuration's properties
     * @return a view of the properties as {@code type}
     */
    <A> A typed(Class<A> type, Map<String, ?> properties);
}
