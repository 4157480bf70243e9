package org.hasm.spi;

import java.util.List;
import java.util.Map;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A personality: what clients know as one server. Each SCM has its own; in DEGRADED the MASTER
 * serves both. Implemented by hasm.
 */
@ProviderType
public interface Personality {

    /** @return the personality's name, unique in the pair */
    String name();

    /** @return the SCM whose own personality this is */
    String home();

    /**
     * @return the service addresses (IP literals) clients use for this personality. A service listens
     *     on them once {@link org.hasm.spi.address.AddressReadiness} finds them usable: after a
     *     takeover the former owner may still hold them for a while.
     */
    List<String> addresses();

    /**
     * @return the names of the volumes this personality serves; the SCM that serves the
     *     personality owns them on the shared storage
     */
    List<String> volumes();

    /**
     * The exports of one protocol, as configured with {@code export.<protocol>.<name>=<volume>:<path>[:ro]}.
     *
     * @param protocol {@code http}, {@code nfs}, {@code smb}, ...
     * @return the exports of that protocol, by name; empty if none
     */
    List<Export> exports(String protocol);

    /**
     * Settings of this personality for services (export names, ports, ...), as configured.
     * Keys are conventionally prefixed with the service's module name ({@code example.port}).
     *
     * @return an unmodifiable map
     */
    Map<String, String> properties();
}
