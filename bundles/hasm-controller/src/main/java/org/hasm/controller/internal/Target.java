package org.hasm.controller.internal;

import java.util.List;
import org.hasm.spi.OpMode;
import org.hasm.spi.Personality;
import org.hasm.spi.SysConfig;

/**
 * What the SCM asks of its modules now: the stage of their lifecycle and, once the SCM has a role,
 * the mode to serve in. Each sequence over all modules sets a new target; a module that could not be
 * called with it (it was still in an overrun call) is brought to the target when it returns.
 *
 * @param id increases with every target, so that an opMode is given once per transition
 * @param boot the boot the modules' {@code init} must belong to
 * @param stage how far modules are brought
 * @param mode the role to serve in, with {@code config}; {@code null} before the first opMode
 * @param config the system configuration
 * @param reverse the sequence gives work away: services are called before the HASM modules
 * @param personalities what the SCM serves in this target
 */
record Target(long id, long boot, Stage stage, OpMode mode, SysConfig config, boolean reverse,
        List<Personality> personalities) {

    /** How far modules are brought. */
    enum Stage {
        /** Every module of this boot is initialised. */
        INIT,
        /** ... and tested. */
        TEST,
        /** ... and given {@code mode} when there is one. */
        RUNNING,
        /** Every initialised module is stopped. */
        STOPPED,
        /** ... and shut down. */
        SHUT_DOWN
    }

    Target {
        personalities = List.copyOf(personalities);
    }

    boolean hasMode() {
        return mode != null && config != null;
    }
}
