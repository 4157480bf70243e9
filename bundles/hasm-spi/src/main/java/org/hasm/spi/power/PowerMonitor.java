package org.hasm.spi.power;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The UPS watch of this SCM: registered while a UPS is configured, absent otherwise. Implemented by
 * hasm. Its events are posted on {@code org/hasm/ups/<EVENT>} ({@link #TOPIC_PREFIX}), each with the
 * properties {@code scm}, {@code ups} and {@code message}.
 */
@ProviderType
public interface PowerMonitor {

    /** Topic prefix of the UPS events: {@code org/hasm/ups/ON_BATTERY}, {@code org/hasm/ups/SHUTDOWN}, ... */
    String TOPIC_PREFIX = "org/hasm/ups/";

    /** @return what is known now; never {@code null} */
    PowerStatus status();
}
