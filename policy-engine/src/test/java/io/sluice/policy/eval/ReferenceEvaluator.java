package io.sluice.policy.eval;

import io.sluice.policy.Clause;
import io.sluice.policy.Condition;
import io.sluice.policy.ConflictStrategy;
import io.sluice.policy.EffectivePolicy;
import io.sluice.policy.EffectiveRule;
import io.sluice.policy.LogicalOperator;
import io.sluice.policy.Policy;
import io.sluice.policy.Vocabulary;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;

/**
 * A slow, direct reading of the evaluation semantics (documented on {@link CompiledPolicy}), used
 * to check the compiled evaluator. It shares only {@link Condition}'s accept methods with it.
 */
final class ReferenceEvaluator {
  enum Truth {
    TRUE,
    FALSE,
    UNKNOWN
  }

  private ReferenceEvaluator() {}

  static boolean permits(Policy policy, Request r) {
    return permits(policy, r, true);
  }

  /** {@code dutyStates}: whether the request's violated duties count (false: as if none). */
  static boolean permits(Policy policy, Request r, boolean dutyStates) {
    EffectivePolicy e = policy.effective();
    Instant now = r.clock().instant();
    boolean prohibited =
        e.prohibitions().stream()
            .anyMatch(p -> applies(p, r) && all(p.constraints(), r, now) != Truth.FALSE);
    boolean granted =
        e.permissions().stream()
            .anyMatch(
                p ->
                    applies(p, r)
                        && all(p.constraints(), r, now) == Truth.TRUE
                        && !(dutyStates && violated(p, r)));
    return e.conflict() == ConflictStrategy.PERM ? granted : granted && !prohibited;
  }

  /** A permission's duty is violated when the request names its pointer. */
  static boolean violated(EffectiveRule permission, Request r) {
    return permission.duties().stream().anyMatch(d -> r.violatedDuties().containsKey(d.pointer()));
  }

  static boolean applies(EffectiveRule rule, Request r) {
    if (!Vocabulary.includes(rule.action(), r.action())) {
      return false;
    }
    if (rule.target() != null && r.target().isPresent()) {
      String id = rule.target().uid() != null ? rule.target().uid() : rule.target().source();
      if (!id.equals(r.target().get())) {
        return false;
      }
    }
    return rule.assignee() == null
        || rule.assignee().uid() == null
        || r.claim("participant").contains(rule.assignee().uid());
  }

  static Truth all(List<Clause> clauses, Request r, Instant now) {
    Truth result = Truth.TRUE;
    for (Clause c : clauses) {
      Truth t = truth(c, r, now);
      if (t == Truth.FALSE) {
        return Truth.FALSE;
      }
      if (t == Truth.UNKNOWN) {
        result = Truth.UNKNOWN;
      }
    }
    return result;
  }

  static Truth truth(Clause clause, Request r, Instant now) {
    if (clause instanceof Clause.Logic l) {
      if (l.operator() == LogicalOperator.AND || l.operator() == LogicalOperator.AND_SEQUENCE) {
        return all(l.operands(), r, now);
      }
      long trues = l.operands().stream().filter(c -> truth(c, r, now) == Truth.TRUE).count();
      long unknowns = l.operands().stream().filter(c -> truth(c, r, now) == Truth.UNKNOWN).count();
      if (l.operator() == LogicalOperator.OR) {
        return trues > 0 ? Truth.TRUE : unknowns > 0 ? Truth.UNKNOWN : Truth.FALSE;
      }
      if (trues >= 2) {
        return Truth.FALSE;
      }
      return unknowns == 0 ? (trues == 1 ? Truth.TRUE : Truth.FALSE) : Truth.UNKNOWN;
    }
    Condition c = ((Clause.Test) clause).condition();
    Computation comp = r.computation().orElse(null);
    Object value =
        switch (c.operand().kind()) {
          case PURPOSE -> r.purpose().orElse(null);
          case SPATIAL -> r.region().orElse(null);
          case COMPUTATION -> comp == null ? null : comp.kind();
          case PARTICIPANT_CLAIM -> r.claim(c.operand().claim());
          case OUTPUT_COLUMNS -> comp == null ? null : comp.outputColumns();
          case KEY_COLUMNS -> comp == null ? null : comp.keyColumns().orElse(null);
          case COUNT -> r.useCount() + 1;
          case DATE_TIME -> Condition.epochNanos(now);
          case ELAPSED_TIME -> elapsed(r, now);
          case INPUT_ROWS -> comp == null ? null : boxed(comp.inputRows());
          case MIN_RESULT_GROUP_SIZE -> comp == null ? null : boxed(comp.minGroupSize());
          case MIN_PARTIES -> comp == null ? null : boxed(comp.parties());
          case EPSILON ->
              comp == null || comp.epsilon().isEmpty()
                  ? null
                  : Condition.orderKey(comp.epsilon().getAsDouble());
          case RETENTION -> null;
        };
    if (value == null) {
      return Truth.UNKNOWN;
    }
    boolean holds;
    if (c instanceof Condition.Range range) {
      holds = range.accepts((Long) value);
    } else if (c instanceof Condition.Choice choice) {
      holds = choice.accepts((String) value);
    } else if (c instanceof Condition.SetTest set) {
      @SuppressWarnings("unchecked")
      Set<String> values = (Set<String>) value;
      holds = set.accepts(values);
    } else {
      Condition.CalendarRange cal = (Condition.CalendarRange) c;
      Instant start = now.minusNanos((Long) value);
      Instant boundary =
          start
              .atOffset(ZoneOffset.UTC)
              .plusMonths(cal.months())
              .plusNanos(cal.nanos())
              .toInstant();
      int cmp = now.compareTo(boundary);
      holds =
          switch (cal.operator()) {
            case LT -> cmp < 0;
            case LTEQ -> cmp <= 0;
            case GT -> cmp > 0;
            case GTEQ -> cmp >= 0;
            case EQ -> cmp == 0;
            case NEQ -> cmp != 0;
            default -> throw new IllegalStateException();
          };
    }
    return holds ? Truth.TRUE : Truth.FALSE;
  }

  private static Long elapsed(Request r, Instant now) {
    if (r.agreementStart().isPresent()) {
      return Condition.epochNanos(now) - Condition.epochNanos(r.agreementStart().get());
    }
    return r.elapsed().map(java.time.Duration::toNanos).orElse(null);
  }

  private static Long boxed(java.util.OptionalLong v) {
    return v.isPresent() ? v.getAsLong() : null;
  }
}
