package io.sluice.audit;

import java.util.Optional;

/**
 * What {@link AuditVerifier} found.
 *
 * @param entries how many entries verified (all of them when {@link #ok()})
 * @param heads how many signed heads verified
 * @param problem the first problem, in log order, if any
 */
public record AuditVerification(long entries, int heads, Optional<AuditProblem> problem) {
  public boolean ok() {
    return problem.isEmpty();
  }

  @Override
  public String toString() {
    return problem
        .map(p -> "audit log does not verify: " + p.message())
        .orElse("audit log verifies: " + entries + " entries, " + heads + " signed heads");
  }
}
