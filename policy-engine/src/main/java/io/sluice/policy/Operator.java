package io.sluice.policy;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/** The ODRL 2.2 constraint operators Sluice evaluates. */
public enum Operator {
  EQ("eq"),
  NEQ("neq"),
  LT("lt"),
  LTEQ("lteq"),
  GT("gt"),
  GTEQ("gteq"),
  IS_A("isA"),
  IS_ANY_OF("isAnyOf"),
  IS_ALL_OF("isAllOf"),
  IS_NONE_OF("isNoneOf"),
  IS_PART_OF("isPartOf");

  private final String term;

  Operator(String term) {
    this.term = term;
  }

  /** The compact ODRL term, e.g. {@code lteq}. */
  public String term() {
    return term;
  }

  /** Resolves {@code lteq}, {@code odrl:lteq} or the full ODRL IRI. */
  public static Optional<Operator> resolve(String written) {
    String term = Terms.odrlLocalName(written);
    for (Operator operator : values()) {
      if (operator.term.equals(term)) {
        return Optional.of(operator);
      }
    }
    return Optional.empty();
  }

  /** The operators that make sense for a value type. */
  public static Set<Operator> validFor(ValueType type) {
    return switch (type) {
      case INTEGER, DECIMAL, DATE_TIME, DURATION -> EnumSet.of(EQ, NEQ, LT, LTEQ, GT, GTEQ);
      case STRING -> EnumSet.of(EQ, NEQ, IS_A, IS_ANY_OF, IS_NONE_OF, IS_PART_OF);
      case CLAIM_SET -> EnumSet.of(EQ, NEQ, IS_A, IS_ANY_OF, IS_ALL_OF, IS_NONE_OF, IS_PART_OF);
      case STRING_SET -> EnumSet.of(EQ, NEQ, IS_ANY_OF, IS_ALL_OF, IS_NONE_OF, IS_PART_OF);
      case KEY -> EnumSet.of(EQ, NEQ, IS_ANY_OF, IS_NONE_OF);
    };
  }

  /** True when the right operand is a set (a JSON array) for this operator and type. */
  boolean takesSet(ValueType type) {
    return switch (this) {
      case IS_ANY_OF, IS_ALL_OF, IS_NONE_OF -> true;
      case IS_PART_OF -> type != ValueType.STRING;
      case EQ, NEQ -> type == ValueType.STRING_SET;
      default -> false;
    };
  }
}
