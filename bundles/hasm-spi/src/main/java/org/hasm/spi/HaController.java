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
}
