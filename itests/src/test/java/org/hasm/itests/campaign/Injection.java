package org.hasm.itests.campaign;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.hasm.itests.cluster.Pair;
import org.hasm.itests.cluster.Pair.Scm;

/** How each kind of fault is injected, and what undoes it. */
final class Injection {

    /** How long a restart in a failback waits for the survivor to have taken over first. */
    private static final Duration TAKEOVER = Duration.ofSeconds(30);
    private static final Lab.Undo NOTHING = () -> { };

    private Injection() {
    }

    static Lab.Undo inject(Lab lab, Fault fault, long seed) throws Exception {
        Pair pair = lab.pair();
        Scm target = fault.target();
        return switch (fault.kind()) {
            case KILL -> {
                lab.kill(target);
                yield () -> startIfDown(lab, target);
            }
            case PAUSE -> {
                lab.pause(target);
                yield () -> lab.resume(target);
            }
            case CUT_CHANNEL, LOSSY_CHANNEL, CUT_ALL -> NetworkFaults.apply(pair, lab.uniqueName(), fault);
            case FLOOD -> Flood.start(pair, target, seed, fault.holdMs());
            case STARVE_CPU -> pair.isAlive(target)
                    ? CpuStarvation.apply(pair.pid(target), lab.uniqueName(), fault.amount()) : NOTHING;
            case STORAGE_FULL -> StorageFaults.fill(pair.shared().resolve(lab.uniqueName()), lab.tmpfs().usable());
            case STORAGE_READ_ONLY -> pair.isAlive(target) ? StorageFaults.readOnly(pair.pid(target), pair.shared(),
                    pair.shared().resolveSibling(lab.uniqueName())) : NOTHING;
            case RECORD_DAMAGED -> {
                StorageFaults.damage(pair.shared().resolve("owners").resolve(pair.volume(target)), fault.variant(),
                        fault.amount());
                yield NOTHING;
            }
            case RESTART_IN_TRANSITION -> {
                restartInTransition(lab, fault);
                yield NOTHING;
            }
        };
    }

    /**
     * Kills the target, then restarts an SCM in the middle of what follows: during the survivor's
     * takeover (failover), or while the target comes back and the survivor hands its personality
     * back (failback). The SCM restarted is the target again ({@code same}) or the survivor
     * ({@code other}: both are down at once for a moment).
     */
    private static void restartInTransition(Lab lab, Fault fault) throws Exception {
        String[] how = fault.variant().split("/");
        Scm first = fault.target();
        Scm survivor = first.other();
        Scm again = how[1].equals("same") ? first : survivor;
        lab.kill(first);
        if (how[0].equals("failover")) {
            lab.holdUntil(System.nanoTime() + fault.delayMs() * 1_000_000L);
            stop(lab, again, how[2]);
            lab.holdUntil(System.nanoTime() + fault.downMs() * 1_000_000L);
            startIfDown(lab, first);
            startIfDown(lab, survivor);
            return;
        }
        lab.waitFor(TAKEOVER, () -> {
            JsonNode s = lab.pair().status(survivor);
            return !lab.pair().isAlive(survivor) || s != null && "DEGRADED".equals(s.path("state").asText());
        });
        startIfDown(lab, first);
        lab.holdUntil(System.nanoTime() + fault.delayMs() * 1_000_000L);
        stop(lab, again, how[2]);
        lab.holdUntil(System.nanoTime() + fault.downMs() * 1_000_000L);
        startIfDown(lab, again);
    }

    private static void stop(Lab lab, Scm scm, String how) throws InterruptedException {
        if (how.equals("term")) {
            lab.terminate(scm);
        } else {
            lab.kill(scm);
        }
    }

    private static void startIfDown(Lab lab, Scm scm) throws Exception {
        if (!lab.pair().isAlive(scm)) {
            lab.start(scm);
        }
    }
}
