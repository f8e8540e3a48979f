package io.sluice.policy.eval;

import io.sluice.policy.Clause;
import io.sluice.policy.Condition;
import io.sluice.policy.ConflictStrategy;
import io.sluice.policy.EffectivePolicy;
import io.sluice.policy.EffectiveRule;
import io.sluice.policy.LogicalOperator;
import io.sluice.policy.OperandKind;
import io.sluice.policy.Party;
import io.sluice.policy.Policy;
import io.sluice.policy.Vocabulary;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A policy prepared for evaluation: compile once, evaluate many times, from any thread.
 *
 * <p>Semantics:
 *
 * <ul>
 *   <li>A rule applies to a request when its action includes the request's action ({@code use}
 *       includes every action but {@code transfer} and its kind), its target is the request's
 *       target (a request without target matches every target), and its assignee, if any, is one of
 *       the caller's {@code participant} claim values.
 *   <li>Constraints are three-valued: a constraint on a value the request does not give is unknown.
 *       A permission grants only when its constraints are all true; a prohibition applies unless
 *       one of its constraints is false (unknown counts as applying). Logical constraints follow
 *       Kleene logic; xone holds when exactly one operand holds.
 *   <li>A permission one of whose duties the request reports violated ({@link
 *       Request.Builder#violatedDuty}) is no longer in force: it does not grant, and a deny names
 *       the duty and the reason given.
 *   <li>With the default conflict strategy ({@code prohibit}) a request is permitted when some
 *       permission grants it and no prohibition applies. {@code perm}: a granting permission wins.
 *       {@code invalid}: a request to which both apply is denied.
 *   <li>A permit carries the duties of every permission that granted it, then the policy's
 *       obligations.
 * </ul>
 *
 * <p>A permit allocates nothing: reasons are built only for a deny, by a second pass.
 */
public final class CompiledPolicy {
  private static final int MAX_CACHED_PERMISSIONS = 10;

  private final Policy policy;
  private final ConflictStrategy conflict;
  private final CompiledRule[] permissions;
  private final CompiledRule[] prohibitions;
  private final List<Obligation> obligations;
  private final boolean usesElapsed;
  private final AtomicReferenceArray<Decision> permits;

  private CompiledPolicy(Policy policy) {
    this.policy = policy;
    EffectivePolicy e = policy.effective();
    this.conflict = e.conflict();
    Flags flags = new Flags();
    this.permissions = compileRules(e.permissions(), flags);
    this.prohibitions = compileRules(e.prohibitions(), flags);
    List<Obligation> o = new ArrayList<>();
    for (EffectiveRule r : e.obligations()) {
      o.add(obligation(r));
    }
    this.obligations = List.copyOf(o);
    this.usesElapsed = flags.elapsed;
    this.permits =
        new AtomicReferenceArray<>(1 << Math.min(permissions.length, MAX_CACHED_PERMISSIONS));
  }

  /** Compiles a (valid) policy. */
  public static CompiledPolicy compile(Policy policy) {
    return new CompiledPolicy(policy);
  }

  public Policy policy() {
    return policy;
  }

  /** PERMIT with duties, or DENY with every reason. */
  public Decision evaluate(Request r) {
    long now = Condition.epochNanos(r.clock.instant());
    long elapsed = Node.ABSENT;
    if (usesElapsed) {
      if (r.agreementStart != null) {
        elapsed = now - Condition.epochNanos(r.agreementStart);
      } else if (r.elapsed != null) {
        elapsed = r.elapsed.toNanos();
      }
    }
    boolean prohibited = false;
    for (CompiledRule p : prohibitions) {
      if (p.applies(r) && Node.prohibits(p.test(r, now, elapsed), r)) {
        prohibited = true;
        break;
      }
    }
    long granted = 0;
    boolean grantedBeyondMask = false;
    for (int i = 0; i < permissions.length; i++) {
      if (permissions[i].grants(r, now, elapsed)) {
        if (i < 64) {
          granted |= 1L << i;
        } else {
          grantedBeyondMask = true;
        }
      }
    }
    boolean anyGranted = granted != 0 || grantedBeyondMask;
    boolean permitted =
        switch (conflict) {
          case PROHIBIT, INVALID -> anyGranted && !prohibited;
          case PERM -> anyGranted;
        };
    if (permitted) {
      return permit(granted, grantedBeyondMask, r, now, elapsed);
    }
    return deny(r, now, elapsed, prohibited, anyGranted);
  }

  private Decision permit(long granted, boolean beyondMask, Request r, long now, long elapsed) {
    if (!beyondMask && granted < permits.length()) {
      int index = (int) granted;
      Decision cached = permits.get(index);
      if (cached == null) {
        cached = buildPermit(granted, false, r, now, elapsed);
        permits.set(index, cached);
      }
      return cached;
    }
    return buildPermit(granted, true, r, now, elapsed);
  }

  private Decision buildPermit(long granted, boolean recheck, Request r, long now, long elapsed) {
    List<Obligation> duties = new ArrayList<>();
    List<String> grantedBy = new ArrayList<>();
    for (int i = 0; i < permissions.length; i++) {
      boolean byThis =
          i < 64 && !recheck ? (granted & (1L << i)) != 0 : permissions[i].grants(r, now, elapsed);
      if (byThis) {
        duties.addAll(permissions[i].duties);
        grantedBy.add(permissions[i].label);
      }
    }
    duties.addAll(obligations);
    return Decision.permit(duties, grantedBy);
  }

  private Decision deny(Request r, long now, long elapsed, boolean prohibited, boolean anyGranted) {
    List<Failure> out = new ArrayList<>();
    if (prohibited) {
      for (CompiledRule p : prohibitions) {
        if (p.applies(r) && Node.prohibits(p.test(r, now, elapsed), r)) {
          List<String> holding = new ArrayList<>();
          if (p.condition != null) {
            p.condition.holding(r, now, elapsed, holding);
          }
          String when = holding.isEmpty() ? "" : " when " + String.join(" and ", holding);
          String expected = "no " + r.action + when;
          String conflictNote =
              anyGranted && conflict == ConflictStrategy.INVALID
                  ? " (a permission applies too, and the policy's conflict strategy is invalid)"
                  : "";
          out.add(
              new Failure(
                  p.label,
                  p.pointer,
                  expected,
                  r.action,
                  "prohibited by " + p.label + when + conflictNote));
        }
      }
    }
    if (!anyGranted) {
      boolean covered = false;
      for (CompiledRule p : permissions) {
        if (!p.actions.contains(r.action)) {
          continue;
        }
        covered = true;
        if (!p.targetMatches(r)) {
          out.add(
              new Failure(
                  p.label,
                  p.pointer + "/target",
                  p.target,
                  r.target,
                  "the permission is for target " + p.target + ", the request is for " + r.target));
          continue;
        }
        if (!p.assigneeMatches(r)) {
          String actual = List.of(r.claimArray("participant")).toString();
          out.add(
              new Failure(
                  p.label,
                  p.assigneePointer,
                  "participant " + p.assignee,
                  actual,
                  "the permission is granted to " + p.assignee + "; the caller is " + actual));
          continue;
        }
        if (p.condition != null) {
          p.condition.explain(r, now, elapsed, p.label, out);
        }
        p.explainViolatedDuties(r, out);
      }
      if (!covered) {
        out.add(
            new Failure(
                null,
                "",
                "a permission for " + r.action,
                r.action,
                "no permission in this policy covers the action " + r.action));
      }
    }
    if (out.isEmpty()) {
      throw new IllegalStateException("a deny without a reason");
    }
    return Decision.deny(out);
  }

  // ---- compilation ----

  private static final class Flags {
    boolean elapsed;
  }

  private static CompiledRule[] compileRules(List<EffectiveRule> rules, Flags flags) {
    CompiledRule[] out = new CompiledRule[rules.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = new CompiledRule(rules.get(i), flags);
    }
    return out;
  }

  static Obligation obligation(EffectiveRule duty) {
    List<Condition> terms = new ArrayList<>();
    for (Clause c : duty.constraints()) {
      if (c instanceof Clause.Test t) {
        terms.add(t.condition());
      }
    }
    Map<String, String> parties = new LinkedHashMap<>();
    for (Map.Entry<String, Party> f : duty.functions().entrySet()) {
      String id = f.getValue().uid() != null ? f.getValue().uid() : f.getValue().source();
      parties.put(f.getKey(), id);
    }
    List<Obligation> consequences = new ArrayList<>();
    for (EffectiveRule c : duty.consequences()) {
      consequences.add(obligation(c));
    }
    return new Obligation(
        duty.action(), duty.label(), duty.pointer(), terms, parties, consequences);
  }

  static Node node(Clause clause, Flags flags) {
    if (clause instanceof Clause.Test t) {
      Condition c = t.condition();
      if (c.operand().kind() == OperandKind.ELAPSED_TIME) {
        flags.elapsed = true;
      }
      if (c instanceof Condition.Range range) {
        return new Node.RangeLeaf(range, t.pointer());
      }
      if (c instanceof Condition.CalendarRange calendar) {
        return new Node.CalendarLeaf(calendar, t.pointer());
      }
      if (c instanceof Condition.Choice choice) {
        return new Node.ChoiceLeaf(choice, t.pointer());
      }
      return new Node.SetLeaf((Condition.SetTest) c, t.pointer());
    }
    Clause.Logic logic = (Clause.Logic) clause;
    Node[] operands = new Node[logic.operands().size()];
    for (int i = 0; i < operands.length; i++) {
      operands[i] = node(logic.operands().get(i), flags);
    }
    if (logic.operator() == LogicalOperator.OR) {
      return new Node.Any(operands, logic.pointer());
    }
    if (logic.operator() == LogicalOperator.XONE) {
      return new Node.ExactlyOne(operands, logic.pointer());
    }
    return new Node.All(operands, logic.pointer());
  }

  /** A permission or prohibition ready to test. */
  private static final class CompiledRule {
    final String label;
    final String pointer;
    final Set<String> actions;
    final String target;
    final String assignee;
    final String assigneePointer;
    final Node condition;
    final List<Obligation> duties;
    final String[] dutyPointers;

    CompiledRule(EffectiveRule rule, Flags flags) {
      this.label = rule.label();
      this.pointer = rule.pointer();
      this.actions = Vocabulary.actionsIncludedIn(rule.action());
      this.target =
          rule.target() == null
              ? null
              : rule.target().uid() != null ? rule.target().uid() : rule.target().source();
      this.assignee = rule.assignee() == null ? null : rule.assignee().uid();
      this.assigneePointer = rule.assigneePointer();
      Node[] nodes = new Node[rule.constraints().size()];
      for (int i = 0; i < nodes.length; i++) {
        nodes[i] = node(rule.constraints().get(i), flags);
      }
      this.condition =
          nodes.length == 0 ? null : nodes.length == 1 ? nodes[0] : new Node.All(nodes, pointer);
      List<Obligation> d = new ArrayList<>();
      for (EffectiveRule duty : rule.duties()) {
        d.add(obligation(duty));
      }
      this.duties = List.copyOf(d);
      this.dutyPointers = duties.stream().map(Obligation::pointer).toArray(String[]::new);
    }

    /** Applies, its constraints hold, and none of its duties is violated. */
    boolean grants(Request r, long now, long elapsed) {
      return applies(r) && Node.permits(test(r, now, elapsed), r) && !dutyViolated(r);
    }

    /** Allocation-free: most requests report no violated duty, and most rules have one duty. */
    boolean dutyViolated(Request r) {
      if (dutyPointers.length == 0 || r.violatedDuties.isEmpty()) {
        return false;
      }
      for (String pointer : dutyPointers) {
        if (r.violatedDuties.containsKey(pointer)) {
          return true;
        }
      }
      return false;
    }

    void explainViolatedDuties(Request r, List<Failure> out) {
      for (Obligation duty : duties) {
        String reason = r.violatedDuties.get(duty.pointer());
        if (reason != null) {
          out.add(
              new Failure(
                  label,
                  duty.pointer(),
                  "duty " + duty.describe() + " fulfilled",
                  reason,
                  "the permission's duty " + duty.describe() + " was violated: " + reason));
        }
      }
    }

    boolean applies(Request r) {
      return actions.contains(r.action) && targetMatches(r) && assigneeMatches(r);
    }

    boolean targetMatches(Request r) {
      return target == null || r.target == null || target.equals(r.target);
    }

    boolean assigneeMatches(Request r) {
      if (assignee == null) {
        return true;
      }
      for (String participant : r.claimArray("participant")) {
        if (assignee.equals(participant)) {
          return true;
        }
      }
      return false;
    }

    int test(Request r, long now, long elapsed) {
      return condition == null ? Node.TRUE : condition.test(r, now, elapsed);
    }
  }
}
