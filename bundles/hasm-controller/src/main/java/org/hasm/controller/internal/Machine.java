package org.hasm.controller.internal;

import org.hasm.spi.OpMode;
import org.hasm.spi.ScmState;
import org.hasm.spi.SysConfig;

/**
 * The controller's state: everything {@link Transitions#next} decides on. Immutable.
 *
 * @param state the SCM state
 * @param opMode the running role; {@code null} before INIT and in MONITOR/HALTED
 * @param sysConfig the system configuration; {@code null} before the first opMode
 * @param configured the configured role
 * @param standalone no peer is configured: the SCM runs alone as MASTER
 * @param awaitingProceed in INIT(slave): READY sent, waiting for the peer's PROCEED
 * @param peerAlive the status monitor's last word on the peer (it starts out alive)
 * @param peerIncarnation the peer incarnation this SCM paired with; 0 if none yet
 * @param reason why the SCM is in MONITOR, or {@code null}
 */
record Machine(ScmState state, OpMode opMode, SysConfig sysConfig, OpMode configured, boolean standalone,
        boolean awaitingProceed, boolean peerAlive, long peerIncarnation, String reason) {

    static Machine off(OpMode configured, boolean standalone) {
        return new Machine(ScmState.OFF, null, null, configured, standalone, false, true, 0, null);
    }

    Machine to(ScmState newState, OpMode newMode, SysConfig newConfig) {
        return new Machine(newState, newMode, newConfig, configured, standalone, false, peerAlive, peerIncarnation, null);
    }

    Machine awaiting() {
        return new Machine(state, opMode, sysConfig, configured, standalone, true, peerAlive, peerIncarnation, reason);
    }

    Machine monitor(String why) {
        return new Machine(ScmState.MONITOR, null, null, configured, standalone, false, peerAlive, peerIncarnation, why);
    }

    Machine peer(boolean alive, long incarnation) {
        return new Machine(state, opMode, sysConfig, configured, standalone, awaitingProceed, alive, incarnation, reason);
    }

    /** @return e.g. {@code DAC(master)}, {@code INIT(slave)}, {@code DEGRADED} */
    String describe() {
        return switch (state) {
            case INIT, DAC -> state + "(" + (opMode == null ? "?" : opMode.name().toLowerCase(java.util.Locale.ROOT)) + ")";
            default -> state.name();
        };
    }
}
