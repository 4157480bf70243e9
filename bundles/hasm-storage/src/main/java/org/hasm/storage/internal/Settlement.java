package org.hasm.storage.internal;

/**
 * What to do about an ownership record that is unreadable (damaged, torn), as a pure function of
 * what is known: whether the peer is down, what it answered, and whether this SCM holds the volume.
 * {@link VolumeStore#settle} applies the verdict under its lock.
 *
 * <p>The rule: a damaged record says nothing about the owner, so it is rewritten only when nobody
 * else can hold the volume — the peer said it does not, or the controller declared the peer dead
 * (the same fence and lease rules that let a takeover overwrite a readable record). A peer that holds
 * the volume at a higher epoch took it over before the damage: ours is lost. Anything else waits.
 */
final class Settlement {

    /**
     * What the peer says of a volume whose record is unreadable here.
     *
     * @param scm the peer's name
     * @param holds it owns the volume now, at {@code epoch}
     * @param wants it should own it but has not acquired it yet
     * @param epoch the epoch it holds, or the highest it has seen
     */
    record PeerHold(String scm, boolean holds, boolean wants, long epoch) {
    }

    sealed interface Verdict {
        /** Write the record anew, above {@code floor}; {@code from} says why that is safe. */
        record Rewrite(long floor, String from) implements Verdict { }

        /** The peer owns the volume: this SCM's ownership ended. */
        record Lost(String owner, long epoch) implements Verdict { }

        /** Write nothing yet; {@code how} says why, for the operator. */
        record Wait(String how) implements Verdict { }
    }

    private Settlement() {
    }

    /**
     * @param self this SCM's name
     * @param peerDown the controller declared the peer dead (DEGRADED), or there is none
     * @param answer the peer's answer, {@code null} if it could not be asked
     * @param unanswered why it could not be asked
     * @param floor the highest epoch known here (the damaged bytes', this SCM's)
     * @param heldEpoch the epoch at which this SCM holds the volume, -1 if it does not
     */
    static Verdict decide(String self, boolean peerDown, PeerHold answer, String unanswered, long floor,
            long heldEpoch) {
        if (peerDown) {
            return new Verdict.Rewrite(floor, "the peer is down");
        }
        if (answer == null) {
            return new Verdict.Wait("the peer cannot be asked (" + unanswered + "): the fence and lease rules decide");
        }
        if (answer.holds()) {
            // equal epochs cannot both be written; should they ever meet, the smaller name keeps it, on both sides
            boolean theirs = answer.epoch() > heldEpoch || (answer.epoch() == heldEpoch && answer.scm().compareTo(self) < 0);
            if (!theirs) {
                return new Verdict.Wait(answer.scm() + " still holds it at epoch " + answer.epoch()
                        + ", older than ours: it gives way when it asks us");
            }
            return heldEpoch >= 0 ? new Verdict.Lost(answer.scm(), answer.epoch())
                    : new Verdict.Wait(answer.scm() + " holds it at epoch " + answer.epoch());
        }
        if (answer.wants()) {
            return new Verdict.Wait(answer.scm() + " wants it too: waiting for the controllers to agree");
        }
        return new Verdict.Rewrite(Math.max(floor, answer.epoch()), answer.scm() + " does not hold it");
    }
}
