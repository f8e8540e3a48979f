package io.sluice.policy;

import java.util.List;
import java.util.Map;

/**
 * A rule as it applies: policy-level target and parties filled in, action normalized, and every
 * constraint that must hold for it (its own, its action's refinements and its assignee collection's
 * refinements) as one conjunction of clauses.
 *
 * @param kind permission, prohibition or duty
 * @param uid the rule's uid, or null
 * @param pointer where the rule is in the document
 * @param action normalized action, e.g. {@code use}
 * @param target the target (own or the policy's), or null
 * @param assigner the assigner (own or the policy's), or null
 * @param assignee the assignee (own or the policy's), or null
 * @param assigneePointer where the assignee is written, or null
 * @param functions other party functions (e.g. {@code informedParty})
 * @param constraints all clauses that must hold (a conjunction)
 * @param duties a permission's duties
 * @param consequences a duty's consequences
 * @param remedies a prohibition's remedies
 */
public record EffectiveRule(
    RuleKind kind,
    String uid,
    String pointer,
    String action,
    Asset target,
    Party assigner,
    Party assignee,
    String assigneePointer,
    Map<String, Party> functions,
    List<Clause> constraints,
    List<EffectiveRule> duties,
    List<EffectiveRule> consequences,
    List<EffectiveRule> remedies) {

  public EffectiveRule {
    functions = JsonText.orderedCopy(functions);
    constraints = List.copyOf(constraints);
    duties = List.copyOf(duties);
    consequences = List.copyOf(consequences);
    remedies = List.copyOf(remedies);
  }

  /** The rule's uid, or its pointer when it has none: what a person reads in a reason. */
  public String label() {
    return uid != null ? uid : pointer;
  }

  /** The target's uid, or null when the rule has no target or a target without uid. */
  public String targetUid() {
    return target == null ? null : target.uid();
  }
}
