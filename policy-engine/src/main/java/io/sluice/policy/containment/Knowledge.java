package io.sluice.policy.containment;

import io.sluice.policy.Clause;
import io.sluice.policy.Condition;
import io.sluice.policy.LeftOperand;
import io.sluice.policy.LogicalOperator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one conjunction of atomic conditions guarantees about a request, per operand: an interval
 * with holes for ordered values, allowed and refused strings, and bounds on sets. {@link #implies}
 * answers "does every request satisfying these facts satisfy that condition?" and only ever says
 * yes when that is certain (sound); it may say no when it cannot tell (incomplete).
 */
final class Knowledge {
  private final Map<LeftOperand, RangeState> ranges = new HashMap<>();
  private final Map<LeftOperand, ChoiceState> choices = new HashMap<>();
  private final Map<LeftOperand, SetState> sets = new HashMap<>();
  private final Set<String> meanings = new HashSet<>();
  private final List<Condition> facts = new ArrayList<>();

  Knowledge copy() {
    Knowledge k = new Knowledge();
    ranges.forEach((o, s) -> k.ranges.put(o, s.copy()));
    choices.forEach((o, s) -> k.choices.put(o, s.copy()));
    sets.forEach((o, s) -> k.sets.put(o, s.copy()));
    k.meanings.addAll(meanings);
    k.facts.addAll(facts);
    return k;
  }

  void addMeaning(String meaning) {
    meanings.add(meaning);
  }

  List<Condition> facts() {
    return facts;
  }

  void add(Condition c) {
    facts.add(c);
    LeftOperand op = c.operand();
    if (c instanceof Condition.Range r) {
      RangeState s = ranges.computeIfAbsent(op, o -> new RangeState());
      if (r.negated()) {
        s.excluded.add(new long[] {r.lo(), r.hi()});
      } else {
        s.lo = Math.max(s.lo, r.lo());
        s.hi = Math.min(s.hi, r.hi());
      }
    } else if (c instanceof Condition.Choice ch) {
      ChoiceState s = choices.computeIfAbsent(op, o -> new ChoiceState());
      if (ch.negated()) {
        s.excluded.addAll(ch.accepted());
      } else if (s.allowed == null) {
        s.allowed = new HashSet<>(ch.accepted());
      } else {
        s.allowed.retainAll(ch.accepted());
      }
    } else if (c instanceof Condition.SetTest t) {
      SetState s = sets.computeIfAbsent(op, o -> new SetState());
      switch (t.relation()) {
        case HAS_ALL -> {
          s.must.addAll(t.values());
          s.nonEmpty |= !t.values().isEmpty();
        }
        case HAS_NONE -> s.mustNot.addAll(t.values());
        case HAS_ANY -> {
          s.anyOf.add(Set.copyOf(t.values()));
          s.nonEmpty = true;
        }
        case WITHIN -> s.within(t.values());
        case WITHIN_NONEMPTY -> {
          s.within(t.values());
          s.nonEmpty = true;
        }
        case EQUALS -> {
          s.must.addAll(t.values());
          s.within(t.values());
          s.nonEmpty |= !t.values().isEmpty();
        }
        case NOT_EQUALS -> {
          // Dropping a premise only weakens it: sound.
        }
      }
    }
    // Calendar durations are compared only by meaning (see implies).
  }

  /** True when no request satisfies these facts (each check is exact, so this is sound). */
  boolean unsatisfiable() {
    for (RangeState s : ranges.values()) {
      if (s.lo > s.hi) {
        return true;
      }
      for (long[] ex : s.excluded) {
        if (ex[0] <= s.lo && s.hi <= ex[1]) {
          return true;
        }
      }
    }
    for (ChoiceState s : choices.values()) {
      Set<String> effective = s.effective();
      if (effective != null && effective.isEmpty()) {
        return true;
      }
    }
    for (SetState s : sets.values()) {
      for (String m : s.must) {
        if (s.mustNot.contains(m)) {
          return true;
        }
      }
      Set<String> within = s.effectiveWithin();
      if (within != null && !within.containsAll(s.must)) {
        return true;
      }
      if (within != null && s.nonEmpty && within.isEmpty()) {
        return true;
      }
      for (Set<String> any : s.anyOf) {
        if (s.effective(any).isEmpty()) {
          return true;
        }
      }
    }
    return false;
  }

  /** True when every request satisfying these facts satisfies {@code clause}. */
  boolean implies(Clause clause) {
    if (meanings.contains(clause.meaning())) {
      return true;
    }
    if (clause instanceof Clause.Test t) {
      return implies(t.condition());
    }
    Clause.Logic logic = (Clause.Logic) clause;
    if (logic.operator() == LogicalOperator.AND
        || logic.operator() == LogicalOperator.AND_SEQUENCE) {
      for (Clause c : logic.operands()) {
        if (!implies(c)) {
          return false;
        }
      }
      return true;
    }
    if (logic.operator() == LogicalOperator.OR) {
      for (Clause c : logic.operands()) {
        if (implies(c)) {
          return true;
        }
      }
    }
    // xone: only an identical constraint is taken to imply it (conservative).
    return false;
  }

  boolean implies(Condition c) {
    LeftOperand op = c.operand();
    if (c instanceof Condition.Range r) {
      RangeState s = ranges.get(op);
      if (s == null) {
        return false;
      }
      if (!r.negated()) {
        return s.lo >= r.lo() && s.hi <= r.hi();
      }
      long a = Math.max(r.lo(), s.lo);
      long b = Math.min(r.hi(), s.hi);
      if (a > b) {
        return true;
      }
      for (long[] ex : s.excluded) {
        if (ex[0] <= a && b <= ex[1]) {
          return true;
        }
      }
      return false;
    }
    if (c instanceof Condition.Choice ch) {
      ChoiceState s = choices.get(op);
      if (s == null) {
        return false;
      }
      Set<String> effective = s.effective();
      if (!ch.negated()) {
        return effective != null && ch.accepted().containsAll(effective);
      }
      if (effective != null && disjoint(effective, ch.accepted())) {
        return true;
      }
      return s.excluded.containsAll(ch.accepted());
    }
    if (c instanceof Condition.SetTest t) {
      SetState s = sets.get(op);
      if (s == null) {
        return false;
      }
      Set<String> values = t.values();
      Set<String> within = s.effectiveWithin();
      return switch (t.relation()) {
        case HAS_ALL -> values.stream().allMatch(s::mustHave);
        case HAS_NONE -> values.stream().allMatch(s::mustLack);
        case HAS_ANY -> s.mustHaveOneOf(values);
        case WITHIN -> within != null && values.containsAll(within);
        case WITHIN_NONEMPTY -> s.knownNonEmpty() && within != null && values.containsAll(within);
        case EQUALS -> s.must.containsAll(values) && within != null && values.containsAll(within);
        case NOT_EQUALS ->
            values.stream().anyMatch(s::mustLack)
                || s.must.stream().anyMatch(m -> !values.contains(m));
      };
    }
    return false;
  }

  private static boolean disjoint(Set<String> a, Set<String> b) {
    for (String x : a) {
      if (b.contains(x)) {
        return false;
      }
    }
    return true;
  }

  private static final class RangeState {
    long lo = Long.MIN_VALUE;
    long hi = Long.MAX_VALUE;
    final List<long[]> excluded = new ArrayList<>();

    RangeState copy() {
      RangeState s = new RangeState();
      s.lo = lo;
      s.hi = hi;
      s.excluded.addAll(excluded);
      return s;
    }
  }

  private static final class ChoiceState {
    Set<String> allowed;
    final Set<String> excluded = new HashSet<>();

    ChoiceState copy() {
      ChoiceState s = new ChoiceState();
      s.allowed = allowed == null ? null : new HashSet<>(allowed);
      s.excluded.addAll(excluded);
      return s;
    }

    Set<String> effective() {
      if (allowed == null) {
        return null;
      }
      Set<String> e = new HashSet<>(allowed);
      e.removeAll(excluded);
      return e;
    }
  }

  private static final class SetState {
    final Set<String> must = new HashSet<>();
    final Set<String> mustNot = new HashSet<>();
    Set<String> within;
    boolean nonEmpty;
    final List<Set<String>> anyOf = new ArrayList<>();

    SetState copy() {
      SetState s = new SetState();
      s.must.addAll(must);
      s.mustNot.addAll(mustNot);
      s.within = within == null ? null : new HashSet<>(within);
      s.nonEmpty = nonEmpty;
      s.anyOf.addAll(anyOf);
      return s;
    }

    void within(Set<String> values) {
      if (within == null) {
        within = new HashSet<>(values);
      } else {
        within.retainAll(values);
      }
    }

    Set<String> effectiveWithin() {
      if (within == null) {
        return null;
      }
      Set<String> e = new HashSet<>(within);
      e.removeAll(mustNot);
      return e;
    }

    /** The members of {@code any} the set may still contain. */
    Set<String> effective(Set<String> any) {
      Set<String> e = new HashSet<>(any);
      e.removeAll(mustNot);
      Set<String> w = effectiveWithin();
      if (w != null) {
        e.retainAll(w);
      }
      return e;
    }

    boolean knownNonEmpty() {
      return nonEmpty || !must.isEmpty() || !anyOf.isEmpty();
    }

    boolean mustHave(String v) {
      if (must.contains(v)) {
        return true;
      }
      for (Set<String> any : anyOf) {
        if (effective(any).equals(Set.of(v))) {
          return true;
        }
      }
      Set<String> w = effectiveWithin();
      return knownNonEmpty() && w != null && w.equals(Set.of(v));
    }

    boolean mustLack(String v) {
      if (mustNot.contains(v)) {
        return true;
      }
      Set<String> w = effectiveWithin();
      return w != null && !w.contains(v);
    }

    boolean mustHaveOneOf(Set<String> values) {
      for (String m : must) {
        if (values.contains(m)) {
          return true;
        }
      }
      for (Set<String> any : anyOf) {
        if (values.containsAll(effective(any))) {
          return true;
        }
      }
      Set<String> w = effectiveWithin();
      return knownNonEmpty() && w != null && values.containsAll(w);
    }
  }
}
