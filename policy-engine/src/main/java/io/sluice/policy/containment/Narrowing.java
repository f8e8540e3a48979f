package io.sluice.policy.containment;

import io.sluice.policy.Clause;
import io.sluice.policy.Condition;
import io.sluice.policy.Constraint;
import io.sluice.policy.EffectivePolicy;
import io.sluice.policy.EffectiveRule;
import io.sluice.policy.LeftOperand;
import io.sluice.policy.Operator;
import io.sluice.policy.Party;
import io.sluice.policy.Policy;
import io.sluice.policy.PolicyCodec;
import io.sluice.policy.PolicyType;
import io.sluice.policy.RightOperand;
import io.sluice.policy.Rule;
import io.sluice.policy.RuleKind;
import io.sluice.policy.ValueType;
import io.sluice.policy.Vocabulary;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Builds the strictest policy acceptable to both sides of a negotiation.
 *
 * <p>The consumer states its acceptable terms as a policy: each permission says what it wants to do
 * and under which constraints it is willing to do it; its duties are the duties it accepts; its
 * prohibitions and obligations are ones it adds. {@code narrow(offer, acceptable)} pairs each offer
 * permission with each acceptable permission and, for a compatible pair, builds one permission:
 *
 * <ul>
 *   <li>action: the narrower of the two (they must be the same or one must include the other);
 *   <li>target: the offer's (the acceptable permission must name the same target or none);
 *   <li>assignee: the acceptable permission's (or the offer's), they must not differ;
 *   <li>constraints: the conjunction of both sides, simplified: intervals intersected (the stricter
 *       bound kept), string choices and column sets intersected (e.g. {@code isPartOf [a,b,c]} and
 *       {@code isPartOf [b,c,d]} give {@code isPartOf [b,c]}), and every constraint implied by the
 *       others dropped. A pair whose conjunction no request satisfies yields nothing;
 *   <li>duties: every duty of the offer permission must be one the acceptable permission accepts
 *       (same action); the result carries it with the terms of both (e.g. retention {@code lteq
 *       P30D} and {@code lteq P7D} give P7D). Duties the consumer volunteers are added.
 * </ul>
 *
 * The result keeps the offer's and adds the acceptable terms' prohibitions and obligations, takes
 * the offer's context and assigner, and is an Agreement when the acceptable terms name the consumer
 * as policy-level assignee (else an Offer, a counter-offer without assignee). Its uid is {@code
 * urn:sluice:narrowed:<sha-256 of its canonical form without uid>}; use {@link Policy#withUid} to
 * give it another. Before it is returned it is checked to be contained in the offer and in the
 * acceptable terms ({@link Containment}); a failure there is a bug and throws.
 */
public final class Narrowing {
  private Narrowing() {}

  public static NarrowingResult narrow(Policy offer, Policy acceptable) {
    EffectivePolicy o = offer.effective();
    EffectivePolicy a = acceptable.effective();
    List<Reason> reasons = new ArrayList<>();
    List<Rule> permissions = new ArrayList<>();
    for (EffectiveRule op : o.permissions()) {
      List<Rule> fromThis = new ArrayList<>();
      for (EffectiveRule ap : a.permissions()) {
        pair(op, ap, fromThis, reasons);
      }
      for (int i = 0; i < fromThis.size(); i++) {
        Rule r = fromThis.get(i);
        String uid = op.uid() == null ? null : fromThis.size() == 1 ? op.uid() : op.uid() + "#" + i;
        permissions.add(r.withUid(uid));
      }
    }
    if (a.permissions().isEmpty()) {
      reasons.add(new Reason("", "the acceptable terms accept no permission"));
    }
    if (permissions.isEmpty()) {
      return new NarrowingResult(Optional.empty(), dedupe(reasons));
    }
    Policy.Builder b = Policy.builder();
    offer.contextJson().ifPresent(b::contextJson);
    Party consumer = acceptable.assignee().orElse(null);
    Party assigner = offer.assigner().orElse(o.permissions().get(0).assigner());
    b.type(
        assigner == null
            ? PolicyType.SET
            : consumer != null ? PolicyType.AGREEMENT : PolicyType.OFFER);
    b.assignee(consumer == null ? null : withoutRefinements(consumer));
    b.permissions(permissions);
    List<Rule> prohibitions = new ArrayList<>();
    for (EffectiveRule p : o.prohibitions()) {
      prohibitions.add(rule(p, p.constraints(), p.action(), List.of()));
    }
    for (EffectiveRule p : a.prohibitions()) {
      prohibitions.add(rule(p, p.constraints(), p.action(), List.of()));
    }
    b.prohibitions(prohibitions);
    List<Rule> obligations = new ArrayList<>();
    for (EffectiveRule d : o.obligations()) {
      obligations.add(duty(d, d.constraints()));
    }
    for (EffectiveRule d : a.obligations()) {
      obligations.add(duty(d, d.constraints()));
    }
    b.obligations(obligations);
    b.assigner(assigner == null ? null : withoutRefinements(assigner));
    b.uid("urn:sluice:narrowed");
    Policy draft = b.build();
    Policy result = draft.withUid("urn:sluice:narrowed:" + PolicyCodec.digest(draft));
    check(Containment.contains(offer, result), "offer");
    check(Containment.contains(acceptable, result), "acceptable terms");
    return new NarrowingResult(Optional.of(result), List.of());
  }

  private static void check(ContainmentResult r, String what) {
    if (!r.contained()) {
      throw new IllegalStateException(
          "narrowing produced a policy not contained in the " + what + ": " + r);
    }
  }

  private static List<Reason> dedupe(List<Reason> reasons) {
    return List.copyOf(new LinkedHashSet<>(reasons));
  }

  private static void pair(
      EffectiveRule op, EffectiveRule ap, List<Rule> out, List<Reason> reasons) {
    String action;
    if (Vocabulary.includes(op.action(), ap.action())) {
      action = ap.action();
    } else if (Vocabulary.includes(ap.action(), op.action())) {
      action = op.action();
    } else {
      reasons.add(
          new Reason(
              op.pointer() + "/action",
              "the offer permits "
                  + op.action()
                  + ", the acceptable terms ask for "
                  + ap.action()));
      return;
    }
    String target = Containment.identity(op.target());
    String wanted = Containment.identity(ap.target());
    if (wanted != null && !wanted.equals(target)) {
      reasons.add(
          new Reason(
              op.pointer() + "/target",
              "the offer is for target " + target + ", the acceptable terms for " + wanted));
      return;
    }
    Party assignee = ap.assignee() != null ? ap.assignee() : op.assignee();
    if (op.assignee() != null
        && ap.assignee() != null
        && !Objects.equals(op.assignee().uid(), ap.assignee().uid())) {
      reasons.add(
          new Reason(
              op.assigneePointer(),
              "the offer is granted to "
                  + op.assignee().uid()
                  + ", the acceptable terms name "
                  + ap.assignee().uid()));
      return;
    }
    List<Clause> constraints = new ArrayList<>(op.constraints());
    constraints.addAll(ap.constraints());
    Premise premise = Premise.of(constraints, List.of());
    if (premise.unsatisfiable()) {
      reasons.add(new Reason(op.pointer(), conflictMessage(op, ap)));
      return;
    }
    List<Rule> duties = new ArrayList<>();
    for (EffectiveRule duty : op.duties()) {
      List<EffectiveRule> accepted = new ArrayList<>();
      for (EffectiveRule d : ap.duties()) {
        if (d.action().equals(duty.action())) {
          accepted.add(d);
        }
      }
      if (accepted.isEmpty()) {
        reasons.add(
            new Reason(
                duty.pointer(),
                "the offer requires the duty "
                    + Containment.describeDuty(duty)
                    + ", which the acceptable terms do not accept"));
        return;
      }
      List<Clause> terms = new ArrayList<>(duty.constraints());
      for (EffectiveRule d : accepted) {
        terms.addAll(d.constraints());
      }
      if (Premise.of(terms, List.of()).unsatisfiable()) {
        reasons.add(
            new Reason(
                duty.pointer(),
                "the duty "
                    + Containment.describeDuty(duty)
                    + " conflicts with the terms the acceptable terms accept for it"));
        return;
      }
      Map<String, Party> functions = parties(duty, accepted, reasons);
      if (functions == null) {
        return;
      }
      duties.add(duty(duty, simplify(terms)).withFunctions(functions));
    }
    for (EffectiveRule d : ap.duties()) {
      boolean inOffer = false;
      for (EffectiveRule duty : op.duties()) {
        inOffer |= duty.action().equals(d.action());
      }
      if (!inOffer) {
        duties.add(duty(d, d.constraints()));
      }
    }
    Rule rule =
        Rule.permission(action)
            .withTarget(op.target())
            .withAssigner(op.assigner() == null ? null : withoutRefinements(op.assigner()))
            .withAssignee(assignee == null ? null : withoutRefinements(assignee))
            .withConstraints(constraintsOf(simplify(constraints)))
            .withDuties(duties);
    out.add(rule);
  }

  /**
   * The party functions of an offered duty and the duties accepted for it, or null (with a reason)
   * when they name different parties for one function: a duty informs one party, and informing
   * another would keep neither side's duty.
   */
  private static Map<String, Party> parties(
      EffectiveRule duty, List<EffectiveRule> accepted, List<Reason> reasons) {
    Map<String, Party> functions = new LinkedHashMap<>(duty.functions());
    for (EffectiveRule d : accepted) {
      for (Map.Entry<String, Party> f : d.functions().entrySet()) {
        Party named = functions.putIfAbsent(f.getKey(), f.getValue());
        if (named != null && !named.equals(f.getValue())) {
          reasons.add(
              new Reason(
                  duty.pointer(),
                  "the duty "
                      + Containment.describeDuty(duty)
                      + " names "
                      + f.getKey()
                      + " "
                      + named.uid()
                      + ", the acceptable terms "
                      + f.getValue().uid()));
          return null;
        }
      }
    }
    return functions;
  }

  private static String conflictMessage(EffectiveRule op, EffectiveRule ap) {
    Set<LeftOperand> operands = new LinkedHashSet<>();
    collectOperands(op.constraints(), operands);
    Set<LeftOperand> theirs = new LinkedHashSet<>();
    collectOperands(ap.constraints(), theirs);
    operands.retainAll(theirs);
    List<String> parts = new ArrayList<>();
    for (LeftOperand operand : operands) {
      List<Clause> both = new ArrayList<>();
      both.addAll(onOperand(op.constraints(), operand));
      both.addAll(onOperand(ap.constraints(), operand));
      if (Premise.of(both, List.of()).unsatisfiable()) {
        parts.add(
            "the offer requires "
                + Containment.describeConstraints(onOperand(op.constraints(), operand)).substring(6)
                + " but the acceptable terms require "
                + Containment.describeConstraints(onOperand(ap.constraints(), operand))
                    .substring(6));
      }
    }
    return parts.isEmpty()
        ? "no request satisfies both the offer's and the acceptable terms' constraints"
        : "no agreement: " + String.join("; ", parts);
  }

  private static void collectOperands(List<Clause> clauses, Set<LeftOperand> out) {
    for (Clause c : clauses) {
      if (c instanceof Clause.Test t) {
        out.add(t.condition().operand());
      }
    }
  }

  private static List<Clause> onOperand(List<Clause> clauses, LeftOperand operand) {
    List<Clause> out = new ArrayList<>();
    for (Clause c : clauses) {
      if (c instanceof Clause.Test t && t.condition().operand().equals(operand)) {
        out.add(c);
      }
    }
    return out;
  }

  /**
   * Adds the intersection of string choices and of isPartOf sets on the same operand, then drops
   * every clause the others imply. The result means the same as the input.
   */
  static List<Clause> simplify(List<Clause> clauses) {
    List<Clause> all = new ArrayList<>(dedupeByMeaning(clauses));
    all.addAll(intersections(all));
    for (int i = 0; i < all.size(); ) {
      List<Clause> others = new ArrayList<>(all);
      Clause c = others.remove(i);
      if (Premise.of(others, List.of()).implies(c) && !others.isEmpty()) {
        all.remove(i);
      } else {
        i++;
      }
    }
    return all;
  }

  private static List<Clause> dedupeByMeaning(List<Clause> clauses) {
    Set<String> seen = new HashSet<>();
    List<Clause> out = new ArrayList<>();
    for (Clause c : clauses) {
      if (seen.add(c.meaning())) {
        out.add(c);
      }
    }
    return out;
  }

  private static List<Clause> intersections(List<Clause> clauses) {
    Map<LeftOperand, Set<String>> choices = new LinkedHashMap<>();
    Map<LeftOperand, Integer> choiceCount = new LinkedHashMap<>();
    Map<LeftOperand, Set<String>> within = new LinkedHashMap<>();
    Map<LeftOperand, Integer> withinCount = new LinkedHashMap<>();
    for (Clause c : clauses) {
      if (!(c instanceof Clause.Test t)) {
        continue;
      }
      Condition cond = t.condition();
      if (cond instanceof Condition.Choice ch && !ch.negated()) {
        choices.merge(cond.operand(), new HashSet<>(ch.accepted()), Narrowing::retain);
        choiceCount.merge(cond.operand(), 1, Integer::sum);
      } else if (cond instanceof Condition.SetTest s
          && (s.relation() == Condition.Relation.WITHIN
              || s.relation() == Condition.Relation.WITHIN_NONEMPTY)) {
        within.merge(cond.operand(), new HashSet<>(s.values()), Narrowing::retain);
        withinCount.merge(cond.operand(), 1, Integer::sum);
      }
    }
    List<Clause> out = new ArrayList<>();
    choices.forEach(
        (operand, values) -> {
          if (choiceCount.get(operand) > 1 && !values.isEmpty()) {
            Operator op = values.size() == 1 ? Operator.EQ : Operator.IS_ANY_OF;
            RightOperand right =
                values.size() == 1
                    ? RightOperand.string(values.iterator().next())
                    : RightOperand.strings(new TreeSet<>(values));
            out.add(test(operand, op, right));
          }
        });
    within.forEach(
        (operand, values) -> {
          if (withinCount.get(operand) > 1 && !values.isEmpty()) {
            out.add(
                test(operand, Operator.IS_PART_OF, RightOperand.strings(new TreeSet<>(values))));
          }
        });
    return out;
  }

  private static Set<String> retain(Set<String> a, Set<String> b) {
    a.retainAll(b);
    return a;
  }

  private static Clause test(LeftOperand operand, Operator operator, RightOperand right) {
    if (operand.valueType() == ValueType.STRING_SET && operator == Operator.EQ) {
      throw new IllegalStateException("not used for sets");
    }
    Condition c = Condition.of(io.sluice.policy.AtomicConstraint.of(operand, operator, right));
    return new Clause.Test(c, null, "");
  }

  private static List<Constraint> constraintsOf(List<Clause> clauses) {
    List<Constraint> out = new ArrayList<>();
    for (Clause c : clauses) {
      out.add(c.toConstraint());
    }
    return out;
  }

  private static Rule rule(
      EffectiveRule r, List<Clause> constraints, String action, List<Rule> duties) {
    Rule base =
        r.kind() == RuleKind.PROHIBITION ? Rule.prohibition(action) : Rule.permission(action);
    return base.withUid(r.uid())
        .withTarget(r.target())
        .withAssigner(r.assigner() == null ? null : withoutRefinements(r.assigner()))
        .withAssignee(r.assignee() == null ? null : withoutRefinements(r.assignee()))
        .withConstraints(constraintsOf(constraints))
        .withDuties(duties)
        .withRemedies(duties(r.remedies()));
  }

  private static Rule duty(EffectiveRule d, List<Clause> constraints) {
    return Rule.duty(d.action())
        .withUid(d.uid())
        .withTarget(d.target())
        .withAssigner(d.assigner() == null ? null : withoutRefinements(d.assigner()))
        .withAssignee(d.assignee() == null ? null : withoutRefinements(d.assignee()))
        .withFunctions(d.functions())
        .withConstraints(constraintsOf(constraints))
        .withConsequences(duties(d.consequences()));
  }

  private static List<Rule> duties(List<EffectiveRule> rules) {
    List<Rule> out = new ArrayList<>();
    for (EffectiveRule r : rules) {
      out.add(duty(r, r.constraints()));
    }
    return out;
  }

  /** Refinements were moved into the rule's constraints; the party keeps only its identity. */
  private static Party withoutRefinements(Party p) {
    return new Party(p.uid(), p.types(), p.source(), List.of(), p.annotations());
  }
}
