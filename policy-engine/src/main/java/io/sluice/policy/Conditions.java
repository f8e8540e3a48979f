package io.sluice.policy;

import io.sluice.policy.Condition.Relation;
import io.sluice.policy.RightOperand.Form;
import io.sluice.policy.RightOperand.ListOperand;
import io.sluice.policy.RightOperand.Literal;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Interprets atomic constraints into {@link Condition}s, collecting every problem. */
final class Conditions {
  static final long NANOS_PER_SECOND = 1_000_000_000L;
  static final long NANOS_PER_DAY = 86_400L * NANOS_PER_SECOND;
  private static final double DECIMAL_LIMIT = 1e15;

  private static final Pattern DURATION =
      Pattern.compile(
          "P(?:(\\d{1,9})Y)?(?:(\\d{1,9})M)?(?:(\\d{1,9})W)?(?:(\\d{1,9})D)?"
              + "(?:T(?:(\\d{1,12})H)?(?:(\\d{1,12})M)?(?:(\\d{1,15})(?:\\.(\\d{1,9}))?S)?)?");
  private static final Pattern DATE =
      Pattern.compile("(\\d{4}-\\d{2}-\\d{2})(Z|[+-]\\d{2}:\\d{2})?");

  private static final Set<String> INTEGER_TYPES =
      Set.of(
          "integer",
          "int",
          "long",
          "short",
          "nonNegativeInteger",
          "positiveInteger",
          "unsignedInt",
          "unsignedLong");
  private static final Set<String> DECIMAL_TYPES =
      union(INTEGER_TYPES, "decimal", "double", "float");
  private static final Set<String> DATE_TIME_TYPES = Set.of("dateTime", "date", "dateTimeStamp");
  private static final Set<String> DURATION_TYPES =
      Set.of("duration", "dayTimeDuration", "yearMonthDuration");
  private static final Set<String> STRING_TYPES =
      Set.of("string", "anyURI", "token", "normalizedString");

  private Conditions() {}

  private static Set<String> union(Set<String> base, String... more) {
    Set<String> all = new HashSet<>(base);
    all.addAll(List.of(more));
    return Set.copyOf(all);
  }

  /** The typed meaning of {@code c}, or null after adding its problems to {@code problems}. */
  static Condition interpret(AtomicConstraint c, String pointer, List<PolicyProblem> problems) {
    int before = problems.size();
    LeftOperand left = LeftOperand.resolve(c.leftOperand()).orElse(null);
    if (left == null) {
      problems.add(
          new PolicyProblem(
              pointer + "/leftOperand",
              "unknown left operand '"
                  + c.leftOperand()
                  + "'; Sluice evaluates "
                  + knownOperands()
                  + " and sluice:participant.<claim>"));
    }
    Operator operator = Operator.resolve(c.operator()).orElse(null);
    if (operator == null) {
      problems.add(
          new PolicyProblem(pointer + "/operator", "unknown operator '" + c.operator() + "'"));
    }
    if (c.unit() != null) {
      problems.add(
          new PolicyProblem(
              pointer + "/unit",
              "unit is not supported: Sluice's operands carry their own type (write durations as"
                  + " xsd:duration, counts as plain numbers)"));
    }
    if (left == null || operator == null) {
      return null;
    }
    ValueType type = left.valueType();
    if (!Operator.validFor(type).contains(operator)) {
      problems.add(
          new PolicyProblem(
              pointer + "/operator",
              "operator "
                  + operator.term()
                  + " is not valid for "
                  + left.term()
                  + " ("
                  + describe(type)
                  + "); use one of "
                  + terms(Operator.validFor(type))
                  + (type == ValueType.KEY ? " (keys have no hierarchy)" : "")));
      if (type.ordered() && c.rightOperand() instanceof ListOperand) {
        return null;
      }
      // Go on with a stand-in so that problems with the value are reported too.
      operator =
          c.rightOperand() instanceof ListOperand && !type.ordered()
              ? Operator.IS_ANY_OF
              : Operator.EQ;
    }
    if (c.dataType() != null) {
      checkXsdType(c.dataType(), type, pointer + "/dataType", problems);
    }
    String rightPointer = pointer + "/rightOperand";
    Condition condition;
    boolean setOfRegions =
        operator == Operator.IS_PART_OF && c.rightOperand() instanceof ListOperand;
    if (operator.takesSet(type) || setOfRegions) {
      Set<String> values = strings(c.rightOperand(), rightPointer, type, left, problems);
      condition =
          values == null ? null : setCondition(left, operator, values, rightPointer, problems);
    } else if (c.rightOperand() instanceof ListOperand list) {
      problems.add(new PolicyProblem(rightPointer, notAList(left, operator, list)));
      condition = null;
    } else {
      Literal literal = (Literal) c.rightOperand();
      condition = single(left, operator, literal, rightPointer, problems);
    }
    return problems.size() == before ? condition : null;
  }

  private static String notAList(LeftOperand left, Operator operator, ListOperand list) {
    String message = operator.term() + " on " + left.term() + " takes a single value, not a list";
    if (left.valueType() != ValueType.KEY) {
      return message;
    }
    StringJoiner key = new StringJoiner(",", "\"", "\"");
    list.values().forEach(l -> key.add(l.lexical()));
    return message
        + ": write the key as one string, e.g. "
        + key
        + "; isAnyOf lists alternative keys";
  }

  private static String knownOperands() {
    StringJoiner j = new StringJoiner(", ");
    for (OperandKind kind : OperandKind.values()) {
      if (kind != OperandKind.PARTICIPANT_CLAIM) {
        j.add(kind.term());
      }
    }
    return j.toString();
  }

  private static String terms(Set<Operator> operators) {
    StringJoiner j = new StringJoiner(", ");
    for (Operator o : operators) {
      j.add(o.term());
    }
    return j.toString();
  }

  static String describe(ValueType type) {
    return switch (type) {
      case INTEGER -> "an integer";
      case DECIMAL -> "a number";
      case DATE_TIME -> "a date-time";
      case DURATION -> "a duration";
      case STRING -> "a string";
      case CLAIM_SET -> "a set of claim values";
      case STRING_SET -> "a set of strings";
      case KEY -> "a join key";
    };
  }

  private static void checkXsdType(
      String written, ValueType type, String pointer, List<PolicyProblem> problems) {
    String local = Terms.xsdLocalName(written);
    Set<String> allowed =
        switch (type) {
          case INTEGER -> INTEGER_TYPES;
          case DECIMAL -> DECIMAL_TYPES;
          case DATE_TIME -> DATE_TIME_TYPES;
          case DURATION -> DURATION_TYPES;
          case STRING, CLAIM_SET, STRING_SET, KEY -> STRING_TYPES;
        };
    if (local == null || !allowed.contains(local)) {
      problems.add(
          new PolicyProblem(
              pointer,
              "type '"
                  + written
                  + "' does not fit "
                  + describe(type)
                  + "; use xsd:"
                  + new TreeSet<>(allowed).first()
                  + " or another of "
                  + new TreeSet<>(allowed)));
    }
  }

  // ---- sets of strings ----

  private static Set<String> strings(
      RightOperand right,
      String pointer,
      ValueType type,
      LeftOperand left,
      List<PolicyProblem> problems) {
    List<Literal> literals;
    boolean list = right instanceof ListOperand;
    if (right instanceof ListOperand l) {
      literals = l.values();
    } else {
      literals = List.of((Literal) right);
    }
    if (literals.isEmpty()) {
      problems.add(
          new PolicyProblem(
              pointer,
              "empty set: a constraint on an empty set is always true or always false; state the"
                  + " values"));
      return null;
    }
    Set<String> values = new LinkedHashSet<>();
    for (int i = 0; i < literals.size(); i++) {
      String p = list ? pointer + "/" + i : pointer;
      String s = string(literals.get(i), p, left, problems);
      if (s != null) {
        values.add(s);
      }
    }
    return values.size() == literals.size() || values.size() > 0 ? values : null;
  }

  private static String string(
      Literal literal, String pointer, LeftOperand left, List<PolicyProblem> problems) {
    if (literal.numeric()) {
      problems.add(
          new PolicyProblem(
              pointer, left.term() + " takes strings, not the number " + literal.lexical()));
      return null;
    }
    if (literal.type() != null) {
      checkXsdType(literal.type(), ValueType.STRING, pointer, problems);
    }
    String value = literal.lexical();
    if (value.isEmpty()) {
      problems.add(new PolicyProblem(pointer, "empty string"));
      return null;
    }
    if (left.kind() == OperandKind.COMPUTATION && !Vocabulary.COMPUTATION_KINDS.contains(value)) {
      problems.add(
          new PolicyProblem(
              pointer,
              "unknown computation '"
                  + value
                  + "'; Sluice runs "
                  + String.join(", ", Vocabulary.COMPUTATION_KINDS)));
      return null;
    }
    if (left.kind() == OperandKind.KEY_COLUMNS) {
      return key(value, pointer, problems);
    }
    return value;
  }

  /** The canonical text of a written key, or null after reporting what is wrong with it. */
  private static String key(String written, String pointer, List<PolicyProblem> problems) {
    try {
      return KeyColumns.canonical(written);
    } catch (IllegalArgumentException e) {
      problems.add(new PolicyProblem(pointer, e.getMessage()));
      return null;
    }
  }

  private static Condition setCondition(
      LeftOperand left,
      Operator operator,
      Set<String> values,
      String pointer,
      List<PolicyProblem> problems) {
    RightOperand right = RightOperand.strings(new TreeSet<>(values));
    ValueType type = left.valueType();
    if (type == ValueType.STRING || type == ValueType.KEY) {
      boolean negated = operator == Operator.IS_NONE_OF;
      Set<String> accepted = new HashSet<>();
      for (String v : values) {
        if (operator == Operator.IS_PART_OF) {
          accepted.addAll(within(left, v));
        } else {
          accepted.add(v);
        }
      }
      return new Condition.Choice(left, operator, right, accepted, negated);
    }
    Relation relation =
        switch (operator) {
          case IS_ALL_OF -> Relation.HAS_ALL;
          case IS_ANY_OF -> Relation.HAS_ANY;
          case IS_NONE_OF -> Relation.HAS_NONE;
          case IS_PART_OF ->
              type == ValueType.CLAIM_SET ? Relation.WITHIN_NONEMPTY : Relation.WITHIN;
          case EQ -> Relation.EQUALS;
          case NEQ -> Relation.NOT_EQUALS;
          default -> throw new IllegalStateException("not a set operator: " + operator);
        };
    return new Condition.SetTest(left, operator, right, relation, values);
  }

  /** The values a single string stands for under isA / isPartOf (itself and its members). */
  private static Set<String> within(LeftOperand left, String value) {
    return switch (left.kind()) {
      case COMPUTATION -> Vocabulary.computationKindsUnder(value);
      case SPATIAL -> Vocabulary.regionsWithin(value);
      default -> Set.of(value);
    };
  }

  // ---- single values ----

  private static Condition single(
      LeftOperand left,
      Operator operator,
      Literal literal,
      String pointer,
      List<PolicyProblem> problems) {
    ValueType type = left.valueType();
    switch (type) {
      case STRING, CLAIM_SET, KEY -> {
        String value = string(literal, pointer, left, problems);
        if (value == null) {
          return null;
        }
        RightOperand right = RightOperand.string(value);
        if (type == ValueType.CLAIM_SET) {
          Relation relation = operator == Operator.NEQ ? Relation.HAS_NONE : Relation.HAS_ALL;
          return new Condition.SetTest(left, operator, right, relation, Set.of(value));
        }
        Set<String> accepted =
            operator == Operator.IS_A || operator == Operator.IS_PART_OF
                ? within(left, value)
                : Set.of(value);
        return new Condition.Choice(left, operator, right, accepted, operator == Operator.NEQ);
      }
      case INTEGER -> {
        Long value = integer(literal, pointer, problems);
        if (value == null) {
          return null;
        }
        long v = value;
        return switch (operator) {
          case LT -> range(left, Operator.LTEQ, RightOperand.number(v - 1), Long.MIN_VALUE, v - 1);
          case GT -> range(left, Operator.GTEQ, RightOperand.number(v + 1), v + 1, Long.MAX_VALUE);
          default -> ordered(left, operator, RightOperand.number(v), v, v);
        };
      }
      case DECIMAL -> {
        Double value = decimal(literal, pointer, problems);
        if (value == null) {
          return null;
        }
        long key = sortable(value);
        RightOperand right =
            RightOperand.number(BigDecimal.valueOf(value).stripTrailingZeros().toPlainString());
        return ordered(left, operator, right, key, key);
      }
      case DATE_TIME -> {
        Span span = dateTime(literal, pointer, problems);
        return span == null ? null : ordered(left, operator, span.right, span.lo, span.hi);
      }
      case DURATION -> {
        long[] d = duration(literal, pointer, problems);
        if (d == null) {
          return null;
        }
        RightOperand right = RightOperand.typed(formatDuration(d[0], d[1]), "xsd:duration");
        if (d[0] != 0) {
          return new Condition.CalendarRange(left, operator, right, d[0], d[1]);
        }
        return ordered(left, operator, right, d[1], d[1]);
      }
      case STRING_SET -> throw new IllegalStateException("sets are read by strings()");
    }
    throw new IllegalStateException("unreachable");
  }

  private static Condition.Range range(
      LeftOperand left, Operator operator, RightOperand right, long lo, long hi) {
    return new Condition.Range(left, operator, right, lo, hi, false);
  }

  /** The interval for {@code operator} against the span {@code [a, b]} (a point when a == b). */
  private static Condition.Range ordered(
      LeftOperand left, Operator operator, RightOperand right, long a, long b) {
    return switch (operator) {
      case EQ -> new Condition.Range(left, operator, right, a, b, false);
      case NEQ -> new Condition.Range(left, operator, right, a, b, true);
      case LT -> new Condition.Range(left, operator, right, Long.MIN_VALUE, a - 1, false);
      case LTEQ -> new Condition.Range(left, operator, right, Long.MIN_VALUE, b, false);
      case GT -> new Condition.Range(left, operator, right, b + 1, Long.MAX_VALUE, false);
      case GTEQ -> new Condition.Range(left, operator, right, a, Long.MAX_VALUE, false);
      default -> throw new IllegalStateException("not an ordering operator: " + operator);
    };
  }

  private static Long integer(Literal literal, String pointer, List<PolicyProblem> problems) {
    if (literal.type() != null) {
      checkXsdType(literal.type(), ValueType.INTEGER, pointer, problems);
    }
    if (literal.form() == Form.IRI) {
      problems.add(new PolicyProblem(pointer, "expected an integer, found an IRI"));
      return null;
    }
    try {
      BigInteger value = new BigDecimal(literal.lexical().trim()).toBigIntegerExact();
      if (value.bitLength() >= 63) {
        problems.add(new PolicyProblem(pointer, "integer out of range: " + literal.lexical()));
        return null;
      }
      return value.longValueExact();
    } catch (NumberFormatException | ArithmeticException e) {
      problems.add(
          new PolicyProblem(pointer, "expected an integer, found '" + literal.lexical() + "'"));
      return null;
    }
  }

  private static Double decimal(Literal literal, String pointer, List<PolicyProblem> problems) {
    if (literal.type() != null) {
      checkXsdType(literal.type(), ValueType.DECIMAL, pointer, problems);
    }
    if (literal.form() == Form.IRI) {
      problems.add(new PolicyProblem(pointer, "expected a number, found an IRI"));
      return null;
    }
    try {
      double value = new BigDecimal(literal.lexical().trim()).doubleValue();
      if (!(Math.abs(value) <= DECIMAL_LIMIT)) {
        problems.add(new PolicyProblem(pointer, "number out of range: " + literal.lexical()));
        return null;
      }
      return value == 0.0 ? 0.0 : value;
    } catch (NumberFormatException e) {
      problems.add(
          new PolicyProblem(pointer, "expected a number, found '" + literal.lexical() + "'"));
      return null;
    }
  }

  /** Maps a double to a long with the same order (-0.0 is read as 0.0). */
  static long sortable(double value) {
    long bits = Double.doubleToLongBits(value == 0.0 ? 0.0 : value);
    return bits < 0 ? bits ^ Long.MAX_VALUE : bits;
  }

  static double unsortable(long key) {
    return Double.longBitsToDouble(key < 0 ? key ^ Long.MAX_VALUE : key);
  }

  /** A point in time or a whole day, as nanoseconds since the epoch, with its canonical form. */
  private record Span(long lo, long hi, RightOperand right) {}

  private static Span dateTime(Literal literal, String pointer, List<PolicyProblem> problems) {
    String type = literal.type() == null ? null : Terms.xsdLocalName(literal.type());
    if (literal.type() != null) {
      checkXsdType(literal.type(), ValueType.DATE_TIME, pointer, problems);
    }
    if (literal.numeric() || literal.form() == Form.IRI) {
      problems.add(new PolicyProblem(pointer, "expected a date-time such as 2027-12-31T23:59:59Z"));
      return null;
    }
    String text = literal.lexical().trim();
    Matcher day = DATE.matcher(text);
    try {
      if (day.matches()) {
        ZoneOffset offset = day.group(2) == null ? ZoneOffset.UTC : ZoneOffset.of(day.group(2));
        LocalDate date = LocalDate.parse(day.group(1));
        long start = nanos(date.atStartOfDay().toInstant(offset));
        long end = nanos(date.plusDays(1).atStartOfDay().toInstant(offset));
        String zone = offset.equals(ZoneOffset.UTC) ? "Z" : offset.getId();
        return new Span(start, end - 1, RightOperand.typed(date + zone, "xsd:date"));
      }
      if ("date".equals(type)) {
        problems.add(new PolicyProblem(pointer, "xsd:date value '" + text + "' is not a date"));
        return null;
      }
      OffsetDateTime time = OffsetDateTime.parse(text);
      long at = nanos(time.toInstant());
      return new Span(at, at, RightOperand.typed(time.toInstant().toString(), "xsd:dateTime"));
    } catch (DateTimeParseException e) {
      String hint =
          text.matches("\\d{4}-\\d{2}-\\d{2}T[0-9:.]+")
              ? "it has no time zone; add Z or an offset such as +01:00"
              : "write it as 2027-12-31T23:59:59Z or 2027-12-31";
      problems.add(new PolicyProblem(pointer, "malformed date-time '" + text + "': " + hint));
      return null;
    } catch (ArithmeticException e) {
      problems.add(new PolicyProblem(pointer, "date-time out of range (1678..2261): " + text));
      return null;
    }
  }

  static long nanos(Instant instant) {
    return Math.addExact(
        Math.multiplyExact(instant.getEpochSecond(), NANOS_PER_SECOND), instant.getNano());
  }

  /** {months, nanos} of an ISO 8601 duration, or null. */
  private static long[] duration(Literal literal, String pointer, List<PolicyProblem> problems) {
    if (literal.type() != null) {
      checkXsdType(literal.type(), ValueType.DURATION, pointer, problems);
    }
    if (literal.numeric() || literal.form() == Form.IRI) {
      problems.add(new PolicyProblem(pointer, "expected an ISO 8601 duration such as P30D"));
      return null;
    }
    long[] d = parseDuration(literal.lexical().trim());
    if (d == null) {
      problems.add(
          new PolicyProblem(
              pointer,
              "malformed duration '"
                  + literal.lexical()
                  + "': write an ISO 8601 duration such as P30D, PT12H or P1Y2M"));
    }
    return d;
  }

  /** {months, nanos} of an ISO 8601 duration, or null when malformed or out of range. */
  static long[] parseDuration(String text) {
    Matcher m = DURATION.matcher(text);
    if (!m.matches() || text.equals("P") || text.endsWith("T")) {
      return null;
    }
    try {
      long months = Math.addExact(Math.multiplyExact(group(m, 1), 12), group(m, 2));
      long days = Math.addExact(Math.multiplyExact(group(m, 3), 7), group(m, 4));
      long seconds =
          Math.addExact(
              Math.addExact(
                  Math.multiplyExact(group(m, 5), 3600), Math.multiplyExact(group(m, 6), 60)),
              group(m, 7));
      long fraction = 0;
      if (m.group(8) != null) {
        String digits = (m.group(8) + "000000000").substring(0, 9);
        fraction = Long.parseLong(digits);
      }
      long nanos =
          Math.addExact(
              Math.addExact(
                  Math.multiplyExact(days, NANOS_PER_DAY),
                  Math.multiplyExact(seconds, NANOS_PER_SECOND)),
              fraction);
      return new long[] {months, nanos};
    } catch (ArithmeticException e) {
      return null;
    }
  }

  private static long group(Matcher m, int i) {
    return m.group(i) == null ? 0 : Long.parseLong(m.group(i));
  }

  /** The canonical ISO 8601 text: years and months, then days, hours, minutes, seconds. */
  static String formatDuration(long months, long nanos) {
    StringBuilder s = new StringBuilder("P");
    if (months / 12 != 0) {
      s.append(months / 12).append('Y');
    }
    if (months % 12 != 0) {
      s.append(months % 12).append('M');
    }
    long days = nanos / NANOS_PER_DAY;
    long rest = nanos % NANOS_PER_DAY;
    if (days != 0) {
      s.append(days).append('D');
    }
    if (rest != 0) {
      s.append('T');
      long hours = rest / (3600 * NANOS_PER_SECOND);
      rest %= 3600 * NANOS_PER_SECOND;
      long minutes = rest / (60 * NANOS_PER_SECOND);
      rest %= 60 * NANOS_PER_SECOND;
      if (hours != 0) {
        s.append(hours).append('H');
      }
      if (minutes != 0) {
        s.append(minutes).append('M');
      }
      if (rest != 0) {
        long secs = rest / NANOS_PER_SECOND;
        long frac = rest % NANOS_PER_SECOND;
        s.append(secs);
        if (frac != 0) {
          String f = String.format("%09d", frac);
          s.append('.').append(f.replaceAll("0+$", ""));
        }
        s.append('S');
      }
    }
    return s.length() == 1 ? "P0D" : s.toString();
  }

  /** A right operand for messages: the value, or {@code [a, b]} for a list. */
  static String show(RightOperand right) {
    if (right instanceof Literal l) {
      return l.lexical();
    }
    List<String> values = new ArrayList<>();
    for (Literal l : ((ListOperand) right).values()) {
      values.add(l.lexical());
    }
    return values.toString();
  }
}
