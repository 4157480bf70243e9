package org.hasm.ctcm.internal;

import org.hasm.spi.config.Fingerprint;

/**
 * The power-up decision of the CTCM, a pure function: this SCM's configuration against the replica on
 * the shared storage and the peer's. Generation 0 is a configuration as installed, never committed:
 * it gives way to any other the pair has (the replica's first; between two installed ones, the
 * configured SLAVE's gives way to the MASTER's).
 */
final class PowerUp {

    enum Verdict {
        /** go on */
        CURRENT,
        /** restore from {@link Decision#from}, then RESET */
        STALE,
        /** a database is torn or was changed by hand: MONITOR */
        CORRUPT,
        /** two configurations at the same generation: MONITOR */
        CONTRADICTORY
    }

    enum Source { REPLICA, PEER }

    /** What one side knows. */
    enum Kind {
        /** its fingerprint is known */
        INTACT,
        /** it has none: no replica written yet */
        ABSENT,
        /** it could not be asked (the peer does not answer, no shared storage) */
        UNKNOWN,
        /** it is torn or changed; {@link Side#problem} says how */
        CORRUPT
    }

    /**
     * @param kind what is known
     * @param fingerprint with {@link Kind#INTACT}
     * @param problem with {@link Kind#CORRUPT}: names the file and the field
     */
    record Side(Kind kind, Fingerprint fingerprint, String problem) {
        static Side intact(Fingerprint f) {
            return new Side(Kind.INTACT, f, null);
        }

        static Side absent() {
            return new Side(Kind.ABSENT, null, null);
        }

        static Side unknown() {
            return new Side(Kind.UNKNOWN, null, null);
        }

        static Side corrupt(String problem) {
            return new Side(Kind.CORRUPT, null, problem);
        }

        boolean intact() {
            return kind == Kind.INTACT;
        }
    }

    /**
     * @param verdict what to do
     * @param from with {@link Verdict#STALE}: where the configuration to restore is
     * @param refreshReplica with {@link Verdict#CURRENT}: the replica is absent or behind, write it from here
     * @param reason for the log and, in MONITOR, the status: names the file and the field
     */
    record Decision(Verdict verdict, Source from, boolean refreshReplica, String reason) {
    }

    private PowerUp() {
    }

    /**
     * @param local this SCM's database (never {@link Kind#ABSENT}: a node without one has its
     *     installed files at generation 0)
     * @param replica the replica on the shared storage
     * @param peer the peer's answer
     * @param configuredSlave whether this SCM is configured SLAVE (breaks a tie between installed ones)
     */
    static Decision decide(Side local, Side replica, Side peer, boolean configuredSlave) {
        if (local.kind() == Kind.CORRUPT) {
            return new Decision(Verdict.CORRUPT, null, false, local.problem());
        }
        if (!local.intact()) {
            throw new IllegalArgumentException("this SCM's configuration is " + local.kind() + ": always known");
        }
        if (replica.kind() == Kind.CORRUPT) {
            return new Decision(Verdict.CORRUPT, null, false, replica.problem());
        }
        Fingerprint mine = local.fingerprint();
        Fingerprint best = mine;
        Source from = null;
        if (replica.intact()) {
            Fingerprint r = replica.fingerprint();
            if (r.generation() == mine.generation() && !r.checksum().equals(mine.checksum()) && mine.generation() > 0) {
                return new Decision(Verdict.CONTRADICTORY, null, false, "the configuration database and its replica"
                        + " differ at generation " + mine.generation() + ": field checksum " + mine.checksum()
                        + " here, " + r.checksum() + " in the replica");
            }
            if (r.generation() > mine.generation() || r.generation() == 0 && mine.generation() == 0
                    && !r.checksum().equals(mine.checksum())) {
                best = r;
                from = Source.REPLICA;
            }
        }
        if (peer.intact()) {
            Fingerprint p = peer.fingerprint();
            if (p.generation() == mine.generation() && !p.checksum().equals(mine.checksum())) {
                if (mine.generation() > 0) {
                    return new Decision(Verdict.CONTRADICTORY, null, false, "this SCM and its peer have different"
                            + " configurations at generation " + mine.generation() + ": field checksum "
                            + mine.checksum() + " here, " + p.checksum() + " on the peer");
                }
                if (from == null && configuredSlave) {
                    best = p;
                    from = Source.PEER;
                }
            } else if (p.generation() > best.generation()) {
                best = p;
                from = Source.PEER;
            }
        }
        if (from != null) {
            return new Decision(Verdict.STALE, from, false, "this SCM's configuration (generation " + mine.generation()
                    + ") is older than the " + (from == Source.REPLICA ? "replica's" : "peer's") + " (generation "
                    + best.generation() + "): restored from the " + (from == Source.REPLICA ? "replica" : "peer"));
        }
        boolean refresh = replica.kind() == Kind.ABSENT
                || replica.intact() && replica.fingerprint().generation() < mine.generation();
        return new Decision(Verdict.CURRENT, null, refresh, "generation " + mine.generation() + " is current");
    }
}
