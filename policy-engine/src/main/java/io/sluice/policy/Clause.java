package io.sluice.policy;

import java.util.List;

/** A constraint with its meaning and its place in the document: a test or a logical node. */
public sealed interface Clause permits Clause.Test, Clause.Logic {
  /** JSON pointer of the constraint in the policy document. */
  String pointer();

  /** The constraint's uid, or null. */
  String uid();

  /**
   * The canonical text of this constraint without uids: two clauses with the same meaning text mean
   * the same.
   */
  default String meaning() {
    return CanonicalForm.meaning(this);
  }

  /** The constraint as a model value in canonical form (for building policies from clauses). */
  default Constraint toConstraint() {
    if (this instanceof Test t) {
      AtomicConstraint c = t.condition().canonical();
      return new AtomicConstraint(
          uid(), c.leftOperand(), c.operator(), c.rightOperand(), null, null);
    }
    Logic l = (Logic) this;
    java.util.List<Constraint> operands = new java.util.ArrayList<>();
    for (Clause c : l.operands()) {
      operands.add(c.toConstraint());
    }
    return new LogicalConstraint(uid(), l.operator(), operands);
  }

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
