package org.hasm.itests.campaign;

import java.util.List;

/**
 * What one run found.
 *
 * @param acknowledged writes acknowledged through both personalities
 * @param lost acknowledged writes gone or altered (checker 1)
 * @param unserved acknowledged writes intact on the volume but not served as written
 * @param doubleOwners evidence of a volume with two owners (checker 2)
 * @param wrongfulFences healthy SCMs fenced (checker 4)
 * @param other processes that ended with nobody killing them
 * @param converged whether the pair was back in DAC and writing within the deadline (checker 3)
 * @param convergeMs from the last fault undone to back in DAC; -1 if it was not
 * @param problems every finding, one line each
 * @param error why the run could not be carried out (the pair did not start, a fault could not be
 *     injected), or {@code null}
 */
public record RunResult(int index, long seed, Plan plan, int acknowledged, int lost, int unserved, int doubleOwners,
        int wrongfulFences, int other, boolean converged, long convergeMs, List<String> problems, String error) {

    public RunResult {
        problems = List.copyOf(problems);
    }

    static RunResult failed(int index, long seed, Plan plan, String error) {
        return new RunResult(index, seed, plan, 0, 0, 0, 0, 0, 0, false, -1, List.of(), error);
    }

    public boolean passed() {
        return error == null && lost == 0 && unserved == 0 && doubleOwners == 0 && wrongfulFences == 0 && other == 0
                && converged;
    }

    /** @return the run's result line */
    public String line() {
        String head = "run " + index + " seed " + seed + ": " + plan.describe() + " -> ";
        if (error != null) {
            return head + "ERROR " + error;
        }
        return head + (passed() ? "PASS" : "FAIL") + ": acknowledged " + acknowledged + ", lost " + lost
                + ", unserved " + unserved + ", double owners " + doubleOwners + ", wrongful fences " + wrongfulFences
                + (other > 0 ? ", ended on their own " + other : "")
                + (converged ? ", converged in " + convergeMs + " ms" : ", NOT converged");
    }
}
