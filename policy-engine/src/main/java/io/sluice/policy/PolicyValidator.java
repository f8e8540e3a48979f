package io.sluice.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a policy's meaning (every problem, each with its JSON pointer) and, when it is valid,
 * builds its {@link EffectivePolicy}. The reader checks the JSON shape; this checks the rest, so a
 * policy built in code gets the same checks as a parsed one.
 */
final class PolicyValidator {
  /** Stands in for an element the reader could not read (its problem is already reported). */
  static final String PLACEHOLDER = "\u0000unreadable";

  static final Set<String> PARTY_FUNCTIONS =
      Set.of(
          "attributedParty",
          "consentingParty",
          "informedParty",
          "compensatedParty",
          "trackingParty",
          "contractingParty");

  private final Policy policy;
  private final Forms forms;
  private final List<PolicyProblem> problems = new ArrayList<>();

  private PolicyValidator(Policy policy) {
    this.policy = policy;
    this.forms = policy.forms();
  }

  static List<PolicyProblem> validate(Policy policy) {
    PolicyValidator v = new PolicyValidator(policy);
    v.walk();
    return v.problems;
  }

  static EffectivePolicy effective(Policy policy) {
    PolicyValidator v = new PolicyValidator(policy);
    EffectivePolicy effective = v.walk();
    if (!v.problems.isEmpty()) {
      throw new PolicyValidationException(v.problems);
    }
    return effective;
  }

  private enum Scope {
    RULE,
    DUTY
  }

  private EffectivePolicy walk() {
    PolicyType type = PolicyType.resolve(policy.typeTerm()).orElse(null);
    if (type == null) {
      problems.add(
          new PolicyProblem(
              "/@type",
              "unknown policy type '" + policy.typeTerm() + "'; use Set, Offer or Agreement"));
    }
    ConflictStrategy conflict = ConflictStrategy.PROHIBIT;
    if (policy.conflictTerm().isPresent()) {
      conflict = ConflictStrategy.resolve(policy.conflictTerm().get()).orElse(null);
      if (conflict == null) {
        problems.add(
            new PolicyProblem(
                "/conflict",
                "unknown conflict strategy '"
                    + policy.conflictTerm().get()
                    + "'; use perm, prohibit or invalid"));
      }
    }
    String uid = policy.uid().orElse(null);
    if (uid != null && uid.isBlank()) {
      problems.add(new PolicyProblem(uidPointer(""), "uid is empty"));
    }
    if ((type == PolicyType.OFFER || type == PolicyType.AGREEMENT) && uid == null) {
      problems.add(new PolicyProblem("", "an " + type.term() + " needs a uid (ODRL requires one)"));
    }
    if (policy.permissions().isEmpty()
        && policy.prohibitions().isEmpty()
        && policy.obligations().isEmpty()) {
      problems.add(
          new PolicyProblem(
              "", "a policy needs at least one permission, prohibition or obligation"));
    }
    party(policy.assigner().orElse(null), elementOf("/assigner"));
    List<Clause> assigneeRefinements =
        party(policy.assignee().orElse(null), elementOf("/assignee"));
    asset(policy.target().orElse(null), elementOf("/target"));

    Inherited inherited =
        new Inherited(
            policy.target().orElse(null),
            policy.assigner().orElse(null),
            policy.assignee().orElse(null),
            policy.assignee().isPresent() ? elementOf("/assignee") : null,
            assigneeRefinements);
    List<EffectiveRule> permissions =
        rules(policy.permissions(), "/permission", RuleKind.PERMISSION, inherited);
    List<EffectiveRule> prohibitions =
        rules(policy.prohibitions(), "/prohibition", RuleKind.PROHIBITION, inherited);
    List<EffectiveRule> obligations =
        rules(policy.obligations(), "/obligation", RuleKind.DUTY, inherited);
    if (type == PolicyType.OFFER || type == PolicyType.AGREEMENT) {
      for (List<EffectiveRule> list : List.of(permissions, prohibitions, obligations)) {
        for (EffectiveRule rule : list) {
          if (rule.assigner() == null) {
            problems.add(
                new PolicyProblem(
                    rule.pointer(),
                    "an "
                        + type.term()
                        + " needs an assigner: give one for the policy or for this rule"));
          }
          if (type == PolicyType.AGREEMENT && rule.assignee() == null) {
            problems.add(
                new PolicyProblem(
                    rule.pointer(),
                    "an Agreement needs an assignee: give one for the policy or for this rule"));
          }
        }
      }
    }
    if (!problems.isEmpty()) {
      return null;
    }
    return new EffectivePolicy(type, conflict, uid, permissions, prohibitions, obligations);
  }

  private String uidPointer(String objectPointer) {
    return objectPointer + (forms.has(objectPointer, Forms.AT_ID) ? "/@id" : "/uid");
  }

  private String elementOf(String property) {
    return forms.single(property);
  }

  private record Inherited(
      Asset target,
      Party assigner,
      Party assignee,
      String assigneePointer,
      List<Clause> assigneeRefinements) {}

  private List<EffectiveRule> rules(
      List<Rule> rules, String property, RuleKind kind, Inherited inherited) {
    List<EffectiveRule> out = new ArrayList<>();
    for (int i = 0; i < rules.size(); i++) {
      EffectiveRule rule = rule(rules.get(i), forms.element(property, i), kind, inherited, false);
      if (rule != null) {
        out.add(rule);
      }
    }
    return out;
  }

  private EffectiveRule rule(
      Rule rule, String pointer, RuleKind kind, Inherited inherited, boolean consequenceOrRemedy) {
    if (PLACEHOLDER.equals(rule.action().name())) {
      return null;
    }
    int before = problems.size();
    if (rule.kind() != kind) {
      problems.add(
          new PolicyProblem(
              pointer,
              "a " + rule.kind().name().toLowerCase() + " where a " + name(kind) + " belongs"));
    }
    if (rule.uid() != null && rule.uid().isBlank()) {
      problems.add(new PolicyProblem(uidPointer(pointer), "uid is empty"));
    }
    String actionPointer = forms.single(pointer + "/action");
    String action = Vocabulary.action(rule.action().name()).orElse(null);
    if (action == null) {
      problems.add(
          new PolicyProblem(
              actionPointer,
              "unknown action '"
                  + rule.action().name()
                  + "'; use an ODRL 2.2 action (e.g. use, read, delete, inform) or "
                  + Vocabulary.COMPUTE
                  + ", "
                  + Vocabulary.ADD_NOISE));
    }
    Scope scope = kind == RuleKind.DUTY ? Scope.DUTY : Scope.RULE;
    List<Clause> clauses = new ArrayList<>();
    clauses.addAll(clauses(rule.constraints(), pointer + "/constraint", scope, action));
    clauses.addAll(
        clauses(rule.action().refinements(), actionPointer + "/refinement", scope, action));

    asset(rule.target(), elementOf(pointer + "/target"));
    party(rule.assigner(), elementOf(pointer + "/assigner"));
    List<Clause> ownAssigneeRefinements = party(rule.assignee(), elementOf(pointer + "/assignee"));
    for (Map.Entry<String, Party> function : rule.functions().entrySet()) {
      String p = elementOf(pointer + "/" + Forms.token(function.getKey()));
      if (!PARTY_FUNCTIONS.contains(function.getKey())) {
        problems.add(new PolicyProblem(p, "unknown party function '" + function.getKey() + "'"));
      }
      party(function.getValue(), p);
    }

    boolean topLevel = inherited != null;
    Asset target = rule.target() != null || !topLevel ? rule.target() : inherited.target();
    Party assigner = rule.assigner() != null || !topLevel ? rule.assigner() : inherited.assigner();
    Party assignee;
    String assigneePointer;
    if (rule.assignee() != null || !topLevel) {
      assignee = rule.assignee();
      assigneePointer = rule.assignee() == null ? null : elementOf(pointer + "/assignee");
      clauses.addAll(ownAssigneeRefinements);
    } else {
      assignee = inherited.assignee();
      assigneePointer = inherited.assigneePointer();
      clauses.addAll(inherited.assigneeRefinements());
    }

    List<EffectiveRule> duties = new ArrayList<>();
    List<EffectiveRule> consequences = new ArrayList<>();
    List<EffectiveRule> remedies = new ArrayList<>();
    nested(rule.duties(), pointer + "/duty", kind == RuleKind.PERMISSION, "duty", duties, false);
    nested(
        rule.consequences(),
        pointer + "/consequence",
        kind == RuleKind.DUTY && !consequenceOrRemedy,
        "consequence",
        consequences,
        true);
    nested(
        rule.remedies(),
        pointer + "/remedy",
        kind == RuleKind.PROHIBITION,
        "remedy",
        remedies,
        true);
    if (problems.size() != before) {
      return null;
    }
    return new EffectiveRule(
        kind,
        rule.uid(),
        pointer,
        action,
        target,
        assigner,
        assignee,
        assigneePointer,
        rule.functions(),
        clauses,
        duties,
        consequences,
        remedies);
  }

  private void nested(
      List<Rule> rules,
      String property,
      boolean allowed,
      String what,
      List<EffectiveRule> out,
      boolean consequenceOrRemedy) {
    if (rules.isEmpty()) {
      return;
    }
    if (!allowed) {
      problems.add(
          new PolicyProblem(
              property,
              switch (what) {
                case "duty" -> "only a permission has duties (use obligation for the policy)";
                case "consequence" ->
                    "only a duty has consequences, and a consequence or remedy has none";
                default -> "only a prohibition has remedies";
              }));
      return;
    }
    for (int i = 0; i < rules.size(); i++) {
      EffectiveRule r =
          rule(rules.get(i), forms.element(property, i), RuleKind.DUTY, null, consequenceOrRemedy);
      if (r != null) {
        out.add(r);
      }
    }
  }

  private static String name(RuleKind kind) {
    return kind.name().toLowerCase();
  }

  private void asset(Asset asset, String pointer) {
    if (asset == null) {
      return;
    }
    if (asset.uid() == null && asset.source() == null) {
      problems.add(
          new PolicyProblem(pointer, "an asset needs a uid (or a source for a collection)"));
    }
  }

  /** Checks a party and returns its refinements as clauses (PartyCollections only). */
  private List<Clause> party(Party party, String pointer) {
    if (party == null) {
      return List.of();
    }
    if (party.uid() == null && party.source() == null) {
      problems.add(
          new PolicyProblem(pointer, "a party needs a uid (or a source for a collection)"));
    }
    if (party.refinements().isEmpty()) {
      return List.of();
    }
    boolean collection = false;
    for (String type : party.types()) {
      collection |= Terms.odrlLocalName(type).equals("PartyCollection");
    }
    if (!collection) {
      problems.add(
          new PolicyProblem(
              pointer + "/refinement", "only a PartyCollection can be refined; add its @type"));
      return List.of();
    }
    return clauses(party.refinements(), pointer + "/refinement", Scope.RULE, null);
  }

  private List<Clause> clauses(
      List<Constraint> constraints, String property, Scope scope, String action) {
    List<Clause> out = new ArrayList<>();
    for (int i = 0; i < constraints.size(); i++) {
      Clause c = clause(constraints.get(i), forms.element(property, i), scope, action);
      if (c != null) {
        out.add(c);
      }
    }
    return out;
  }

  private Clause clause(Constraint constraint, String pointer, Scope scope, String action) {
    if (constraint.uid() != null && constraint.uid().isBlank()) {
      problems.add(new PolicyProblem(uidPointer(pointer), "uid is empty"));
    }
    if (constraint instanceof AtomicConstraint atomic) {
      if (PLACEHOLDER.equals(atomic.leftOperand())) {
        return null;
      }
      Condition condition = Conditions.interpret(atomic, pointer, problems);
      if (condition == null) {
        return null;
      }
      OperandKind kind = condition.operand().kind();
      String at = pointer + "/leftOperand";
      if (scope == Scope.RULE && !kind.allowedInRule()) {
        problems.add(
            new PolicyProblem(
                at, kind.term() + " is a term of a delete duty, not a condition of a rule"));
        return null;
      }
      if (scope == Scope.DUTY) {
        if (!kind.allowedInDuty()) {
          problems.add(
              new PolicyProblem(
                  at,
                  kind.term()
                      + " cannot constrain a duty: a duty's constraints are terms the caller"
                      + " fulfils (sluice:retention for delete, sluice:epsilon for sluice:addNoise)"));
          return null;
        }
        if (kind == OperandKind.RETENTION && !"delete".equals(action)) {
          problems.add(new PolicyProblem(at, "sluice:retention belongs to a delete duty"));
          return null;
        }
        if (kind == OperandKind.EPSILON && !Vocabulary.ADD_NOISE.equals(action)) {
          problems.add(
              new PolicyProblem(at, "in a duty, sluice:epsilon belongs to a sluice:addNoise duty"));
          return null;
        }
      }
      return new Clause.Test(condition, atomic.uid(), pointer);
    }
    LogicalConstraint logical = (LogicalConstraint) constraint;
    if (scope == Scope.DUTY) {
      problems.add(
          new PolicyProblem(
              pointer,
              "a duty's terms are plain constraints; logical constraints in a duty are not"
                  + " supported"));
      return null;
    }
    String property = pointer + "/" + logical.operator().term();
    if (logical.constraints().isEmpty()) {
      problems.add(
          new PolicyProblem(
              property,
              "empty logical constraint: " + logical.operator().term() + " needs operands"));
      return null;
    }
    String base = forms.has(property, Forms.LIST) ? property + "/@list" : property;
    List<Clause> operands = new ArrayList<>();
    int before = problems.size();
    for (int i = 0; i < logical.constraints().size(); i++) {
      Clause c = clause(logical.constraints().get(i), forms.element(base, i), scope, action);
      if (c != null) {
        operands.add(c);
      }
    }
    if (problems.size() != before) {
      return null;
    }
    return new Clause.Logic(logical.operator(), operands, logical.uid(), pointer);
  }
}
