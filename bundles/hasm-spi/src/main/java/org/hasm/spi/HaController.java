package org.hasm.spi;

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
     * @return why the SCM is in MONITOR; in the other states what keeps it from serving fully (a volume
     *     that cannot be written, acquired or settled: the personality, the volume and the cause), or
     *     why it just left MONITOR by itself; {@code null} when there is nothing to say
     */
    String reason();

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
     * @param reason for the log and the event
     */
    void reset(String reason);

    /**
     * Surrender: this SCM stops serving (stop, reverse order) and tells the peer, which takes its
     * personality over at once, without waiting to detect a failure; this SCM is then HALTED until a
     * {@link #reset}. Refused (logged) when no peer could take over. Returns once the command is queued.
     *
     * @param reason for the log, the event and the peer
     */
    void surrender(String reason);

    /**
     * SHUTDOWN: stops, then shuts down every module (reverse order); the SCM is HALTED.
     * Returns once the command is queued.
     *
     * @param reason for the log and the event
     */
    void shutdown(String reason);
}
