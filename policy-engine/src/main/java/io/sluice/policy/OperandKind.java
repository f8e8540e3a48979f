package io.sluice.policy;

/**
 * The left operands Sluice understands. Anything else in a policy is a validation error: an operand
 * that the evaluator ignored would silently widen a permission.
 */
public enum OperandKind {
  /** The purpose the caller declares for this use. */
  PURPOSE("purpose", ValueType.STRING, Scope.RULE),
  /** The current time (from the request's clock). */
  DATE_TIME("dateTime", ValueType.DATE_TIME, Scope.RULE),
  /** Time since the agreement started. */
  ELAPSED_TIME("elapsedTime", ValueType.DURATION, Scope.RULE),
  /** The number of this use: uses so far plus one. */
  COUNT("count", ValueType.INTEGER, Scope.RULE),
  /** The region the request comes from (ISO 3166-1 alpha-2 code, or EU / EEA). */
  SPATIAL("spatial", ValueType.STRING, Scope.RULE),
  /** One claim of the caller's certificate: {@code sluice:participant.<claim>}. */
  PARTICIPANT_CLAIM("sluice:participant.", ValueType.CLAIM_SET, Scope.RULE),
  /** The kind of joint computation: psi, psi-cardinality, psi-label, aggregate, sql. */
  COMPUTATION("sluice:computation", ValueType.STRING, Scope.RULE),
  /** The number of rows the caller submits to the computation. */
  INPUT_ROWS("sluice:inputRows", ValueType.INTEGER, Scope.RULE),
  /** The minimum result group size k the computation enforces. */
  MIN_RESULT_GROUP_SIZE("sluice:minResultGroupSize", ValueType.INTEGER, Scope.RULE),
  /** The columns the computation releases. */
  OUTPUT_COLUMNS("sluice:outputColumns", ValueType.STRING_SET, Scope.RULE),
  /**
   * The provider's columns a PSI joins on, in order, with their case rules ({@link KeyColumns}):
   * only the identical key satisfies {@code eq}.
   */
  KEY_COLUMNS("sluice:keyColumns", ValueType.KEY, Scope.RULE),
  /** The number of parties the computation requires before it releases anything. */
  MIN_PARTIES("sluice:minParties", ValueType.INTEGER, Scope.RULE),
  /**
   * The differential-privacy budget: in a rule, the epsilon the computation spends; in a {@code
   * sluice:addNoise} duty, the epsilon of the noise that must be added.
   */
  EPSILON("sluice:epsilon", ValueType.DECIMAL, Scope.BOTH),
  /** In a {@code delete} duty: how long the result may be kept. */
  RETENTION("sluice:retention", ValueType.DURATION, Scope.DUTY);

  /** Where an operand may appear. */
  enum Scope {
    RULE,
    DUTY,
    BOTH
  }

  private final String term;
  private final ValueType valueType;
  private final Scope scope;

  OperandKind(String term, ValueType valueType, Scope scope) {
    this.term = term;
    this.valueType = valueType;
    this.scope = scope;
  }

  /** The compact term ({@code sluice:participant.} is followed by the claim name). */
  public String term() {
    return term;
  }

  public ValueType valueType() {
    return valueType;
  }

  boolean allowedInRule() {
    return scope != Scope.DUTY;
  }

  boolean allowedInDuty() {
    return scope != Scope.RULE;
  }

  /** True when the request may lack a value for this operand (then a test on it is unknown). */
  boolean mayBeAbsent() {
    return this != PARTICIPANT_CLAIM && this != DATE_TIME && this != COUNT;
  }
}
