package io.sluice.policy.eval;

import io.sluice.policy.Condition;
import io.sluice.policy.LeftOperand;
import io.sluice.policy.OperandKind;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;

/**
 * A compiled constraint. {@link #test} is the hot path: it reads the request's fields and compares
 * primitives and interned sets, and does not allocate (except calendar durations, which need date
 * arithmetic). {@link #explain} runs only for a deny and builds the reasons.
 */
abstract class Node {
  static final int FALSE = 0;
  static final int TRUE = 1;
  static final int UNKNOWN = 2;

  /** The elapsed time when the request gives none. */
  static final long ABSENT = Long.MIN_VALUE;

  final String pointer;

  Node(String pointer) {
    this.pointer = pointer;
  }

  /**
   * Whether a permission's constraint with truth value {@code t} grants: only TRUE, unless the
   * request says that facts it lacks may still turn out to hold ({@link
   * Request.Builder#unknownFactsMayHold}), when UNKNOWN grants too.
   */
  static boolean permits(int t, Request r) {
    return t == TRUE || (t == UNKNOWN && r.unknownFactsMayHold);
  }

  /**
   * Whether a prohibition's constraint with truth value {@code t} applies: TRUE, and UNKNOWN too
   * unless the request says that facts it lacks are still undecided.
   */
  static boolean prohibits(int t, Request r) {
    return t == TRUE || (t == UNKNOWN && !r.unknownFactsMayHold);
  }

  /** TRUE, FALSE or UNKNOWN (the request lacks the value the constraint is about). */
  abstract int test(Request r, long now, long elapsed);

  /** Adds a failure for every part of this constraint that does not hold. */
  abstract void explain(Request r, long now, long elapsed, String rule, List<Failure> out);

  /** Describes the parts that hold or may hold (for a prohibition that applies). */
  abstract void holding(Request r, long now, long elapsed, List<String> out);

  // ---- leaves ----

  abstract static class Leaf extends Node {
    final Condition condition;
    final OperandKind kind;

    Leaf(Condition condition, String pointer) {
      super(pointer);
      this.condition = condition;
      this.kind = condition.operand().kind();
    }

    @Override
    void explain(Request r, long now, long elapsed, String rule, List<Failure> out) {
      int t = test(r, now, elapsed);
      if (permits(t, r)) {
        return;
      }
      String actual = actual(condition.operand(), r, now, elapsed);
      String expected = condition.expected();
      String message =
          t == UNKNOWN
              ? "the request does not give "
                  + condition.operand().term()
                  + "; required: "
                  + expected
              : condition.operand().term() + " is " + actual + "; required: " + expected;
      out.add(new Failure(rule, pointer, expected, actual, message));
    }

    @Override
    void holding(Request r, long now, long elapsed, List<String> out) {
      int t = test(r, now, elapsed);
      if (t != FALSE) {
        String actual = actual(condition.operand(), r, now, elapsed);
        out.add(
            condition.expected() + (t == UNKNOWN ? " (not given)" : " (request: " + actual + ")"));
      }
    }
  }

  /** Integer, decimal, date-time and day-time duration operands. */
  static final class RangeLeaf extends Leaf {
    private final long lo;
    private final long hi;
    private final boolean negated;

    RangeLeaf(Condition.Range range, String pointer) {
      super(range, pointer);
      this.lo = range.lo();
      this.hi = range.hi();
      this.negated = range.negated();
    }

    @Override
    int test(Request r, long now, long elapsed) {
      long v;
      switch (kind) {
        case COUNT -> v = r.useCount == Long.MAX_VALUE ? Long.MAX_VALUE : r.useCount + 1;
        case DATE_TIME -> v = now;
        case ELAPSED_TIME -> {
          if (elapsed == ABSENT) {
            return UNKNOWN;
          }
          v = elapsed;
        }
        case INPUT_ROWS -> {
          if (r.computation == null || r.computation.inputRows().isEmpty()) {
            return UNKNOWN;
          }
          v = r.computation.inputRows().getAsLong();
        }
        case MIN_RESULT_GROUP_SIZE -> {
          if (r.computation == null || r.computation.minGroupSize().isEmpty()) {
            return UNKNOWN;
          }
          v = r.computation.minGroupSize().getAsLong();
        }
        case MIN_PARTIES -> {
          if (r.computation == null || r.computation.parties().isEmpty()) {
            return UNKNOWN;
          }
          v = r.computation.parties().getAsLong();
        }
        case EPSILON -> {
          if (r.computation == null || r.computation.epsilon().isEmpty()) {
            return UNKNOWN;
          }
          v = Condition.orderKey(r.computation.epsilon().getAsDouble());
        }
        default -> throw new IllegalStateException("not an ordered operand: " + kind);
      }
      return (v >= lo && v <= hi) != negated ? TRUE : FALSE;
    }
  }

  /** A duration with years or months: compared by calendar arithmetic from the start. */
  static final class CalendarLeaf extends Leaf {
    private final long months;
    private final long nanos;

    CalendarLeaf(Condition.CalendarRange range, String pointer) {
      super(range, pointer);
      this.months = range.months();
      this.nanos = range.nanos();
    }

    @Override
    int test(Request r, long now, long elapsed) {
      if (elapsed == ABSENT) {
        return UNKNOWN;
      }
      Instant start = instant(now - elapsed);
      long boundary =
          Condition.epochNanos(
              start.atOffset(ZoneOffset.UTC).plusMonths(months).plusNanos(nanos).toInstant());
      int cmp = Long.compare(now, boundary);
      boolean holds =
          switch (condition.operator()) {
            case EQ -> cmp == 0;
            case NEQ -> cmp != 0;
            case LT -> cmp < 0;
            case LTEQ -> cmp <= 0;
            case GT -> cmp > 0;
            case GTEQ -> cmp >= 0;
            default -> throw new IllegalStateException("not an ordering operator");
          };
      return holds ? TRUE : FALSE;
    }
  }

  /** Purpose, region, computation kind, key columns: one string per request. */
  static final class ChoiceLeaf extends Leaf {
    private final Set<String> accepted;
    private final boolean negated;

    ChoiceLeaf(Condition.Choice choice, String pointer) {
      super(choice, pointer);
      this.accepted = choice.accepted();
      this.negated = choice.negated();
    }

    @Override
    int test(Request r, long now, long elapsed) {
      String v =
          switch (kind) {
            case PURPOSE -> r.purpose;
            case SPATIAL -> r.region;
            case COMPUTATION -> r.computation == null ? null : r.computation.kind();
            case KEY_COLUMNS ->
                r.computation == null ? null : r.computation.keyColumns().orElse(null);
            default -> throw new IllegalStateException("not a string operand: " + kind);
          };
      if (v == null) {
        return UNKNOWN;
      }
      return accepted.contains(v) != negated ? TRUE : FALSE;
    }
  }

  /** Participant claims and output columns: a set per request. */
  static final class SetLeaf extends Leaf {
    private final Condition.Relation relation;
    private final String[] values;
    private final Set<String> valueSet;
    private final String claim;

    SetLeaf(Condition.SetTest test, String pointer) {
      super(test, pointer);
      this.relation = test.relation();
      this.values = test.values().toArray(new String[0]);
      this.valueSet = test.values();
      this.claim = test.operand().claim();
    }

    @Override
    int test(Request r, long now, long elapsed) {
      String[] actual;
      Set<String> actualSet;
      if (kind == OperandKind.PARTICIPANT_CLAIM) {
        actual = r.claimArray(claim);
        actualSet = r.claimSet(claim);
      } else {
        if (r.computation == null) {
          return UNKNOWN;
        }
        actual = r.outputColumns;
        actualSet = r.computation.outputColumns();
      }
      boolean holds =
          switch (relation) {
            case HAS_ALL -> containsAll(actualSet, values);
            case HAS_NONE -> !containsAny(actualSet, values);
            case HAS_ANY -> containsAny(actualSet, values);
            case WITHIN -> containsAll(valueSet, actual);
            case WITHIN_NONEMPTY -> actual.length > 0 && containsAll(valueSet, actual);
            case EQUALS -> actual.length == values.length && containsAll(valueSet, actual);
            case NOT_EQUALS -> !(actual.length == values.length && containsAll(valueSet, actual));
          };
      return holds ? TRUE : FALSE;
    }

    private static boolean containsAll(Set<String> set, String[] values) {
      for (String v : values) {
        if (!set.contains(v)) {
          return false;
        }
      }
      return true;
    }

    private static boolean containsAny(Set<String> set, String[] values) {
      for (String v : values) {
        if (set.contains(v)) {
          return true;
        }
      }
      return false;
    }
  }

  // ---- logical nodes ----

  /** and, andSequence: Kleene conjunction. */
  static final class All extends Node {
    private final Node[] operands;

    All(Node[] operands, String pointer) {
      super(pointer);
      this.operands = operands;
    }

    @Override
    void holding(Request r, long now, long elapsed, List<String> out) {
      for (Node n : operands) {
        n.holding(r, now, elapsed, out);
      }
    }

    @Override
    int test(Request r, long now, long elapsed) {
      int result = TRUE;
      for (Node n : operands) {
        int t = n.test(r, now, elapsed);
        if (t == FALSE) {
          return FALSE;
        }
        if (t == UNKNOWN) {
          result = UNKNOWN;
        }
      }
      return result;
    }

    @Override
    void explain(Request r, long now, long elapsed, String rule, List<Failure> out) {
      for (Node n : operands) {
        n.explain(r, now, elapsed, rule, out);
      }
    }
  }

  /** or: Kleene disjunction. */
  static final class Any extends Node {
    private final Node[] operands;

    Any(Node[] operands, String pointer) {
      super(pointer);
      this.operands = operands;
    }

    @Override
    void holding(Request r, long now, long elapsed, List<String> out) {
      for (Node n : operands) {
        n.holding(r, now, elapsed, out);
      }
    }

    @Override
    int test(Request r, long now, long elapsed) {
      int result = FALSE;
      for (Node n : operands) {
        int t = n.test(r, now, elapsed);
        if (t == TRUE) {
          return TRUE;
        }
        if (t == UNKNOWN) {
          result = UNKNOWN;
        }
      }
      return result;
    }

    @Override
    void explain(Request r, long now, long elapsed, String rule, List<Failure> out) {
      if (permits(test(r, now, elapsed), r)) {
        return;
      }
      out.add(
          new Failure(
              rule,
              pointer,
              "at least one of " + operands.length + " alternatives",
              "none holds",
              "none of the " + operands.length + " alternatives (or) holds"));
      for (Node n : operands) {
        n.explain(r, now, elapsed, rule, out);
      }
    }
  }

  /** xone: exactly one operand holds. */
  static final class ExactlyOne extends Node {
    private final Node[] operands;

    ExactlyOne(Node[] operands, String pointer) {
      super(pointer);
      this.operands = operands;
    }

    @Override
    void holding(Request r, long now, long elapsed, List<String> out) {
      for (Node n : operands) {
        n.holding(r, now, elapsed, out);
      }
    }

    @Override
    int test(Request r, long now, long elapsed) {
      int trues = 0;
      int unknowns = 0;
      for (Node n : operands) {
        int t = n.test(r, now, elapsed);
        if (t == TRUE) {
          trues++;
        } else if (t == UNKNOWN) {
          unknowns++;
        }
      }
      if (trues >= 2) {
        return FALSE;
      }
      if (unknowns == 0) {
        return trues == 1 ? TRUE : FALSE;
      }
      return UNKNOWN;
    }

    @Override
    void explain(Request r, long now, long elapsed, String rule, List<Failure> out) {
      if (permits(test(r, now, elapsed), r)) {
        return;
      }
      int trues = 0;
      for (Node n : operands) {
        if (n.test(r, now, elapsed) == TRUE) {
          trues++;
        }
      }
      String expected = "exactly one of " + operands.length + " alternatives";
      if (trues >= 2) {
        out.add(
            new Failure(
                rule,
                pointer,
                expected,
                trues + " hold",
                trues + " of the alternatives (xone) hold; exactly one may"));
        return;
      }
      out.add(
          new Failure(
              rule,
              pointer,
              expected,
              "none holds for certain",
              "none of the " + operands.length + " alternatives (xone) holds for certain"));
      for (Node n : operands) {
        n.explain(r, now, elapsed, rule, out);
      }
    }
  }

  // ---- rendering the request's side ----

  static Instant instant(long nanos) {
    return Instant.ofEpochSecond(
        Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
  }

  static String actual(LeftOperand operand, Request r, long now, long elapsed) {
    Computation c = r.computation;
    String missing = "(not given)";
    return switch (operand.kind()) {
      case PURPOSE -> r.purpose == null ? missing : r.purpose;
      case SPATIAL -> r.region == null ? missing : r.region;
      case DATE_TIME -> instant(now).toString();
      case ELAPSED_TIME -> elapsed == ABSENT ? missing : Condition.durationText(0, elapsed);
      case COUNT -> "use #" + (r.useCount + 1);
      case PARTICIPANT_CLAIM -> List.of(r.claimArray(operand.claim())).toString();
      case COMPUTATION -> c == null ? missing : c.kind();
      case INPUT_ROWS ->
          c == null || c.inputRows().isEmpty() ? missing : Long.toString(c.inputRows().getAsLong());
      case MIN_RESULT_GROUP_SIZE ->
          c == null || c.minGroupSize().isEmpty()
              ? missing
              : Long.toString(c.minGroupSize().getAsLong());
      case MIN_PARTIES ->
          c == null || c.parties().isEmpty() ? missing : Long.toString(c.parties().getAsLong());
      case EPSILON ->
          c == null || c.epsilon().isEmpty() ? missing : Double.toString(c.epsilon().getAsDouble());
      case OUTPUT_COLUMNS -> c == null ? missing : c.columnsText();
      case KEY_COLUMNS -> c == null ? missing : c.keyColumns().orElse(missing);
      case RETENTION -> missing;
    };
  }
}
