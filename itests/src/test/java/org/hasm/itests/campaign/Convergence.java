package org.hasm.itests.campaign;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.stream.Stream;
import org.hasm.itests.cluster.OwnerWatch.Owner;
import org.hasm.itests.cluster.Pair;
import org.hasm.itests.cluster.Pair.Scm;

/**
 * Checker 3: the pair is back in DAC. Both SCMs report DAC, one MASTER and one SLAVE (either way
 * round: roles stay swapped after a takeover), each personality's volume is owned by its home SCM
 * and its address is held by it. That the writes go through again is awaited by the run after
 * this holds.
 */
public final class Convergence {

    private Convergence() {
    }

    /**
     * @param a the status document of scm-a ({@code null}: no answer)
     * @param b that of scm-b
     * @param volumeA the record of personality A's volume ({@code null}: unreadable)
     * @param volumeB that of B's
     * @param addressA who holds A's HTTP address ({@code scm-a}, {@code none}, {@code scm-a+scm-b})
     * @param addressB who holds B's
     * @return why the pair is not back in DAC, or {@code null} if it is
     */
    public static String notConverged(JsonNode a, JsonNode b, Owner volumeA, Owner volumeB, String addressA,
            String addressB) {
        for (Scm scm : Scm.values()) {
            JsonNode s = scm == Scm.A ? a : b;
            if (s == null) {
                return scm.id() + " does not answer";
            }
            if (!"DAC".equals(s.path("state").asText()) || !"DAC".equals(s.path("sysConfig").asText())) {
                String reason = s.path("reason").asText("");
                return scm.id() + " is " + Pair.role(s) + " (" + s.path("sysConfig").asText() + ")"
                        + (reason.isEmpty() || reason.equals("null") ? "" : ": " + reason);
            }
        }
        List<String> roles = Stream.of(a, b).map(s -> s.path("opMode").asText()).sorted().toList();
        if (!roles.equals(List.of("MASTER", "SLAVE"))) {
            return "roles are " + Pair.role(a) + " and " + Pair.role(b) + ", not one MASTER and one SLAVE";
        }
        String volumes = home(Scm.A, volumeA) + home(Scm.B, volumeB);
        if (!volumes.isEmpty()) {
            return volumes.strip();
        }
        if (!addressA.equals(Scm.A.id()) || !addressB.equals(Scm.B.id())) {
            return "personality A's address is held by " + addressA + ", B's by " + addressB;
        }
        return null;
    }

    private static String home(Scm home, Owner record) {
        if (record == null) {
            return " the record of personality " + home.personality() + "'s volume is unreadable;";
        }
        return record.owner().equals(home.id()) ? ""
                : " personality " + home.personality() + "'s volume is owned by " + record + ", not " + home.id() + ";";
    }
}
