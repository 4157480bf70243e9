package org.hasm.spi;

import java.time.Instant;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The controller's view of this SCM, and the operator's commands. Registered by the controller;
 * implemented by hasm only.
 */
@ProviderType
public interface HaController {

    /** Topic of the event posted on every state change (properties {@code scm}, {@code state}, {@code opMode}, {@code sysConfig}, {@code reason}). */
    String TOPIC_STATE = "org/hasm/controller/STATE";
    /** Topic prefix of the events posted after each call: {@code org/hasm/controller/call/<OUTCOME>}. */
    String TOPIC_CALL_PREFIX = "org/hasm/controller/call/";

    /** @return this SCM's name */
    String scm();

    /** @return the configured role */
    OpMode configuredRole();

    /** @return the current state */
    ScmState state();

    /** @return the running role, or {@code null} before INIT */
    OpMode opMode();

    /** @return the system configuration, or {@code null} before DAC */
    SysConfig sysConfig();

    /**
     * @return why the SCM is in its state: MONITOR (the fault), DEGRADED (why its peer is dead), HALTED
     *     (the command and the reason given with it), BOOT (the RESET and its reason, or why it left
     *     MONITOR by itself); in every state also what keeps it from serving fully (a volume that cannot
     *     be written, acquired or settled: the personality, the volume and the cause); {@code null} when
     *     there is nothing to say
     */
    String reason();

    /**
     * @return when the SCM entered its current state, or {@code null} if not known
     * @since package 1.1.0, hasm 1.0.0
     */
    default Instant since() {
        return null;
    }

    /** @return the personalities this SCM serves now */
    List<Personality> personalities();

    /**
     * @return every personality of the pair as configured, this SCM's own and its peer's, whoever
     *     serves them now: what a view of the whole pair lists
     * @since 1.2 (package org.hasm.spi)
     */
    default List<Personality> pairPersonalities() {
        return personalities();
    }

    /** @return every registered module, in forward order */
    List<ModuleInfo> modules();

    /**
     * The most recent entries of the call journal (a bounded window).
     *
     * @param afterSequence only entries with a greater sequence; {@code -1} for all kept
     * @return entries in the order the calls started
     */
    List<CallRecord> journal(long afterSequence);

    /**
     * RESET: stops and shuts down every module (reverse order), then boots again.
     * Returns once the command is queued.
     *
     * @param reason for the log, the event and the reason the state shows
     * @throws IllegalStateException (since package 1.1.0) with why, naming the state, when the SCM cannot
     *     carry the command out in its state now (OFF); nothing is queued then
     */
    void reset(String reason);

    /**
     * Surrender: this SCM stops serving (stop, reverse order) and tells the peer, which takes its
     * personality over at once, without waiting to detect a failure; this SCM is then HALTED until a
     * {@link #reset}. Returns once the command is queued.
     *
     * @param reason for the log, the event, the peer and the reason the state shows
     * @throws IllegalStateException (since package 1.1.0) with why, naming the state, when no peer could
     *     take over (DEGRADED, standalone, the peer not alive) or there is nothing to surrender (MONITOR,
     *     HALTED, OFF); nothing is queued then
     */
    void surrender(String reason);

    /**
     * SHUTDOWN: stops, then shuts down every module (reverse order); the SCM is HALTED.
     * Returns once the command is queued.
     *
     * @param reason for the log, the event and the reason the state shows
     * @throws IllegalStateException (since package 1.1.0) with why, naming the state, when the SCM cannot
     *     carry the command out in its state now (OFF); nothing is queued then
     */
    void shutdown(String reason);

    /**
     * Where the pair is administered now. A SLAVE asks its peer (GETSTATE over the link), so the answer
     * is current; the MASTER, or an SCM running alone, answers itself.
     *
     * @return the MASTER and its admin API
     * @throws IllegalStateException with why, when no MASTER is known now (the peer does not answer, or
     *     runs as SLAVE too, or is not serving): an admin client must be told so, not sent in a circle
     * @since package 1.1.0, hasm 1.0.0
     */
    default MasterAdmin master() {
        return MasterAdmin.self(scm(), null, null);
    }

    /**
     * Carries an operator's command out on the peer: the MASTER orders, the peer's controller executes
     * ({@code reset}, {@code shutdown}, {@code surrender}, {@code standby}, {@code unstandby}), judged
     * there by its own state. Returns once the peer queued it.
     *
     * @param scm the peer's name, as the operator gave it
     * @param command the command's name
     * @param reason for the peer's log, event and state
     * @throws IllegalArgumentException when {@code scm} is not the peer's name
     * @throws IllegalStateException with why when this SCM does not administer the pair, the peer cannot
     *     be reached, or the peer refused the command (its own words)
     * @since package 1.1.0, hasm 1.0.0
     */
    default void peerCommand(String scm, String command, String reason) {
        throw new IllegalStateException("this controller does not pass commands to its peer");
    }

    /**
     * Moves a personality to the SCM that does not serve it now, cooperatively: the giver's services let
     * go (draining what is in flight within their opMode deadline), its volumes and addresses are
     * released, and the taker, told at once, takes them over without waiting to detect a failure or a
     * fence. Its own personality moved, an SCM stands by (see {@link #standby}). Carried out by the MASTER.
     *
     * @param personality the personality's name
     * @param reason for the log, the events and the states
     * @throws IllegalArgumentException naming the personality when the pair has none of that name
     * @throws IllegalStateException with why when it cannot be moved now (not the MASTER, the peer not alive, ...)
     * @since package 1.1.0, hasm 1.0.0
     */
    default void move(String personality, String reason) {
        throw new IllegalStateException("this controller does not move personalities");
    }

    /**
     * The SCM hands everything it serves to its peer (as {@link #move} does) and stays up serving nothing,
     * in INIT(slave) with {@link #standby()} true, until {@link #unstandby}. Carried out by the MASTER.
     *
     * @param scm this SCM or its peer
     * @throws IllegalArgumentException when {@code scm} is not in the pair
     * @throws IllegalStateException with why
     * @since package 1.1.0, hasm 1.0.0
     */
    default void standby(String scm, String reason) {
        throw new IllegalStateException("this controller does not stand by");
    }

    /**
     * The SCM that stands by gets its personality back (READY, FAILBACK, PROCEED). Carried out by the MASTER.
     *
     * @throws IllegalArgumentException when {@code scm} is not in the pair
     * @throws IllegalStateException with why
     * @since package 1.1.0, hasm 1.0.0
     */
    default void unstandby(String scm, String reason) {
        throw new IllegalStateException("this controller does not stand by");
    }

    /**
     * FAILBACK now: the MASTER serving both personalities gives the peer's back, whatever the failback
     * policy; for a peer that waits (policy {@code manual} or {@code delay}, or maintenance).
     *
     * @throws IllegalStateException with why (not DEGRADED, the peer not alive, not the MASTER)
     * @since package 1.1.0, hasm 1.0.0
     */
    default void failback(String reason) {
        throw new IllegalStateException("this controller has no failback command");
    }

    /**
     * Maintenance mode of the pair: while on, the pair keeps serving but takes no automatic action (no
     * FAILOVER on a dead peer, no FAILBACK); what the operator asks still happens. The MASTER tells its peer.
     *
     * @throws IllegalStateException with why (not the MASTER)
     * @since package 1.1.0, hasm 1.0.0
     */
    default void maintenance(boolean on, String reason) {
        throw new IllegalStateException("this controller has no maintenance mode");
    }

    /**
     * @return whether maintenance mode is on here
     * @since package 1.1.0, hasm 1.0.0
     */
    default boolean maintenance() {
        return false;
    }

    /**
     * @return whether this SCM stands by: up, serving nothing, its personality served by the peer
     * @since package 1.1.0, hasm 1.0.0
     */
    default boolean standby() {
        return false;
    }

    /**
     * @return the failback policy: {@code automatic}, {@code manual} or {@code delay N s}
     * @since package 1.1.0, hasm 1.0.0
     */
    default String failbackPolicy() {
        return "automatic";
    }

    /**
     * @return the hasm release this SCM runs (the controller bundle's version), or {@code null} if not known
     * @since package 1.1.0, hasm 1.0.0
     */
    default String version() {
        return null;
    }

    /**
     * @return the hasm release the peer said it runs, last time it said (a field of its controller's
     *     messages: a release before it says nothing, and this is then {@code null}); with
     *     {@link #version()}, the pair's versions during a rolling upgrade
     * @since package 1.1.0, hasm 1.0.0
     */
    default String peerVersion() {
        return null;
    }

    /**
     * Starts a rolling upgrade of the pair to the bundle jar at {@code jar} (DESIGN §8): the jar is staged
     * on the shared storage with its checksum, next to the exact jar it replaces, and the plan is kept
     * there; the SLAVE hands over, installs, rejoins, then the MASTER. A failure rolls back. Carried out
     * by the MASTER; returns once the plan is kept.
     *
     * @param jar a path the MASTER can read (on the shared storage, or on its host)
     * @param reason for the log, the events and the plan
     * @return the plan
     * @throws IllegalArgumentException naming the file and what is wrong with it (not a bundle, no such
     *     bundle installed, the same version)
     * @throws IllegalStateException with why it cannot start now (not the MASTER, the pair not in DAC, an
     *     upgrade in progress, no shared storage)
     * @since package 1.1.0, hasm 1.0.0
     */
    default UpgradeView upgrade(String jar, String reason) {
        throw new IllegalStateException("this controller does not upgrade the pair");
    }

    /**
     * Starts a rolling upgrade of the pair to the bundle jar, the feature file ({@code REPO/features/NAME.json},
     * its bundles in {@code REPO}), or the whole distribution folder at {@code path}: as
     * {@link #upgrade(String, String)}; a feature's bundles are replaced in one step per SCM and rolled back
     * together; a distribution restarts each SCM's process on it in turn (each SCM must be restarted by a
     * loop: {@code bin/hasm supervise}).
     *
     * @param swapBack whether the upgrade ends with each SCM in the role it had (one more handover), instead of
     *     the roles swapped as the patent leaves them
     * @since package 1.1.0, hasm 1.0.0
     */
    default UpgradeView upgrade(String path, String reason, boolean swapBack) {
        if (swapBack) {
            throw new IllegalStateException("this controller does not swap the roles back after an upgrade");
        }
        return upgrade(path, reason);
    }

    /**
     * @return the last upgrade of the pair (in progress or ended), or {@code null} if none was ever planned
     * @throws IllegalStateException with why it cannot be read (the shared storage, a damaged plan)
     * @since package 1.1.0, hasm 1.0.0
     */
    default UpgradeView upgrade() {
        return null;
    }

    /**
     * Resumes the upgrade in progress: the current step is carried out again (after a crash of the SCM
     * that conducted it). Carried out by the MASTER.
     *
     * @throws IllegalStateException with why (no upgrade in progress, not the MASTER)
     * @since package 1.1.0, hasm 1.0.0
     */
    default void upgradeResume(String reason) {
        throw new IllegalStateException("this controller does not upgrade the pair");
    }

    /**
     * Aborts the upgrade in progress: what was done is undone, the exact previous jar installed again
     * where the new one was. Carried out by the MASTER.
     *
     * @throws IllegalStateException with why (no upgrade in progress, not the MASTER)
     * @since package 1.1.0, hasm 1.0.0
     */
    default void upgradeAbort(String reason) {
        throw new IllegalStateException("this controller does not upgrade the pair");
    }
}
