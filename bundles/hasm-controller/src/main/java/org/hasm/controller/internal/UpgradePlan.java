package org.hasm.controller.internal;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * A rolling upgrade of the pair and how far it got: what is installed (a bundle's symbolic name, the
 * version before and after, the staged jar and its SHA-256), the steps in order with when each started
 * and ended, the step in progress, and how the upgrade stands. Immutable; {@link UpgradeSteps} makes
 * the next plan from this one. Kept on the shared storage by {@link UpgradeStore} so that whichever SCM
 * is the MASTER carries it on, after a crash of either.
 *
 * <p>The encoding is {@code key=value} lines ending with a CRC-32 of what precedes it: a reader of a
 * later format skips keys it does not know; a file that is not whole is refused, never half-read.
 *
 * @param id the upgrade's name, unique on the shared storage (the time it was planned)
 * @param bundle the symbolic name of the bundle upgraded
 * @param from its version before (what a rollback returns to)
 * @param to its version after
 * @param jar the staged jar's file name in the upgrade folder
 * @param sha256 the staged jar's SHA-256, hex: checked before every install
 * @param first the SCM upgraded first (the SLAVE when the upgrade began)
 * @param second the SCM upgraded second (the MASTER when it began)
 * @param steps every step planned so far, done ones included; an undo appends the steps that undo
 * @param current the index of the step in progress ({@code steps.size()} once none is left)
 * @param status how the upgrade stands
 * @param cause why it is rolling back, rolled back, aborting, aborted or failed; {@code null} otherwise
 * @param previousJar the staged copy of the exact jar the upgrade replaces (what an undo installs)
 * @param previousSha256 its SHA-256, hex
 * @param conductor the SCM that carries the steps out now (the MASTER); a MASTER that finds another one
 *     named, lost in the middle of a step that was not its own handover, holds the upgrade for the operator
 * @param target what is installed: a bundle (the jars are staged), or a whole distribution ({@code bundle} is
 *     {@value DistributionRelease#NAME}, {@code from} and {@code to} the hasm versions, {@code jar} and
 *     {@code previousJar} the distribution folders, the checksums their digests): each install restarts the
 *     SCM's process on one
 * @param swapBack whether the plan ends by swapping the roles back (each SCM MASTER or SLAVE as before)
 */
record UpgradePlan(String id, String bundle, String from, String to, String jar, String sha256, String first,
        String second, List<Step> steps, int current, Status status, String cause, String previousJar,
        String previousSha256, String conductor, Target target, boolean swapBack) {

    /** What an upgrade installs. */
    enum Target {
        /** One bundle, replaced in the running framework. */
        BUNDLE,
        /** A whole distribution: the SCM's process restarted on another distribution folder. */
        DISTRIBUTION,
        /**
         * A feature: several bundles replaced in one install step and rolled back together; {@code bundle} is
         * {@code feature:NAME}, {@code from} and {@code to} the feature's versions, the jars two staged lists
         * ({@code BSN VERSION JAR SHA256} lines) of the jars staged beside them.
         */
        FEATURE
    }

    /** The layout's version; a later one only adds keys. */
    static final int FORMAT = 1;
    /** More is not a plan: a reader refuses it instead of reading an unbounded file. */
    static final int MAX_BYTES = 64 * 1024;

    /** How an upgrade stands. */
    enum Status {
        /** Going forward. */
        RUNNING(false),
        /** Every step done: both SCMs run the new version. */
        DONE(true),
        /** A step failed: the SCMs upgraded so far go back to the exact previous jar. */
        ROLLING_BACK(false),
        /** Rolled back after a failure: both SCMs run the previous version. */
        ROLLED_BACK(true),
        /** The operator aborted: undoing what was done. */
        ABORTING(false),
        /** Aborted and undone. */
        ABORTED(true),
        /** An undo step failed too: the operator must look (the cause says what). */
        FAILED(true);

        final boolean ended;

        Status(boolean ended) {
            this.ended = ended;
        }
    }

    /** What a step does to one SCM. */
    enum Kind {
        /** The SCM hands everything it serves to its peer and stands by (a cooperative handover). */
        HANDOVER,
        /** The SCM, standing by, installs the jar of the step's version (the new one, or the exact previous one). */
        INSTALL,
        /** The SCM leaves standby, says READY, the MASTER fails back: DAC. */
        REJOIN
    }

    /**
     * One step.
     *
     * @param kind what it does
     * @param scm to which SCM
     * @param version the bundle version it installs, or that the SCM runs after it ({@code to} or {@code from})
     * @param started when it started, {@code null} before
     * @param ended when it ended, {@code null} before
     * @param outcome {@code null} while not ended; "done", or what went wrong
     */
    record Step(Kind kind, String scm, String version, Instant started, Instant ended, String outcome) {
        Step {
            if (kind == null || scm == null || scm.isBlank() || version == null || version.isBlank()) {
                throw new IllegalArgumentException("a step needs a kind, an SCM and a version");
            }
        }

        static Step of(Kind kind, String scm, String version) {
            return new Step(kind, scm, version, null, null, null);
        }

        Step start(Instant at) {
            return new Step(kind, scm, version, at, null, null);
        }

        Step end(Instant at, String how) {
            return new Step(kind, scm, version, started == null ? at : started, at, how);
        }

        /** e.g. "install 1.0.1 on scm-b" */
        String describe() {
            return switch (kind) {
                case HANDOVER -> scm + " hands over";
                case INSTALL -> "install " + version + " on " + scm;
                case REJOIN -> scm + " rejoins on " + version;
            };
        }
    }

    UpgradePlan {
        steps = List.copyOf(steps);
        if (current < 0 || current > steps.size()) {
            throw new IllegalArgumentException("current step " + current + " outside 0.." + steps.size());
        }
        for (String[] f : new String[][] {{"id", id}, {"bundle", bundle}, {"from", from}, {"to", to}, {"jar", jar},
                {"sha256", sha256}, {"first", first}, {"second", second}, {"previousJar", previousJar},
                {"previousSha256", previousSha256}, {"conductor", conductor}}) {
            if (f[1] == null || f[1].isBlank() || f[1].indexOf('\n') >= 0) {
                throw new IllegalArgumentException("upgrade plan: '" + f[0] + "' is missing or not one line");
            }
        }
        if (first.equals(second)) {
            throw new IllegalArgumentException("upgrade plan: both SCMs are named " + first);
        }
        if (target == null) {
            throw new IllegalArgumentException("upgrade plan: no target");
        }
    }

    /** The forward steps of a pair upgrade (DESIGN §8): the SLAVE first, then the MASTER. */
    static UpgradePlan of(String id, String bundle, String from, String to, String jar, String sha256, String previousJar,
            String previousSha256, String slave, String master) {
        return of(id, bundle, from, to, jar, sha256, previousJar, previousSha256, slave, master, Target.BUNDLE, false);
    }

    /**
     * @param swapBack whether to end with the roles as they were: the SLAVE upgraded first is MASTER once the
     *     MASTER handed over; it hands over once more (the old MASTER impersonates MASTER and takes over at
     *     once) and rejoins as SLAVE
     */
    static UpgradePlan of(String id, String bundle, String from, String to, String jar, String sha256, String previousJar,
            String previousSha256, String slave, String master, Target target, boolean swapBack) {
        List<Step> steps = new ArrayList<>(List.of(Step.of(Kind.HANDOVER, slave, from), Step.of(Kind.INSTALL, slave, to),
                Step.of(Kind.REJOIN, slave, to), Step.of(Kind.HANDOVER, master, from), Step.of(Kind.INSTALL, master, to),
                Step.of(Kind.REJOIN, master, to)));
        if (swapBack) {
            steps.add(Step.of(Kind.HANDOVER, slave, to));
            steps.add(Step.of(Kind.REJOIN, slave, to));
        }
        return new UpgradePlan(id, bundle, from, to, jar, sha256, slave, master, steps, 0, Status.RUNNING, null,
                previousJar, previousSha256, master, target, swapBack);
    }

    /** @return the step in progress, or {@code null} when none is left */
    Step step() {
        return current < steps.size() ? steps.get(current) : null;
    }

    UpgradePlan with(List<Step> newSteps, int newCurrent, Status newStatus, String newCause) {
        return new UpgradePlan(id, bundle, from, to, jar, sha256, first, second, newSteps, newCurrent, newStatus,
                newCause, previousJar, previousSha256, conductor, target, swapBack);
    }

    /** @return this plan carried out by {@code scm} from now on */
    UpgradePlan conductedBy(String scm) {
        return new UpgradePlan(id, bundle, from, to, jar, sha256, first, second, steps, current, status, cause,
                previousJar, previousSha256, scm, target, swapBack);
    }

    /**
     * Whether the upgrade is over and left the pair on one known version: {@code DONE}, {@code ROLLED_BACK} or
     * {@code ABORTED}. Not {@code FAILED}: an undo step failed, the pair may be left half-way, and the operator
     * putting it right may need the staged jars.
     */
    boolean finished() {
        return status == Status.DONE || status == Status.ROLLED_BACK || status == Status.ABORTED;
    }

    /**
     * @return the names of the files in the upgrade folder that this plan reads itself: a bundle's two jars, a
     *     feature's two lists (the jars those name are read through them); none for a distribution, whose
     *     folders lie elsewhere
     */
    Set<String> staged() {
        return target == Target.DISTRIBUTION ? Set.of() : new HashSet<>(List.of(jar, previousJar));
    }

    /** @return the staged jar of {@code version} and its SHA-256: the new one or the exact previous one */
    String[] jarOf(String version) {
        return version.equals(to) ? new String[] {jar, sha256} : new String[] {previousJar, previousSha256};
    }

    byte[] encode() {
        StringBuilder sb = new StringBuilder();
        line(sb, "format", String.valueOf(FORMAT));
        line(sb, "id", id);
        line(sb, "bundle", bundle);
        line(sb, "from", from);
        line(sb, "to", to);
        line(sb, "jar", jar);
        line(sb, "sha256", sha256);
        line(sb, "previousJar", previousJar);
        line(sb, "previousSha256", previousSha256);
        line(sb, "conductor", conductor);
        line(sb, "first", first);
        line(sb, "second", second);
        if (target != Target.BUNDLE) {
            line(sb, "target", target.name());
        }
        if (swapBack) {
            line(sb, "swapBack", "true");
        }
        line(sb, "status", status.name());
        line(sb, "current", String.valueOf(current));
        if (cause != null) {
            line(sb, "cause", cause.replace('\n', ' '));
        }
        line(sb, "steps", String.valueOf(steps.size()));
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            line(sb, "step." + i, s.kind().name() + " " + s.scm() + " " + s.version());
            if (s.started() != null) {
                line(sb, "step." + i + ".started", s.started().toString());
            }
            if (s.ended() != null) {
                line(sb, "step." + i + ".ended", s.ended().toString());
            }
            if (s.outcome() != null) {
                line(sb, "step." + i + ".outcome", s.outcome().replace('\n', ' '));
            }
        }
        CRC32 crc = new CRC32();
        byte[] body = sb.toString().getBytes(StandardCharsets.UTF_8);
        crc.update(body);
        sb.append("check=").append(Long.toHexString(crc.getValue())).append('\n');
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void line(StringBuilder sb, String key, String value) {
        sb.append(key).append('=').append(value).append('\n');
    }

    /**
     * @param where the file, for the message
     * @throws IllegalArgumentException naming the file and what is wrong (not whole, a key missing or bad)
     */
    static UpgradePlan decode(byte[] bytes, String where) {
        if (bytes.length > MAX_BYTES) {
            throw new IllegalArgumentException("upgrade plan " + where + ": " + bytes.length + " bytes, more than "
                    + MAX_BYTES);
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        int check = text.lastIndexOf("check=");
        if (check < 0 || (check > 0 && text.charAt(check - 1) != '\n') || !text.endsWith("\n")) {
            throw new IllegalArgumentException("upgrade plan " + where + " is not whole (no check line at its end)");
        }
        CRC32 crc = new CRC32();
        crc.update(text.substring(0, check).getBytes(StandardCharsets.UTF_8));
        String expected = Long.toHexString(crc.getValue());
        String found = text.substring(check + "check=".length(), text.length() - 1);
        if (!expected.equals(found)) {
            throw new IllegalArgumentException("upgrade plan " + where + " is damaged: check " + found + ", content "
                    + expected);
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (String l : text.substring(0, check).split("\n")) {
            int eq = l.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("upgrade plan " + where + ": a line without key=value");
            }
            m.put(l.substring(0, eq), l.substring(eq + 1));
        }
        try {
            int format = Integer.parseInt(need(m, "format", where));
            if (format < FORMAT) {
                throw new IllegalArgumentException("upgrade plan " + where + ": format " + format + " is not known");
            }
            int count = Integer.parseInt(need(m, "steps", where));
            if (count < 0 || count > 1000) {
                throw new IllegalArgumentException("upgrade plan " + where + ": " + count + " steps");
            }
            List<Step> steps = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String[] s = need(m, "step." + i, where).split(" ");
                if (s.length != 3) {
                    throw new IllegalArgumentException("upgrade plan " + where + ": step." + i + " is not KIND SCM VERSION");
                }
                steps.add(new Step(Kind.valueOf(s[0]), s[1], s[2], instant(m.get("step." + i + ".started")),
                        instant(m.get("step." + i + ".ended")), m.get("step." + i + ".outcome")));
            }
            return new UpgradePlan(need(m, "id", where), need(m, "bundle", where), need(m, "from", where),
                    need(m, "to", where), need(m, "jar", where), need(m, "sha256", where), need(m, "first", where),
                    need(m, "second", where), steps, Integer.parseInt(need(m, "current", where)),
                    Status.valueOf(need(m, "status", where).toUpperCase(Locale.ROOT)), m.get("cause"),
                    need(m, "previousJar", where), need(m, "previousSha256", where), need(m, "conductor", where),
                    Target.valueOf(m.getOrDefault("target", Target.BUNDLE.name())), "true".equals(m.get("swapBack")));
        } catch (NumberFormatException | DateTimeParseException e) {
            throw new IllegalArgumentException("upgrade plan " + where + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw e.getMessage() != null && e.getMessage().startsWith("upgrade plan") ? e
                    : new IllegalArgumentException("upgrade plan " + where + ": " + e.getMessage(), e);
        }
    }

    private static String need(Map<String, String> m, String key, String where) {
        String v = m.get(key);
        if (v == null) {
            throw new IllegalArgumentException("upgrade plan " + where + ": '" + key + "' is missing");
        }
        return v;
    }

    private static Instant instant(String s) {
        return s == null ? null : Instant.parse(s);
    }
}
