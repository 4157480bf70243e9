package org.hasm.spi;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * Registers a Declarative Services component as a {@link HaModule} with typed properties:
 * {@code @HaModuleProperties(name = "nfs", tier = Tier.SERVICE, rank = 10)}. The members become
 * the service properties {@link HaModule#MODULE_NAME}, {@link HaModule#MODULE_TIER},
 * {@link HaModule#MODULE_RANK}, {@link HaModule#MODULE_AFTER} and the
 * {@code MODULE_DEADLINE_*} properties ({@code deadline_opmode_ms} becomes
 * {@code hasm.module.deadline.opmode.ms}).
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

    /**
     * @return the services this one must follow ({@link HaModule#MODULE_AFTER}); none by default
     * @since 1.1
     */
    String[] after() default {};

    /**
     * @return the module's own {@code init} deadline in ms ({@link HaModule#MODULE_DEADLINE_INIT});
     *     0, the default, means the controller's
     * @since 1.1
     */
    long deadline_init_ms() default 0;

    /**
     * @return the module's own {@code test} deadline in ms ({@link HaModule#MODULE_DEADLINE_TEST}); 0: the controller's
     * @since 1.1
     */
    long deadline_test_ms() default 0;

    /**
     * @return the module's own {@code opMode} deadline in ms ({@link HaModule#MODULE_DEADLINE_OPMODE}); 0: the controller's
     * @since 1.1
     */
    long deadline_opmode_ms() default 0;

    /**
     * @return the module's own {@code stop} deadline in ms ({@link HaModule#MODULE_DEADLINE_STOP}); 0: the controller's
     * @since 1.1
     */
    long deadline_stop_ms() default 0;

    /**
     * @return the module's own {@code shutDown} deadline in ms ({@link HaModule#MODULE_DEADLINE_SHUTDOWN}); 0: the controller's
     * @since 1.1
     */
    long deadline_shutdown_ms() default 0;
}
