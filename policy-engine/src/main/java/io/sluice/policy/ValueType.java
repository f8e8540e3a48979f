package io.sluice.policy;

/** The type of value a left operand takes, which decides the operators it accepts. */
public enum ValueType {
  /** A whole number (counts, rows, group sizes); compared exactly as a {@code long}. */
  INTEGER,
  /** A real number (the privacy budget epsilon); compared as an IEEE 754 double. */
  DECIMAL,
  /** An instant with a time zone ({@code xsd:dateTime}) or a whole day ({@code xsd:date}). */
  DATE_TIME,
  /** An ISO 8601 duration such as {@code P30D} or {@code PT12H}. */
  DURATION,
  /** One string per request (purpose, region, computation kind). */
  STRING,
  /** The caller's values of one certificate claim: a set, possibly empty (roles are many). */
  CLAIM_SET,
  /** A set of strings that the request declares, possibly empty (output columns). */
  STRING_SET,
  /**
   * A join key ({@link KeyColumns}): one per request, compared by its canonical text. Keys have no
   * hierarchy and no order between them, so only eq, neq, isAnyOf and isNoneOf apply.
   */
  KEY;

  boolean ordered() {
    return this == INTEGER || this == DECIMAL || this == DATE_TIME || this == DURATION;
  }
}
