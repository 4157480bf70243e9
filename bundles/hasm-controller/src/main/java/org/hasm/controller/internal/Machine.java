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
 * @param reason why the SCM is in its state when that needs saying: MONITOR (the fault), DEGRADED (why the peer
 *     is dead), HALTED (the command and its reason), BOOT after a RESET; {@code null} in DAC and INIT
 * @param storage the storage module's last word on this SCM's storage, in every state
 * @param storageHold in MONITOR: entered because the storage could not be written here while the
 *     peer could; left by itself once the storage takes writes again
 */
record Machine(ScmState state, OpMode opMode, SysConfig sysConfig, OpMode configured, boolean standalone,
        boolean awaitingProceed, boolean peerAlive, long peerIncarnation, String reason, StorageView storage,
        boolean storageHold) {

    /** Without a word from the storage module yet. */
    Machine(ScmState state, OpMode opMode, SysConfig sysConfig, OpMode configured, boolean standalone,
            boolean awaitingProceed, boolean peerAlive, long peerIncarnation, String reason) {
        this(state, opMode, sysConfig, configured, standalone, awaitingProceed, peerAlive, peerIncarnation, reason,
                StorageView.NONE, false);
    }

    static Machine off(OpMode configured, boolean standalone) {
        return new Machine(ScmState.OFF, null, null, configured, standalone, false, true, 0, null);
    }

    Machine to(ScmState newState, OpMode newMode, SysConfig newConfig) {
        return new Machine(newState, newMode, newConfig, configured, standalone, false, peerAlive, peerIncarnation, null,
                storage, false);
    }

    /** @return this machine with {@code why} as its reason */
    Machine because(String why) {
        return new Machine(state, opMode, sysConfig, configured, standalone, awaitingProceed, peerAlive, peerIncarnation,
                why, storage, storageHold);
    }

    Machine awaiting() {
        return new Machine(state, opMode, sysConfig, configured, standalone, true, peerAlive, peerIncarnation, reason,
                storage, storageHold);
    }

    Machine monitor(String why) {
        return new Machine(ScmState.MONITOR, null, null, configured, standalone, false, peerAlive, peerIncarnation, why,
                storage, false);
    }

    /** MONITOR that ends by itself when the storage takes writes again. */
    Machine monitorUntilWritable(String why) {
        return new Machine(ScmState.MONITOR, null, null, configured, standalone, false, peerAlive, peerIncarnation, why,
                storage, true);
    }

    Machine peer(boolean alive, long incarnation) {
        return new Machine(state, opMode, sysConfig, configured, standalone, awaitingProceed, alive, incarnation, reason,
                storage, storageHold);
    }

    Machine storage(StorageView view) {
        return new Machine(state, opMode, sysConfig, configured, standalone, awaitingProceed, peerAlive, peerIncarnation,
                reason, view, storageHold);
    }

    /** Carries what is known of the storage over to a machine built anew. */
    Machine storageOf(Machine before) {
        return storage(before.storage);
    }

    /** @return the reason to show: why it is in its state, and what keeps its volumes from being served fully */
    String shownReason() {
        String note = storage.note();
        if (reason == null || note == null || state == ScmState.MONITOR) {
            return reason != null ? reason : note; // a storage MONITOR's reason says the storage's note already
        }
        return reason + "; " + note;
    }

    /** @return e.g. {@code DAC(master)}, {@code INIT(slave)}, {@code DEGRADED} */
    String describe() {
        return switch (state) {
            case INIT, DAC -> state + "(" + (opMode == null ? "?" : opMode.name().toLowerCase(java.util.Locale.ROOT)) + ")";
            default -> state.name();
        };
    }
}
