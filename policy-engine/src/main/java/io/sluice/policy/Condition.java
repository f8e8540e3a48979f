package io.sluice.policy;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The meaning of one atomic constraint, typed by its left operand. The evaluator, containment and
 * the canonical form all work from conditions, so they agree on what a constraint means.
 *
 * <p>Ordered values are mapped to {@code long}s that preserve order: integers as themselves,
 * decimals through their IEEE 754 bit pattern, instants as nanoseconds since the epoch (years
 * 1678..2261), durations without years or months as nanoseconds. A constraint on them is then a
 * closed interval of accepted longs, or its complement.
 */
public sealed interface Condition
    permits Condition.Range, Condition.CalendarRange, Condition.Choice, Condition.SetTest {

  /** The left operand tested. */
  LeftOperand operand();

  /** The operator, after normalization (e.g. {@code lt 5} on integers is {@code lteq 4}). */
  Operator operator();

  /** The right operand in canonical form. */
  RightOperand right();

  /** The constraint in canonical form, e.g. {@code purpose eq claims-settlement}. */
  default String expected() {
    return operand().term() + " " + operator().term() + " " + Conditions.show(right());
  }

  /** The constraint in canonical form as a model value (without uid). */
  default AtomicConstraint canonical() {
    return AtomicConstraint.of(operand(), operator(), right());
  }

  /**
   * An ordered value accepted when it lies in {@code [lo, hi]} ({@code negated}: outside it).
   *
   * @param operand integer, decimal, dateTime or day-time duration operand
   * @param operator the normalized operator
   * @param right the canonical right operand
   * @param lo lowest accepted value (inclusive), {@link Long#MIN_VALUE} for unbounded
   * @param hi highest accepted value (inclusive), {@link Long#MAX_VALUE} for unbounded
   * @param negated true for {@code neq}: accepted outside the interval
   */
  record Range(
      LeftOperand operand, Operator operator, RightOperand right, long lo, long hi, boolean negated)
      implements Condition {
    public boolean accepts(long value) {
      return (value >= lo && value <= hi) != negated;
    }
  }

  /**
   * A duration with years or months, compared by calendar arithmetic (UTC) from the agreement
   * start: {@code elapsedTime lteq P1M} holds while {@code now <= start + 1 month}.
   *
   * @param operand elapsedTime or retention
   * @param operator the operator
   * @param right the canonical right operand
   * @param months whole months (years count 12)
   * @param nanos the day and time part in nanoseconds (days are 24 h in UTC)
   */
  record CalendarRange(
      LeftOperand operand, Operator operator, RightOperand right, long months, long nanos)
      implements Condition {}

  /**
   * One string accepted when it is in {@code accepted} ({@code negated}: when it is not). {@code
   * isA} and {@code isPartOf} include the sub-kinds: {@code isA psi} accepts psi-label, {@code
   * spatial isPartOf EU} accepts DE.
   *
   * @param operand purpose, spatial or computation
   * @param operator the operator
   * @param right the canonical right operand
   * @param accepted the accepted (or, negated, the refused) values
   * @param negated true for neq and isNoneOf
   */
  record Choice(
      LeftOperand operand,
      Operator operator,
      RightOperand right,
      Set<String> accepted,
      boolean negated)
      implements Condition {
    public Choice {
      accepted = Set.copyOf(accepted);
    }

    public boolean accepts(String value) {
      return accepted.contains(value) != negated;
    }
  }

  /**
   * A test on a set of strings: the caller's claim values, or the computation's output columns.
   *
   * @param operand a participant claim or the output columns
   * @param operator the operator
   * @param right the canonical right operand
   * @param relation what must hold between the request's set and {@code values}
   * @param values the right operand's values
   */
  record SetTest(
      LeftOperand operand,
      Operator operator,
      RightOperand right,
      Relation relation,
      Set<String> values)
      implements Condition {
    public SetTest {
      values = Set.copyOf(values);
    }

    /** Whether the request's set {@code actual} satisfies this test. */
    public boolean accepts(Set<String> actual) {
      return switch (relation) {
        case HAS_ALL -> actual.containsAll(values);
        case HAS_NONE -> values.stream().noneMatch(actual::contains);
        case HAS_ANY -> values.stream().anyMatch(actual::contains);
        case WITHIN -> values.containsAll(actual);
        case WITHIN_NONEMPTY -> !actual.isEmpty() && values.containsAll(actual);
        case EQUALS -> actual.equals(values);
        case NOT_EQUALS -> !actual.equals(values);
      };
    }
  }

  /** Relations between a request's set L and a constraint's set S. */
  enum Relation {
    /** S ⊆ L (claims: eq, isA, isAllOf; columns: isAllOf). */
    HAS_ALL,
    /** L ∩ S = ∅ (neq on claims, isNoneOf). */
    HAS_NONE,
    /** L ∩ S ≠ ∅ (isAnyOf). */
    HAS_ANY,
    /** L ⊆ S (isPartOf on output columns; no columns at all is within any set). */
    WITHIN,
    /** ∅ ≠ L ⊆ S (isPartOf on claims: a caller without the claim is not part of anything). */
    WITHIN_NONEMPTY,
    /** L = S (eq on output columns). */
    EQUALS,
    /** L ≠ S (neq on output columns). */
    NOT_EQUALS
  }

  /**
   * Interprets one constraint.
   *
   * @throws PolicyValidationException listing every problem with it (pointers relative to it)
   */
  static Condition of(AtomicConstraint constraint) {
    List<PolicyProblem> problems = new ArrayList<>();
    Condition condition = Conditions.interpret(constraint, "", problems);
    if (condition == null) {
      throw new PolicyValidationException(problems);
    }
    return condition;
  }

  /**
   * The order-preserving {@code long} for a decimal value, as {@link Range} bounds use for {@link
   * ValueType#DECIMAL} operands.
   */
  static long orderKey(double value) {
    return Conditions.sortable(value);
  }

  /** The decimal value of an order key (inverse of {@link #orderKey(double)}). */
  static double decimalOf(long orderKey) {
    return Conditions.unsortable(orderKey);
  }

  /** Nanoseconds since the epoch, as {@link Range} bounds use for dateTime operands. */
  static long epochNanos(java.time.Instant instant) {
    return Conditions.nanos(instant);
  }

  /** The canonical ISO 8601 spelling of a duration of {@code months} and {@code nanos}. */
  static String durationText(long months, long nanos) {
    return Conditions.formatDuration(months, nanos);
  }

  /** Helper used by the typed factories below. */
  private static Set<String> sorted(Set<String> values) {
    return new TreeSet<>(values);
  }

  /** Builds {@code operand operator values} for a set operator, e.g. isAnyOf. */
  static AtomicConstraint ofSet(LeftOperand operand, Operator operator, Set<String> values) {
    return AtomicConstraint.of(operand, operator, RightOperand.strings(sorted(values)));
  }

  /** Builds {@code operand operator value} for a single string. */
  static AtomicConstraint ofString(LeftOperand operand, Operator operator, String value) {
    return AtomicConstraint.of(operand, operator, RightOperand.string(value));
  }

  /** Builds {@code operand operator number}. */
  static AtomicConstraint ofNumber(LeftOperand operand, Operator operator, BigDecimal value) {
    return AtomicConstraint.of(
        operand, operator, RightOperand.number(value.stripTrailingZeros().toPlainString()));
  }

  /** Values in written order without duplicates. */
  static Set<String> distinct(List<String> values) {
    return new LinkedHashSet<>(values);
  }
}
