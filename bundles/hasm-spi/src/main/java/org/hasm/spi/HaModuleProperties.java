package org.hasm.spi;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * Registers a Declarative Services component as a {@link HaModule} with typed properties:
 * {@code @HaModuleProperties(name = "nfs", tier = Tier.SERVICE, rank = 10)}. The members become
 * the service properties {@link HaModule#MODULE_NAME}, {@link HaModule#MODULE_TIER} and
 * {@link HaModule#MODULE_RANK}.
 */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface HaModuleProperties {
    /** Prefix of the generated property names. */
    String PREFIX_ = "hasm.module.";

    /** @return the module's name ({@link HaModule#MODULE_NAME}) */
    String name();

    /** @return the module's tier ({@link HaModule#MODULE_TIER}) */
    Tier tier() default Tier.SERVICE;

    /** @return the module's rank inside its tier ({@link HaModule#MODULE_RANK}) */
    int rank() default HaModule.DEFAULT_RANK;
}
