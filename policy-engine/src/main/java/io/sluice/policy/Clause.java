package io.sluice.policy;

import java.util.List;

/** A constraint with its meaning and its place in the document: a test or a logical node. */
public sealed interface Clause permits Clause.Test, Clause.Logic {
  /** JSON pointer of the constraint in the policy document. */
  String pointer();

  /** The constraint's uid, or null. */
  String uid();

  /**
   * An atomic constraint.
   *
   * @param condition its meaning
   * @param uid its uid or null
   * @param pointer where it is in the document
   */
  record Test(Condition condition, String uid, String pointer) implements Clause {}

  /**
   * A logical constraint.
   *
   * @param operator and, or, xone, andSequence
   * @param operands the operands, at least one
   * @param uid its uid or null
   * @param pointer where it is in the document
   */
  record Logic(LogicalOperator operator, List<Clause> operands, String uid, String pointer)
      implements Clause {
    public Logic {
      operands = List.copyOf(operands);
    }
  }
}
