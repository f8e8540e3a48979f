package io.sluice.policy;

import java.util.List;

/** A policy document with problems; carries all of them, not only the first. */
public final class PolicyValidationException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient List<PolicyProblem> problems;

  public PolicyValidationException(List<PolicyProblem> problems) {
    super(summary(problems));
    this.problems = List.copyOf(problems);
  }

  /** Every problem found, in document order. */
  public List<PolicyProblem> problems() {
    return problems;
  }

  private static String summary(List<PolicyProblem> problems) {
    StringBuilder s = new StringBuilder("invalid policy: ");
    s.append(problems.size()).append(problems.size() == 1 ? " problem" : " problems");
    for (PolicyProblem p : problems) {
      s.append("\n  ").append(p);
    }
    return s.toString();
  }
}
