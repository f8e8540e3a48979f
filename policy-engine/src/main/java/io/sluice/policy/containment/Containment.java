package io.sluice.policy.containment;

import io.sluice.policy.Clause;
import io.sluice.policy.Condition;
import io.sluice.policy.ConflictStrategy;
import io.sluice.policy.EffectivePolicy;
import io.sluice.policy.EffectiveRule;
import io.sluice.policy.LeftOperand;
import io.sluice.policy.Operator;
import io.sluice.policy.Party;
import io.sluice.policy.Policy;
import io.sluice.policy.RightOperand;
import io.sluice.policy.Vocabulary;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Decides whether a requested policy asks for no more than an offer allows, by meaning rather than
 * by JSON equality.
 *
 * <p>{@code contains(offer, request)} is true when:
 *
 * <ol>
 *   <li>every permission of the request is covered by one permission of the offer: its action is
 *       included in the offer's, it names the offer permission's target (if that has one) and
 *       assignee (if that has one), its constraints imply each of the offer permission's
 *       constraints, and it keeps each of the offer permission's duties at least as strictly (same
 *       action, terms that imply the offer's, e.g. retention P7D for P30D);
 *   <li>every prohibition of the offer is kept: the request has a prohibition on an action that
 *       includes it, for the same target and assignee (or any), whose constraints are a subset (by
 *       meaning) of the offer prohibition's;
 *   <li>every obligation of the offer is kept as an obligation of the request;
 *   <li>the request does not use the {@code perm} conflict strategy while the offer has
 *       prohibitions.
 * </ol>
 *
 * <p>This is <b>sound</b>: when it answers true, every request the requested policy permits is
 * permitted by the offer (a property test checks this over generated policies). It is
 * <b>conservative</b> (it may answer false although containment holds) where:
 *
 * <ul>
 *   <li>a request permission is covered only by several offer permissions together;
 *   <li>an offer constraint is an xone, or a duration with years or months, and the request does
 *       not repeat it with the same meaning;
 *   <li>an or/xone in the request's constraints would split into more than 64 cases;
 *   <li>an offer prohibition is kept by the request only through a different but stronger
 *       constraint, or made irrelevant by the request's permissions rather than restated.
 * </ul>
 */
public final class Containment {
  private Containment() {}

  /** Whether {@code request} asks for no more than {@code offer} allows; if not, why. */
  public static ContainmentResult contains(Policy offer, Policy request) {
    EffectivePolicy o = offer.effective();
    EffectivePolicy q = request.effective();
    List<Reason> reasons = new ArrayList<>();

    if (q.conflict() == ConflictStrategy.PERM && !o.prohibitions().isEmpty()) {
      reasons.add(
          new Reason(
              "/conflict",
              "the request lets permissions override prohibitions (conflict perm), so the"
                  + " offer's prohibitions would not hold"));
    }
    for (EffectiveRule permission : q.permissions()) {
      List<Reason> why = new ArrayList<>();
      boolean covered = false;
      for (EffectiveRule candidate : o.permissions()) {
        List<Reason> gaps = gaps(candidate, permission);
        if (gaps.isEmpty()) {
          covered = true;
          break;
        }
        why.addAll(gaps);
      }
      if (!covered) {
        if (o.permissions().isEmpty()) {
          why.add(new Reason("", "the offer permits nothing"));
        }
        reasons.addAll(why);
      }
    }
    for (EffectiveRule prohibition : o.prohibitions()) {
      boolean kept = false;
      for (EffectiveRule candidate : q.prohibitions()) {
        kept |= keeps(candidate, prohibition);
      }
      if (!kept) {
        reasons.add(
            new Reason(
                prohibition.pointer(),
                "the request drops the offer's prohibition "
                    + prohibition.label()
                    + " (no "
                    + prohibition.action()
                    + describeConstraints(prohibition.constraints())
                    + ")"));
      }
    }
    for (EffectiveRule obligation : o.obligations()) {
      boolean kept = false;
      for (EffectiveRule candidate : q.obligations()) {
        kept |= dutyKept(obligation, candidate);
      }
      if (!kept) {
        reasons.add(
            new Reason(
                obligation.pointer(),
                "the request drops the offer's obligation " + describeDuty(obligation)));
      }
    }
    return new ContainmentResult(reasons.isEmpty(), dedupe(reasons));
  }

  private static List<Reason> dedupe(List<Reason> reasons) {
    return List.copyOf(new java.util.LinkedHashSet<>(reasons));
  }

  /** Why {@code offered} does not cover {@code requested}; empty when it does. */
  static List<Reason> gaps(EffectiveRule offered, EffectiveRule requested) {
    List<Reason> gaps = new ArrayList<>();
    if (!Vocabulary.includes(offered.action(), requested.action())) {
      gaps.add(
          new Reason(
              offered.pointer() + "/action",
              "the offer permits "
                  + offered.action()
                  + ", the request asks for "
                  + requested.action()));
      return gaps;
    }
    String offeredTarget = identity(offered.target());
    if (offeredTarget != null && !offeredTarget.equals(identity(requested.target()))) {
      gaps.add(
          new Reason(
              offered.pointer() + "/target",
              "the offer is for target "
                  + offeredTarget
                  + ", the request for "
                  + (identity(requested.target()) == null
                      ? "any target"
                      : identity(requested.target()))));
      return gaps;
    }
    Premise premise = Premise.of(requested.constraints(), assigneeFacts(requested.assignee()));
    if (premise.unsatisfiable()) {
      return gaps; // the requested permission grants nothing
    }
    for (Condition fact : assigneeFacts(offered.assignee())) {
      Clause asClause = new Clause.Test(fact, null, offered.assigneePointer());
      if (!premise.implies(asClause)) {
        gaps.add(
            new Reason(
                offered.assigneePointer(),
                "the offer is granted to "
                    + offered.assignee().uid()
                    + ", the request "
                    + (requested.assignee() == null
                        ? "names no assignee"
                        : "names " + requested.assignee().uid())));
      }
    }
    for (Clause c : offered.constraints()) {
      if (!premise.implies(c)) {
        gaps.add(new Reason(c.pointer(), notImplied(c, premise)));
      }
    }
    for (EffectiveRule duty : offered.duties()) {
      boolean kept = false;
      for (EffectiveRule candidate : requested.duties()) {
        kept |= dutyKept(duty, candidate);
      }
      if (!kept) {
        gaps.add(
            new Reason(
                duty.pointer(),
                "the request does not keep the duty "
                    + describeDuty(duty)
                    + " at least as strictly"));
      }
    }
    return gaps;
  }

  /** The participant-claim fact an assignee with a uid stands for. */
  static List<Condition> assigneeFacts(Party assignee) {
    if (assignee == null || assignee.uid() == null) {
      return List.of();
    }
    return List.of(participantIs(assignee.uid()));
  }

  static Condition participantIs(String uid) {
    return new Condition.SetTest(
        LeftOperand.claim("participant"),
        Operator.EQ,
        RightOperand.string(uid),
        Condition.Relation.HAS_ALL,
        Set.of(uid));
  }

  /** The identity a target is matched by: its uid, else its source. */
  static String identity(io.sluice.policy.Asset target) {
    if (target == null) {
      return null;
    }
    return target.uid() != null ? target.uid() : target.source();
  }

  /** True when the requested duty is the offered one or stricter. */
  static boolean dutyKept(EffectiveRule offered, EffectiveRule requested) {
    if (!offered.action().equals(requested.action())) {
      return false;
    }
    for (Map.Entry<String, Party> f : offered.functions().entrySet()) {
      if (!Objects.equals(requested.functions().get(f.getKey()), f.getValue())) {
        return false;
      }
    }
    Premise premise = Premise.of(requested.constraints(), List.of());
    for (Clause c : offered.constraints()) {
      if (!premise.implies(c)) {
        return false;
      }
    }
    for (EffectiveRule consequence : offered.consequences()) {
      boolean kept = false;
      for (EffectiveRule candidate : requested.consequences()) {
        kept |= dutyKept(consequence, candidate);
      }
      if (!kept) {
        return false;
      }
    }
    return true;
  }

  /**
   * True when {@code requested} applies whenever {@code offered} does: it covers the action, target
   * and assignee, and each of its constraints is one of the offered prohibition's (so whenever
   * those are all true or unknown, so are these).
   */
  static boolean keeps(EffectiveRule requested, EffectiveRule offered) {
    if (!Vocabulary.includes(requested.action(), offered.action())) {
      return false;
    }
    String target = identity(requested.target());
    if (target != null && !target.equals(identity(offered.target()))) {
      return false;
    }
    if (requested.assignee() != null
        && (offered.assignee() == null
            || !Objects.equals(requested.assignee().uid(), offered.assignee().uid())
            || requested.assignee().uid() == null)) {
      return false;
    }
    Set<String> offeredMeanings = new HashSet<>();
    for (Clause c : offered.constraints()) {
      offeredMeanings.add(c.meaning());
    }
    for (Clause c : requested.constraints()) {
      if (!offeredMeanings.contains(c.meaning())) {
        return false;
      }
    }
    return true;
  }

  private static String notImplied(Clause c, Premise premise) {
    if (c instanceof Clause.Test t) {
      Set<String> has = premise.describe(t.condition().operand());
      return "the offer requires "
          + t.condition().expected()
          + "; the request "
          + (has.isEmpty()
              ? "does not constrain " + t.condition().operand().term()
              : "allows more with " + String.join(" and ", has));
    }
    Clause.Logic logic = (Clause.Logic) c;
    return "the offer requires this "
        + logic.operator().term()
        + " constraint and the request's constraints do not guarantee it";
  }

  static String describeConstraints(List<Clause> clauses) {
    if (clauses.isEmpty()) {
      return "";
    }
    List<String> parts = new ArrayList<>();
    for (Clause c : clauses) {
      parts.add(
          c instanceof Clause.Test t
              ? t.condition().expected()
              : ((Clause.Logic) c).operator().term() + "(...)");
    }
    return " when " + String.join(" and ", parts);
  }

  static String describeDuty(EffectiveRule duty) {
    List<String> parts = new ArrayList<>();
    for (Clause c : duty.constraints()) {
      if (c instanceof Clause.Test t) {
        parts.add(t.condition().expected());
      }
    }
    duty.functions().forEach((k, v) -> parts.add(k + " " + v.uid()));
    return duty.action() + (parts.isEmpty() ? "" : " (" + String.join(", ", parts) + ")");
  }
}
