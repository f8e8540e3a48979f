package io.sluice.policy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.StringJoiner;

/**
 * A join key, the value of {@code sluice:keyColumns}: the provider's columns a private set
 * intersection joins on, in order, each with the case normalization the join applies. Written
 * {@code column[:rule],column[:rule],...}, e.g. {@code national_id:upper,visit_date}; the rule is
 * {@code preserve} (the default), {@code lower} or {@code upper}, in any case.
 *
 * <p>Only the identical key (same columns, same order, same rules) is the same key: fewer columns
 * match more rows, and more columns let a caller enumerate a column's values, so neither a subset
 * nor a superset is narrower. {@link #canonical()} is the one spelling of a key that policies,
 * their canonical form and the evaluator compare.
 *
 * @param columns the key's columns in join order
 */
public record KeyColumns(List<Column> columns) {
  /** The most columns a key may have. */
  public static final int MAX_COLUMNS = 16;

  /** The longest column name, in characters (code points). */
  public static final int MAX_NAME_LENGTH = 128;

  private static final String OPERAND = "sluice:keyColumns";

  /** How the join normalizes a column's case. */
  public enum CaseRule {
    PRESERVE,
    LOWER,
    UPPER;

    /** The written rule: {@code preserve}, {@code lower} or {@code upper}. */
    public String term() {
      return name().toLowerCase(Locale.ROOT);
    }

    static CaseRule parse(String written) {
      for (CaseRule rule : values()) {
        if (rule.term().equals(written.toLowerCase(Locale.ROOT))) {
          return rule;
        }
      }
      throw new IllegalArgumentException(
          "unknown case rule '" + written + "' in " + OPERAND + "; use preserve, lower or upper");
    }
  }

  /**
   * One key column.
   *
   * @param name the column name: not empty, no leading or trailing white space, no {@code ,} or
   *     {@code :}, no control characters, at most {@link #MAX_NAME_LENGTH} characters
   * @param caseRule the case normalization the join applies to it
   */
  public record Column(String name, CaseRule caseRule) {
    public Column {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(caseRule, "caseRule");
      checkName(name);
    }

    /** {@code name} or {@code name:rule}; {@code :preserve} is left out. */
    public String canonical() {
      return caseRule == CaseRule.PRESERVE ? name : name + ":" + caseRule.term();
    }
  }

  public KeyColumns {
    columns = List.copyOf(columns);
    if (columns.isEmpty()) {
      throw new IllegalArgumentException(OPERAND + " names no column");
    }
    if (columns.size() > MAX_COLUMNS) {
      throw new IllegalArgumentException(
          OPERAND + " has " + columns.size() + " columns; a key has at most " + MAX_COLUMNS);
    }
    Set<String> seen = new HashSet<>();
    for (Column c : columns) {
      if (!seen.add(c.name())) {
        throw new IllegalArgumentException("column '" + c.name() + "' appears twice in " + OPERAND);
      }
    }
  }

  /**
   * Reads a written key. White space around the separators is ignored ({@code national_id:UPPER,
   * visit_date:preserve} is {@code national_id:upper,visit_date}).
   *
   * @throws IllegalArgumentException saying what is wrong, in plain words
   */
  public static KeyColumns parse(String text) {
    Objects.requireNonNull(text, "text");
    if (strip(text).isEmpty()) {
      throw new IllegalArgumentException(OPERAND + " names no column");
    }
    String[] parts = text.split(",", -1);
    if (parts.length > MAX_COLUMNS) {
      throw new IllegalArgumentException(
          OPERAND + " has " + parts.length + " columns; a key has at most " + MAX_COLUMNS);
    }
    List<Column> columns = new ArrayList<>();
    for (int i = 0; i < parts.length; i++) {
      columns.add(column(parts[i], i + 1));
    }
    return new KeyColumns(columns);
  }

  /** The canonical spelling of a written key: {@code parse(text).canonical()}. */
  public static String canonical(String text) {
    return parse(text).canonical();
  }

  private static Column column(String part, int position) {
    int colon = part.indexOf(':');
    String name = strip(colon < 0 ? part : part.substring(0, colon));
    if (name.isEmpty()) {
      throw new IllegalArgumentException(
          "column " + position + " of " + OPERAND + " has no name; write name or name:rule");
    }
    if (colon < 0) {
      return new Column(name, CaseRule.PRESERVE);
    }
    String rule = strip(part.substring(colon + 1));
    if (rule.indexOf(':') >= 0) {
      throw new IllegalArgumentException(
          "column '" + strip(part) + "' in " + OPERAND + " has more than one ':'; write name:rule");
    }
    return new Column(name, CaseRule.parse(rule));
  }

  /** The key's canonical text: rules in lower case, {@code :preserve} left out, no spaces. */
  public String canonical() {
    StringJoiner j = new StringJoiner(",");
    for (Column c : columns) {
      j.add(c.canonical());
    }
    return j.toString();
  }

  /** The column names in join order. */
  public List<String> names() {
    return columns.stream().map(Column::name).toList();
  }

  @Override
  public String toString() {
    return canonical();
  }

  private static void checkName(String name) {
    if (name.isEmpty()) {
      throw new IllegalArgumentException("empty column name in " + OPERAND);
    }
    if (!strip(name).equals(name)) {
      throw new IllegalArgumentException(
          "column name '" + name + "' in " + OPERAND + " has leading or trailing white space");
    }
    if (name.codePointCount(0, name.length()) > MAX_NAME_LENGTH) {
      throw new IllegalArgumentException(
          "a column name in " + OPERAND + " has at most " + MAX_NAME_LENGTH + " characters");
    }
    name.codePoints()
        .forEach(
            cp -> {
              if (cp == ',' || cp == ':') {
                throw new IllegalArgumentException(
                    "column name '" + name + "' in " + OPERAND + " contains '" + (char) cp + "'");
              }
              if (Character.isISOControl(cp)) {
                throw new IllegalArgumentException(
                    "a column name in " + OPERAND + " contains a control character");
              }
            });
  }

  /** Without leading and trailing white space, no-break spaces included. */
  private static String strip(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && blank(s.codePointAt(start))) {
      start += Character.charCount(s.codePointAt(start));
    }
    while (end > start && blank(s.codePointBefore(end))) {
      end -= Character.charCount(s.codePointBefore(end));
    }
    return s.substring(start, end);
  }

  private static boolean blank(int cp) {
    return Character.isWhitespace(cp) || Character.isSpaceChar(cp);
  }
}
