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
 * @param admin what the operator set: the failback policy, maintenance, standby, and a peer waiting
 *     for its personality back
 */
record Machine(ScmState state, OpMode opMode, SysConfig sysConfig, OpMode configured, boolean standalone,
        boolean awaitingProceed, boolean peerAlive, long peerIncarnation, String reason, StorageView storage,
        boolean storageHold, Admin admin) {

    /**
     * What the operator decided, beside the state.
     *
     * @param policy when a returning peer gets its personality back (told by the executor, live)
     * @param maintenance the pair takes no automatic action: no FAILOVER on a dead peer, no FAILBACK; kept
     *     through every transition until the operator ends it
     * @param standby in INIT(slave): this SCM handed what it served to the peer and serves nothing, and
     *     does not say READY, until the MASTER gives its personality back (unstandby, move, failback)
     * @param peerWaiting in DEGRADED: the peer said READY and waits for its personality (failback policy
     *     manual or delay, or maintenance)
     * @param giveBack in DEGRADED: the operator asked for the FAILBACK; it happens at the peer's READY
     */
    record Admin(FailbackPolicy policy, boolean maintenance, boolean standby, boolean peerWaiting, boolean giveBack) {
        static final Admin NONE = new Admin(FailbackPolicy.AUTOMATIC, false, false, false, false);

        /** What survives a change of state: the operator's settings, not the state's own flags. */
        Admin carried() {
            return new Admin(policy, maintenance, false, false, false);
        }
    }

    Machine(ScmState state, OpMode opMode, SysConfig sysConfig, OpMode configured, boolean standalone,
            boolean awaitingProceed, boolean peerAlive, long peerIncarnation, String reason, StorageView storage,
            boolean storageHold) {
        this(state, opMode, sysConfig, configured, standalone, awaitingProceed, peerAlive, peerIncarnation, reason,
                storage, storageHold, Admin.NONE);
    }

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
                storage, false, admin.carried());
    }

    /** @return this machine with {@code why} as its reason */
    Machine because(String why) {
        return new Machine(state, opMode, sysConfig, configured, standalone, awaitingProceed, peerAlive, peerIncarnation,
                why, storage, storageHold, admin);
    }

    Machine awaiting() {
        return new Machine(state, opMode, sysConfig, configured, standalone, true, peerAlive, peerIncarnation, reason,
                storage, storageHold, new Admin(admin.policy, admin.maintenance, false, false, false));
    }

    Machine monitor(String why) {
        return new Machine(ScmState.MONITOR, null, null, configured, standalone, false, peerAlive, peerIncarnation, why,
                storage, false, admin.carried());
    }

    /** MONITOR that ends by itself when the storage takes writes again. */
    Machine monitorUntilWritable(String why) {
        return new Machine(ScmState.MONITOR, null, null, configured, standalone, false, peerAlive, peerIncarnation, why,
                storage, true, admin.carried());
    }

    Machine peer(boolean alive, long incarnation) {
        // a dead peer waits for nothing
        return new Machine(state, opMode, sysConfig, configured, standalone, awaitingProceed, alive, incarnation, reason,
                storage, storageHold, alive ? admin : new Admin(admin.policy, admin.maintenance, admin.standby, false, false));
    }

    Machine storage(StorageView view) {
        return new Machine(state, opMode, sysConfig, configured, standalone, awaitingProceed, peerAlive, peerIncarnation,
                reason, view, storageHold, admin);
    }

    Machine admin(Admin next) {
        return new Machine(state, opMode, sysConfig, configured, standalone, awaitingProceed, peerAlive, peerIncarnation,
                reason, storage, storageHold, next);
    }

    /** @return this machine with the failback policy as the configuration says now */
    Machine policy(FailbackPolicy policy) {
        return policy.equals(admin.policy) ? this
                : admin(new Admin(policy, admin.maintenance, admin.standby, admin.peerWaiting, admin.giveBack));
    }

    Machine maintenance(boolean on) {
        return admin(new Admin(admin.policy, on, admin.standby, admin.peerWaiting, admin.giveBack));
    }

    Machine standingBy() {
        return admin(new Admin(admin.policy, admin.maintenance, true, false, false));
    }

    Machine peerWaiting(boolean waiting) {
        return admin(new Admin(admin.policy, admin.maintenance, admin.standby, waiting, admin.giveBack));
    }

    boolean peerWaiting() {
        return admin.peerWaiting();
    }

    Machine givingBack() {
        return admin(new Admin(admin.policy, admin.maintenance, admin.standby, admin.peerWaiting, true));
    }

    /** Carries what is known of the storage and what the operator set over to a machine built anew. */
    Machine carriedFrom(Machine before) {
        return storage(before.storage).admin(before.admin.carried());
    }

    /** Carries what is known of the storage over to a machine built anew (and what the operator set). */
    Machine storageOf(Machine before) {
        return carriedFrom(before);
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
