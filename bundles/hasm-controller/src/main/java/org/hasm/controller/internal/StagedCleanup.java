package org.hasm.controller.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Lock;
import java.util.function.Function;

/**
 * Deletes what the rolling upgrade staged on the shared storage once nothing can read it again, so that a pair
 * upgraded every month does not fill its shared storage with jars. A staged file goes only when all of these hold:
 * <ul>
 * <li>the MASTER deletes, on the conductor's thread, as only the MASTER writes the folder; and not while it plans
 *     an upgrade ({@code planning}, held by {@link Upgrader#begin(String, String, boolean)} from the first jar
 *     staged to the plan written), nor a file newer than the plan (the jars of an upgrade planned elsewhere;
 *     {@link UpgradeStore#unneeded});</li>
 * <li>the plan on the storage does not name it, or it finished ({@link UpgradePlan#finished()}: both SCMs run one
 *     version, and a plan that ended is never resumed nor undone). The plan in progress keeps its files, the
 *     previous jars an undo installs included; one {@code FAILED} keeps them for the operator;</li>
 * <li>the pair agrees ({@link #disagreement}): neither SCM carries out an install or restart ordered earlier (it runs
 *     on a thread of its own, and may read its jar after the step that ordered it is over), and the peer reads the
 *     same plan on the storage, ended alike: an SCM whose view lags or fails could still act on it.</li>
 * </ul>
 * It is looked for at the first look of a process (leftovers of plans that ended before, or of a crash), when the
 * plan ends or another one begins, and {@code retry} after a look that left files. A file that cannot be deleted is
 * logged and tried again then; nothing here ever fails or holds an upgrade.
 *
 * <p>Called on the upgrade's thread ("hasm-upgrade"), which alone touches the fields.
 */
final class StagedCleanup {
    /** How long after a look that left files the next one is made. */
    static final Duration RETRY = Duration.ofMinutes(1);
    /** The {@code UPGRADE_PROBE} field that asks for {@link #INSTALLING} and {@link #PLAN}. */
    static final String ASK = "staged";
    /** In the probe's answer: the installs and restarts ordered on the SCM and not over yet. */
    static final String INSTALLING = "installing";
    /** In the probe's answer: the {@link #key} of the plan the SCM reads on the shared storage. */
    static final String PLAN = "plan";

    /** Deletes one file. */
    interface Deleter {
        void delete(Path file) throws IOException;
    }

    private final Sink sink;
    private final Lock planning;
    private final Duration retry;
    private final Deleter deleter;
    // the key of the plan none of whose unneeded files is left
    private String tidied;
    // the key of the plan whose files wait for retryAt
    private String waiting;
    private Instant retryAt = Instant.MIN;
    // the last problem warned of, warned once until it changes
    private String problem;

    /** @param planning held while an upgrade is planned (its jars staged, its plan not written yet) */
    StagedCleanup(Sink sink, Lock planning) {
        this(sink, planning, RETRY, Files::deleteIfExists);
    }

    StagedCleanup(Sink sink, Lock planning, Duration retry, Deleter deleter) {
        this.sink = sink;
        this.planning = planning;
        this.retry = retry;
        this.deleter = deleter;
    }

    /** @return what both SCMs must read of {@code plan} to agree: its id, and how it ended or "open"; "none" for no plan */
    static String key(UpgradePlan plan) {
        return plan == null ? "none" : plan.id() + " " + (plan.status().ended ? plan.status().name() : "open");
    }

    /**
     * Deletes the staged files nothing needs any more, when due.
     *
     * @param plan the plan on the storage now, {@code null} for none
     * @param agreement given the plan's {@link #key}, {@code null} once the pair agrees that nothing reads the files,
     *     else why not; asked only when there are files to delete
     */
    void look(UpgradeStore store, UpgradePlan plan, Instant now, Function<String, String> agreement) {
        String key = key(plan);
        if (key.equals(tidied) || key.equals(waiting) && now.isBefore(retryAt)) {
            return;
        }
        if (!planning.tryLock()) {
            later(key, now); // an upgrade is being planned: its jars are staged, its plan is not written yet
            return;
        }
        try {
            UpgradeStore.Unneeded u = store.unneeded();
            if (!key(u.plan()).equals(key)) {
                return; // the plan changed meanwhile: the next look judges by the new one
            }
            if (u.files().isEmpty()) {
                tidied = key;
                return;
            }
            String why = agreement.apply(key);
            if (why != null) {
                sink.debug("upgrade: " + files(u.files().size()) + " in " + store.dir() + " kept for now: " + why);
                later(key, now);
                return;
            }
            List<String> failed = new ArrayList<>();
            for (Path f : u.files()) {
                try {
                    deleter.delete(f);
                } catch (IOException | RuntimeException e) {
                    failed.add(f.getFileName() + ": " + e);
                }
            }
            int deleted = u.files().size() - failed.size();
            if (deleted > 0) {
                sink.info("upgrade: deleted " + files(deleted) + " from " + store.dir() + " ("
                        + (u.plan().finished() ? "the upgrade " + u.plan().id() + " is " + u.plan().status()
                        : "not named by the upgrade " + u.plan().id() + ", " + u.plan().status()) + "), "
                        + (u.kept() + failed.size()) + " left");
            }
            if (failed.isEmpty()) {
                tidied = key;
                problem = null;
            } else {
                warn(files(failed.size()) + " in " + store.dir() + " cannot be deleted (" + String.join("; ", failed) + ")");
                later(key, now);
            }
        } catch (IOException | RuntimeException e) {
            warn("the staged files in " + store.dir() + " cannot be looked at: " + e.getMessage());
            later(key, now);
        } finally {
            planning.unlock();
        }
    }

    /**
     * Why the pair does not agree that nothing reads a staged file that the plan of {@code key} does not need, or
     * {@code null} when it does.
     *
     * @param own the installs and restarts under way on this SCM
     * @param peerName the peer, for the reason
     * @param peer the peer's answer to {@code UPGRADE_PROBE} with {@value #ASK}{@code =true}, {@code null} when it did
     *     not answer
     */
    static String disagreement(String key, int own, String peerName, Map<String, String> peer) {
        if (own > 0) {
            return own + " installs ordered earlier are not over on this SCM";
        }
        if (peer == null || !"OK".equals(peer.get(PeerMessages.TYPE))) {
            return peerName + " does not answer"
                    + (peer == null || peer.get("reason") == null ? "" : " (" + peer.get("reason") + ")");
        }
        String installing = peer.get(INSTALLING);
        if (installing == null) {
            return peerName + " does not say what it installs (an earlier release)";
        }
        if (!"0".equals(installing)) {
            return installing + " installs ordered earlier are not over on " + peerName;
        }
        if (!key.equals(peer.get(PLAN))) {
            return peerName + " reads the plan on the shared storage as '" + peer.get(PLAN) + "', this SCM as '" + key + "'";
        }
        return null;
    }

    private static String files(int n) {
        return n + (n == 1 ? " staged file" : " staged files");
    }

    private void later(String key, Instant now) {
        waiting = key;
        retryAt = now.plus(retry);
    }

    private void warn(String what) {
        String message = "upgrade: " + what + ": tried again in " + retry.toSeconds() + " s";
        if (what.equals(problem)) {
            sink.debug(message);
        } else {
            sink.warn(message);
            problem = what;
        }
    }
}
