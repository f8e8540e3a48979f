package io.sluice.policy;

import java.util.Objects;

/**
 * {@code leftOperand operator rightOperand}, as written. The terms are kept as written so that a
 * parsed policy serializes back exactly; {@link Condition#of} gives their meaning.
 *
 * @param uid optional uid of the constraint
 * @param leftOperand the left operand term, e.g. {@code purpose}
 * @param operator the operator term, e.g. {@code eq}
 * @param rightOperand the right operand
 * @param dataType optional {@code dataType} (an xsd type), or null
 * @param unit optional {@code unit}, or null (Sluice's operands accept none)
 */
public record AtomicConstraint(
    String uid,
    String leftOperand,
    String operator,
    RightOperand rightOperand,
    String dataType,
    String unit)
    implements Constraint {

  public AtomicConstraint {
    Objects.requireNonNull(leftOperand, "leftOperand");
    Objects.requireNonNull(operator, "operator");
    Objects.requireNonNull(rightOperand, "rightOperand");
  }

  /** A constraint without uid, dataType or unit. */
  public static AtomicConstraint of(String leftOperand, String operator, RightOperand right) {
    return new AtomicConstraint(null, leftOperand, operator, right, null, null);
  }

  /** A constraint with a typed operand and operator. */
  public static AtomicConstraint of(LeftOperand left, Operator operator, RightOperand right) {
    return of(left.term(), operator.term(), right);
  }
}
