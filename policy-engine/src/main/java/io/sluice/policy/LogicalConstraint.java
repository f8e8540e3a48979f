package io.sluice.policy;

import java.util.List;
import java.util.Objects;

/**
 * A logical combination of constraints, e.g. {@code {"or": [c1, c2]}}.
 *
 * @param uid optional uid
 * @param operator and, or, xone or andSequence
 * @param constraints the operands, at least one
 */
public record LogicalConstraint(String uid, LogicalOperator operator, List<Constraint> constraints)
    implements Constraint {

  public LogicalConstraint {
    Objects.requireNonNull(operator, "operator");
    constraints = List.copyOf(constraints);
  }

  public static LogicalConstraint of(LogicalOperator operator, Constraint... constraints) {
    return new LogicalConstraint(null, operator, List.of(constraints));
  }
}
