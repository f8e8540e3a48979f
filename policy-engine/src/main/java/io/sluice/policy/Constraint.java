package io.sluice.policy;

/** An ODRL constraint: an atomic comparison or a logical combination of constraints. */
public sealed interface Constraint permits AtomicConstraint, LogicalConstraint {
  /** The constraint's own uid, or null. */
  String uid();
}
