package org.hasm.testkit;

import java.util.List;

/**
 * What a {@link ContractKit} run found: every violation by name, and the calls made, in order, with
 * how long each took.
 */
public final class ContractReport {
    private final String module;
    private final List<Violation> violations;
    private final List<String> calls;
    private final List<String> notes;

    ContractReport(String module, List<Violation> violations, List<String> calls, List<String> notes) {
        this.module = module;
        this.violations = List.copyOf(violations);
        this.calls = List.copyOf(calls);
        this.notes = List.copyOf(notes);
    }

    /** @return every violation found, in the order found; empty when the module kept the contract */
    public List<Violation> violations() {
        return violations;
    }

    /** @return the kinds of the violations found, in the order found */
    public List<Violation.Kind> kinds() {
        return violations.stream().map(Violation::kind).toList();
    }

    /** @return each call made, with its phase, outcome and duration */
    public List<String> calls() {
        return calls;
    }

    /** @return what the kit could not check and why (no {@code /proc/net} on this system, say) */
    public List<String> notes() {
        return notes;
    }

    /**
     * @throws AssertionError listing every violation and the calls made, if there is any violation
     */
    public void assertNoViolations() {
        if (!violations.isEmpty()) {
            throw new AssertionError(toString());
        }
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("module ").append(module).append(": ");
        if (violations.isEmpty()) {
            b.append("kept the lifecycle contract");
        } else {
            b.append(violations.size()).append(violations.size() == 1 ? " violation" : " violations");
            violations.forEach(v -> b.append("\n  ").append(v));
        }
        b.append("\ncalls:");
        calls.forEach(c -> b.append("\n  ").append(c));
        notes.forEach(n -> b.append("\nnote: ").append(n));
        return b.toString();
    }
}
