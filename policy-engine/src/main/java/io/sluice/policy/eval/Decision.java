package io.sluice.policy.eval;

import java.util.List;

/**
 * The outcome of evaluating a request: permit (with the duties that come with it) or deny (with
 * every reason). A value, never an exception.
 *
 * @param permitted true for PERMIT
 * @param failures why it was denied (empty for a permit)
 * @param duties what the caller must do when permitted (empty for a deny)
 * @param grantedBy the permissions that granted it (uids, or pointers)
 */
public record Decision(
    boolean permitted, List<Failure> failures, List<Obligation> duties, List<String> grantedBy) {

  public Decision {
    failures = List.copyOf(failures);
    duties = List.copyOf(duties);
    grantedBy = List.copyOf(grantedBy);
    if (permitted != failures.isEmpty()) {
      throw new IllegalArgumentException("a permit has no failures and a deny has some");
    }
  }

  static Decision permit(List<Obligation> duties, List<String> grantedBy) {
    return new Decision(true, List.of(), duties, grantedBy);
  }

  static Decision deny(List<Failure> failures) {
    return new Decision(false, failures, List.of(), List.of());
  }

  /** {@code PERMIT} or {@code DENY}. */
  public String outcome() {
    return permitted ? "PERMIT" : "DENY";
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder(outcome());
    for (Failure f : failures) {
      s.append("\n  ").append(f);
    }
    for (Obligation o : duties) {
      s.append("\n  duty: ").append(o.describe());
    }
    return s.toString();
  }
}
