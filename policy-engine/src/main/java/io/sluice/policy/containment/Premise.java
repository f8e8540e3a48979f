package io.sluice.policy.containment;

import io.sluice.policy.Clause;
import io.sluice.policy.Condition;
import io.sluice.policy.LeftOperand;
import io.sluice.policy.LogicalOperator;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A conjunction of clauses split into cases at each or/xone (xone is weakened to or, which is sound
 * for a premise). Beyond {@link #MAX_CASES} cases a disjunction is dropped from the premise: a
 * weaker premise implies less, so the answer stays sound.
 */
final class Premise {
  static final int MAX_CASES = 64;

  private final List<Knowledge> cases;
  private final List<Clause> clauses;

  private Premise(List<Knowledge> cases, List<Clause> clauses) {
    this.cases = cases;
    this.clauses = clauses;
  }

  static Premise of(List<Clause> clauses, List<Condition> extraFacts) {
    List<Knowledge> cases = new ArrayList<>();
    Knowledge first = new Knowledge();
    for (Condition fact : extraFacts) {
      first.add(fact);
    }
    cases.add(first);
    for (Clause c : clauses) {
      cases = add(cases, c);
    }
    List<Knowledge> satisfiable = new ArrayList<>();
    for (Knowledge k : cases) {
      if (!k.unsatisfiable()) {
        satisfiable.add(k);
      }
    }
    return new Premise(satisfiable, List.copyOf(clauses));
  }

  private static List<Knowledge> add(List<Knowledge> cases, Clause clause) {
    String meaning = clause.meaning();
    if (clause instanceof Clause.Test t) {
      for (Knowledge k : cases) {
        k.add(t.condition());
        k.addMeaning(meaning);
      }
      return cases;
    }
    Clause.Logic logic = (Clause.Logic) clause;
    List<Knowledge> out;
    if (logic.operator() == LogicalOperator.AND
        || logic.operator() == LogicalOperator.AND_SEQUENCE) {
      out = cases;
      for (Clause c : logic.operands()) {
        out = add(out, c);
      }
    } else {
      out = new ArrayList<>();
      for (Clause c : logic.operands()) {
        List<Knowledge> copies = new ArrayList<>();
        for (Knowledge k : cases) {
          copies.add(k.copy());
        }
        out.addAll(add(copies, c));
        if (out.size() > MAX_CASES) {
          out = cases;
          break;
        }
      }
    }
    for (Knowledge k : out) {
      k.addMeaning(meaning);
    }
    return out;
  }

  /** True when no request satisfies the premise. */
  boolean unsatisfiable() {
    return cases.isEmpty();
  }

  /** True when every request satisfying the premise satisfies {@code clause}. */
  boolean implies(Clause clause) {
    for (Knowledge k : cases) {
      if (!k.implies(clause)) {
        return false;
      }
    }
    return true;
  }

  /** The premise's constraints on {@code operand}, for messages. */
  Set<String> describe(LeftOperand operand) {
    Set<String> out = new LinkedHashSet<>();
    collect(clauses, operand, out);
    return out;
  }

  private static void collect(List<Clause> clauses, LeftOperand operand, Set<String> out) {
    for (Clause c : clauses) {
      if (c instanceof Clause.Test t) {
        if (t.condition().operand().equals(operand)) {
          out.add(t.condition().expected());
        }
      } else {
        collect(((Clause.Logic) c).operands(), operand, out);
      }
    }
  }
}
