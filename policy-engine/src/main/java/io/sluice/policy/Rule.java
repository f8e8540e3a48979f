package io.sluice.policy;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A permission, prohibition or duty. Target, assigner and assignee are null when the rule takes
 * them from its policy (ODRL's compact form).
 *
 * @param kind permission, prohibition or duty
 * @param uid the rule's uid, or null
 * @param action the action
 * @param target the rule's own target, or null
 * @param assigner the rule's own assigner, or null
 * @param assignee the rule's own assignee, or null
 * @param functions other party functions of the ODRL common vocabulary (e.g. {@code
 *     informedParty}), by term
 * @param constraints the rule's constraints (all must hold)
 * @param duties for a permission: the duties that come with it
 * @param consequences for a duty: what follows when it is not fulfilled
 * @param remedies for a prohibition: what must be done when it is violated
 */
public record Rule(
    RuleKind kind,
    String uid,
    Action action,
    Asset target,
    Party assigner,
    Party assignee,
    Map<String, Party> functions,
    List<Constraint> constraints,
    List<Rule> duties,
    List<Rule> consequences,
    List<Rule> remedies) {

  public Rule {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(action, "action");
    functions = JsonText.orderedCopy(functions);
    constraints = List.copyOf(constraints);
    duties = List.copyOf(duties);
    consequences = List.copyOf(consequences);
    remedies = List.copyOf(remedies);
  }

  public static Rule permission(String action) {
    return of(RuleKind.PERMISSION, action);
  }

  public static Rule prohibition(String action) {
    return of(RuleKind.PROHIBITION, action);
  }

  public static Rule duty(String action) {
    return of(RuleKind.DUTY, action);
  }

  private static Rule of(RuleKind kind, String action) {
    return new Rule(
        kind,
        null,
        Action.of(action),
        null,
        null,
        null,
        Map.of(),
        List.of(),
        List.of(),
        List.of(),
        List.of());
  }

  public Rule withUid(String newUid) {
    return new Rule(
        kind,
        newUid,
        action,
        target,
        assigner,
        assignee,
        functions,
        constraints,
        duties,
        consequences,
        remedies);
  }

  public Rule withAction(Action newAction) {
    return new Rule(
        kind,
        uid,
        newAction,
        target,
        assigner,
        assignee,
        functions,
        constraints,
        duties,
        consequences,
        remedies);
  }

  public Rule withTarget(Asset newTarget) {
    return new Rule(
        kind,
        uid,
        action,
        newTarget,
        assigner,
        assignee,
        functions,
        constraints,
        duties,
        consequences,
        remedies);
  }

  public Rule withAssigner(Party newAssigner) {
    return new Rule(
        kind,
        uid,
        action,
        target,
        newAssigner,
        assignee,
        functions,
        constraints,
        duties,
        consequences,
        remedies);
  }

  public Rule withAssignee(Party newAssignee) {
    return new Rule(
        kind,
        uid,
        action,
        target,
        assigner,
        newAssignee,
        functions,
        constraints,
        duties,
        consequences,
        remedies);
  }

  public Rule withFunctions(Map<String, Party> newFunctions) {
    return new Rule(
        kind,
        uid,
        action,
        target,
        assigner,
        assignee,
        newFunctions,
        constraints,
        duties,
        consequences,
        remedies);
  }

  public Rule withConstraints(List<? extends Constraint> newConstraints) {
    return new Rule(
        kind,
        uid,
        action,
        target,
        assigner,
        assignee,
        functions,
        List.copyOf(newConstraints),
        duties,
        consequences,
        remedies);
  }

  public Rule withConstraints(Constraint... newConstraints) {
    return withConstraints(List.of(newConstraints));
  }

  public Rule withDuties(List<Rule> newDuties) {
    return new Rule(
        kind,
        uid,
        action,
        target,
        assigner,
        assignee,
        functions,
        constraints,
        newDuties,
        consequences,
        remedies);
  }

  public Rule withConsequences(List<Rule> newConsequences) {
    return new Rule(
        kind,
        uid,
        action,
        target,
        assigner,
        assignee,
        functions,
        constraints,
        duties,
        newConsequences,
        remedies);
  }

  public Rule withRemedies(List<Rule> newRemedies) {
    return new Rule(
        kind,
        uid,
        action,
        target,
        assigner,
        assignee,
        functions,
        constraints,
        duties,
        consequences,
        newRemedies);
  }
}
