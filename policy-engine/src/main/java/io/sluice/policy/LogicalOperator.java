package io.sluice.policy;

import java.util.Optional;

/** ODRL's logical constraint operators. */
public enum LogicalOperator {
  /** All operands hold. */
  AND("and"),
  /** At least one operand holds. */
  OR("or"),
  /** Exactly one operand holds. */
  XONE("xone"),
  /**
   * All operands hold, checked in order. At a single point of evaluation this is {@link #AND}; the
   * order is kept (it is not sorted in the canonical form).
   */
  AND_SEQUENCE("andSequence");

  private final String term;

  LogicalOperator(String term) {
    this.term = term;
  }

  public String term() {
    return term;
  }

  static Optional<LogicalOperator> fromKey(String key) {
    for (LogicalOperator operator : values()) {
      if (operator.term.equals(key)) {
        return Optional.of(operator);
      }
    }
    return Optional.empty();
  }
}
