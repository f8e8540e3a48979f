package io.sluice.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.policy.RightOperand.Form;
import io.sluice.policy.RightOperand.ListOperand;
import io.sluice.policy.RightOperand.Literal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * Reads the JSON shape of a policy into the model, recording how each thing was written (see {@link
 * Forms}) and every shape problem; {@link PolicyValidator} then checks the meaning.
 */
final class PolicyReader {
  private static final Set<String> POLICY_KEYS =
      Set.of(
          "@context",
          "@type",
          "uid",
          "@id",
          "profile",
          "inheritFrom",
          "conflict",
          "target",
          "assigner",
          "assignee",
          "permission",
          "prohibition",
          "obligation");

  private final List<PolicyProblem> problems = new ArrayList<>();
  private final Forms.Recorder forms = new Forms.Recorder();

  private PolicyReader() {}

  static Policy read(String json) {
    JsonNode root;
    try {
      root = JsonText.read(json);
    } catch (JsonProcessingException e) {
      String where =
          e.getLocation() == null
              ? ""
              : " (line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr()
                  + ")";
      throw new PolicyValidationException(
          List.of(new PolicyProblem("", "not valid JSON: " + e.getOriginalMessage() + where)));
    }
    PolicyReader reader = new PolicyReader();
    Policy.Builder builder = reader.policy(root);
    if (builder == null) {
      throw new PolicyValidationException(reader.problems);
    }
    Policy policy = builder.buildUnchecked(reader.forms.build());
    List<PolicyProblem> all = new ArrayList<>(reader.problems);
    all.addAll(PolicyValidator.validate(policy));
    if (!all.isEmpty()) {
      throw new PolicyValidationException(all);
    }
    return policy;
  }

  private void problem(String pointer, String message) {
    problems.add(new PolicyProblem(pointer, message));
  }

  private static String at(String pointer, String key) {
    return pointer + "/" + Forms.token(key);
  }

  private static boolean isAnnotation(String key) {
    int colon = key.indexOf(':');
    return colon > 0
        && !key.startsWith("@")
        && !key.startsWith("odrl:")
        && !key.startsWith("sluice:");
  }

  private void unknownKey(String pointer, String key, String where) {
    String local = Terms.odrlLocalName(key);
    String hint =
        local.equals(key)
            ? ""
            : "; write the compact form '" + local + "' (with the ODRL @context)";
    if (key.equals("rightOperandReference")) {
      hint = "; Sluice needs the value itself in rightOperand";
    }
    problem(at(pointer, key), "unknown property '" + key + "' in " + where + hint);
  }

  // ---- policy ----

  private Policy.Builder policy(JsonNode root) {
    if (!root.isObject()) {
      problem("", "a policy is a JSON object");
      return null;
    }
    Policy.Builder b = Policy.builder();
    Iterator<Map.Entry<String, JsonNode>> fields = root.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> f = fields.next();
      String key = f.getKey();
      if (!POLICY_KEYS.contains(key)) {
        if (isAnnotation(key)) {
          b.annotation(key, JsonText.write(f.getValue()));
        } else {
          unknownKey("", key, "a policy");
        }
      }
    }
    if (root.has("@context")) {
      b.contextJson(JsonText.write(root.get("@context")));
    }
    if (root.has("@type")) {
      String type = text(root.get("@type"), "/@type", "@type");
      if (type != null) {
        b.typeTerm(type);
      }
    } else {
      problem("", "missing @type: Set, Offer or Agreement");
    }
    b.uid(uid(root, ""));
    if (root.has("profile")) {
      for (String profile : many(root.get("profile"), "/profile", this::iri)) {
        b.profile(profile);
      }
    }
    if (root.has("inheritFrom")) {
      for (String parent : many(root.get("inheritFrom"), "/inheritFrom", this::iri)) {
        b.inheritFrom(parent);
      }
    }
    if (root.has("conflict")) {
      b.conflictTerm(term(root.get("conflict"), "/conflict", "conflict"));
    }
    if (root.has("target")) {
      b.target(single(root.get("target"), "/target", "target", this::asset));
    }
    if (root.has("assigner")) {
      b.assigner(single(root.get("assigner"), "/assigner", "assigner", this::party));
    }
    if (root.has("assignee")) {
      b.assignee(single(root.get("assignee"), "/assignee", "assignee", this::party));
    }
    if (root.has("permission")) {
      b.permissions(
          many(root.get("permission"), "/permission", (n, p) -> rule(n, p, RuleKind.PERMISSION)));
    }
    if (root.has("prohibition")) {
      b.prohibitions(
          many(
              root.get("prohibition"), "/prohibition", (n, p) -> rule(n, p, RuleKind.PROHIBITION)));
    }
    if (root.has("obligation")) {
      b.obligations(
          many(root.get("obligation"), "/obligation", (n, p) -> rule(n, p, RuleKind.DUTY)));
    }
    return b;
  }

  private String uid(JsonNode object, String pointer) {
    JsonNode uid = object.get("uid");
    JsonNode id = object.get("@id");
    if (uid != null && id != null) {
      problem(pointer + "/@id", "give uid or @id, not both");
      return null;
    }
    if (id != null) {
      forms.add(pointer, Forms.AT_ID);
      return text(id, pointer + "/@id", "@id");
    }
    return uid == null ? null : text(uid, pointer + "/uid", "uid");
  }

  /** A multi-valued property: an array, or one value written alone. */
  private <T> List<T> many(JsonNode node, String pointer, BiFunction<JsonNode, String, T> read) {
    List<T> out = new ArrayList<>();
    if (node.isArray()) {
      if (node.isEmpty()) {
        forms.add(pointer, Forms.EMPTY);
      }
      for (int i = 0; i < node.size(); i++) {
        T value = read.apply(node.get(i), pointer + "/" + i);
        if (value != null) {
          out.add(value);
        }
      }
    } else {
      forms.add(pointer, Forms.ONE);
      T value = read.apply(node, pointer);
      if (value != null) {
        out.add(value);
      }
    }
    return out;
  }

  /** A single-valued property, possibly written as a one-element array. */
  private <T> T single(
      JsonNode node, String pointer, String what, BiFunction<JsonNode, String, T> read) {
    if (node.isArray()) {
      if (node.size() != 1) {
        problem(pointer, "exactly one " + what + " is supported, found " + node.size());
        return null;
      }
      forms.add(pointer, Forms.ARRAY);
      return read.apply(node.get(0), pointer + "/0");
    }
    return read.apply(node, pointer);
  }

  private String text(JsonNode node, String pointer, String what) {
    if (node.isTextual()) {
      return node.asText();
    }
    problem(pointer, what + " must be a string");
    return null;
  }

  private String iri(JsonNode node, String pointer) {
    return text(node, pointer, "this value");
  }

  /** A vocabulary term: a string, or {@code {"@id": term}}. */
  private String term(JsonNode node, String pointer, String what) {
    if (node.isObject() && node.size() == 1 && node.has("@id") && node.get("@id").isTextual()) {
      forms.add(pointer, Forms.REF);
      return node.get("@id").asText();
    }
    if (node.isTextual()) {
      return node.asText();
    }
    problem(pointer, what + " must be a term (a string or {\"@id\": term})");
    return null;
  }

  // ---- parties and assets ----

  private Party party(JsonNode node, String pointer) {
    if (node.isTextual()) {
      return Party.of(node.asText());
    }
    if (!node.isObject()) {
      problem(pointer, "a party is an IRI or an object");
      return null;
    }
    List<String> types = List.of();
    String source = null;
    List<Constraint> refinements = List.of();
    Map<String, String> annotations = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> f = fields.next();
      String key = f.getKey();
      String p = at(pointer, key);
      switch (key) {
        case "uid", "@id" -> {}
        case "@type" -> types = many(f.getValue(), p, this::iri);
        case "source" -> source = text(f.getValue(), p, "source");
        case "refinement" -> refinements = many(f.getValue(), p, this::constraint);
        default -> {
          if (isAnnotation(key)) {
            annotations.put(key, JsonText.write(f.getValue()));
          } else {
            unknownKey(pointer, key, "a party");
          }
        }
      }
    }
    Party party = new Party(uid(node, pointer), types, source, refinements, annotations);
    if (party.plain()) {
      forms.add(pointer, Forms.OBJECT);
    }
    return party;
  }

  private Asset asset(JsonNode node, String pointer) {
    if (node.isTextual()) {
      return Asset.of(node.asText());
    }
    if (!node.isObject()) {
      problem(pointer, "a target is an IRI or an object");
      return null;
    }
    List<String> types = List.of();
    String source = null;
    String partOf = null;
    Map<String, String> annotations = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> f = fields.next();
      String key = f.getKey();
      String p = at(pointer, key);
      switch (key) {
        case "uid", "@id" -> {}
        case "@type" -> types = many(f.getValue(), p, this::iri);
        case "source" -> source = text(f.getValue(), p, "source");
        case "partOf" -> partOf = text(f.getValue(), p, "partOf");
        case "refinement" ->
            problem(
                p,
                "refinements of a target are not supported: Sluice cannot evaluate asset"
                    + " attributes; constrain the rule instead");
        default -> {
          if (isAnnotation(key)) {
            annotations.put(key, JsonText.write(f.getValue()));
          } else {
            unknownKey(pointer, key, "a target");
          }
        }
      }
    }
    Asset asset = new Asset(uid(node, pointer), types, source, partOf, annotations);
    if (asset.plain()) {
      forms.add(pointer, Forms.OBJECT);
    }
    return asset;
  }

  // ---- rules ----

  private Rule placeholderRule(RuleKind kind) {
    return new Rule(
        kind,
        null,
        Action.of(PolicyValidator.PLACEHOLDER),
        null,
        null,
        null,
        Map.of(),
        List.of(),
        List.of(),
        List.of(),
        List.of());
  }

  private Rule rule(JsonNode node, String pointer, RuleKind kind) {
    if (!node.isObject()) {
      problem(pointer, "a rule is a JSON object");
      return placeholderRule(kind);
    }
    int before = problems.size();
    Action action = null;
    Asset target = null;
    Party assigner = null;
    Party assignee = null;
    Map<String, Party> functions = new LinkedHashMap<>();
    List<Constraint> constraints = List.of();
    List<Rule> duties = List.of();
    List<Rule> consequences = List.of();
    List<Rule> remedies = List.of();
    Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> f = fields.next();
      String key = f.getKey();
      String p = at(pointer, key);
      JsonNode v = f.getValue();
      switch (key) {
        case "uid", "@id" -> {}
        case "action" -> action = single(v, p, "action", this::action);
        case "target" -> target = single(v, p, "target", this::asset);
        case "assigner" -> assigner = single(v, p, "assigner", this::party);
        case "assignee" -> assignee = single(v, p, "assignee", this::party);
        case "constraint" -> constraints = many(v, p, this::constraint);
        case "duty" -> duties = many(v, p, (n, q) -> rule(n, q, RuleKind.DUTY));
        case "consequence" -> consequences = many(v, p, (n, q) -> rule(n, q, RuleKind.DUTY));
        case "remedy" -> remedies = many(v, p, (n, q) -> rule(n, q, RuleKind.DUTY));
        default -> {
          if (PolicyValidator.PARTY_FUNCTIONS.contains(key)) {
            Party party = single(v, p, key, this::party);
            if (party != null) {
              functions.put(key, party);
            }
          } else {
            unknownKey(pointer, key, "a rule");
          }
        }
      }
    }
    String uid = uid(node, pointer);
    if (action == null && problems.size() == before) {
      problem(pointer, "a rule needs an action");
    }
    if (action == null) {
      return placeholderRule(kind);
    }
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
        remedies);
  }

  private Action action(JsonNode node, String pointer) {
    if (node.isTextual()) {
      return Action.of(node.asText());
    }
    if (node.isObject() && node.has("rdf:value")) {
      String name = null;
      List<Constraint> refinements = List.of();
      Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> f = fields.next();
        String p = at(pointer, f.getKey());
        switch (f.getKey()) {
          case "rdf:value" -> {
            JsonNode v = f.getValue();
            if (v.isObject() && v.size() == 1 && v.path("@id").isTextual()) {
              name = v.get("@id").asText();
            } else {
              problem(p, "rdf:value must be {\"@id\": action}");
            }
          }
          case "refinement" -> refinements = many(f.getValue(), p, this::constraint);
          default -> unknownKey(pointer, f.getKey(), "an action");
        }
      }
      if (name == null) {
        return null;
      }
      if (!node.has("refinement")) {
        forms.add(pointer, Forms.VALUE);
      }
      return new Action(name, refinements);
    }
    String name = term(node, pointer, "action");
    return name == null ? null : Action.of(name);
  }

  // ---- constraints ----

  private static AtomicConstraint placeholderConstraint() {
    return AtomicConstraint.of(
        PolicyValidator.PLACEHOLDER, PolicyValidator.PLACEHOLDER, RightOperand.string(""));
  }

  private Constraint constraint(JsonNode node, String pointer) {
    if (!node.isObject()) {
      problem(pointer, "a constraint is a JSON object");
      return placeholderConstraint();
    }
    List<String> logical = new ArrayList<>();
    for (LogicalOperator op : LogicalOperator.values()) {
      if (node.has(op.term())) {
        logical.add(op.term());
      }
    }
    if (logical.size() > 1) {
      problem(pointer, "a logical constraint has one operator, found " + logical);
      return placeholderConstraint();
    }
    if (logical.size() == 1) {
      return logicalConstraint(
          node, pointer, LogicalOperator.fromKey(logical.get(0)).orElseThrow());
    }
    if (node.size() == 1 && node.has("@id")) {
      problem(
          pointer, "constraints referenced by @id are not supported: write the constraint inline");
      return placeholderConstraint();
    }
    int before = problems.size();
    String left = null;
    String operator = null;
    RightOperand right = null;
    String dataType = null;
    String unit = null;
    Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> f = fields.next();
      String p = at(pointer, f.getKey());
      switch (f.getKey()) {
        case "uid", "@id" -> {}
        case "leftOperand" -> left = term(f.getValue(), p, "leftOperand");
        case "operator" -> operator = term(f.getValue(), p, "operator");
        case "rightOperand" -> right = rightOperand(f.getValue(), p);
        case "dataType" -> dataType = term(f.getValue(), p, "dataType");
        case "unit" -> unit = term(f.getValue(), p, "unit");
        default -> unknownKey(pointer, f.getKey(), "a constraint");
      }
    }
    String uid = uid(node, pointer);
    for (String[] required :
        new String[][] {
          {"leftOperand", left}, {"operator", operator}, {"rightOperand", right == null ? null : ""}
        }) {
      if (required[1] == null && !node.has(required[0])) {
        problem(pointer, "a constraint needs " + required[0]);
      }
    }
    if (problems.size() != before || left == null || operator == null || right == null) {
      return placeholderConstraint();
    }
    return new AtomicConstraint(uid, left, operator, right, dataType, unit);
  }

  private Constraint logicalConstraint(JsonNode node, String pointer, LogicalOperator op) {
    int before = problems.size();
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String key = names.next();
      if (!key.equals(op.term()) && !key.equals("uid") && !key.equals("@id")) {
        unknownKey(pointer, key, "a logical constraint");
      }
    }
    String uid = uid(node, pointer);
    String property = at(pointer, op.term());
    JsonNode operands = node.get(op.term());
    String base = property;
    if (operands.isObject() && operands.has("@list")) {
      if (operands.size() != 1) {
        problem(property, "{\"@list\": [...]} takes nothing else");
      }
      forms.add(property, Forms.LIST);
      operands = operands.get("@list");
      base = property + "/@list";
    }
    List<Constraint> constraints = many(operands, base, this::constraint);
    if (problems.size() != before) {
      return placeholderConstraint();
    }
    return new LogicalConstraint(uid, op, constraints);
  }

  private RightOperand rightOperand(JsonNode node, String pointer) {
    if (node.isArray()) {
      List<Literal> values = new ArrayList<>();
      for (int i = 0; i < node.size(); i++) {
        Literal l = literal(node.get(i), pointer + "/" + i);
        if (l != null) {
          values.add(l);
        }
      }
      return values.size() == node.size() ? new ListOperand(values) : null;
    }
    return literal(node, pointer);
  }

  private Literal literal(JsonNode node, String pointer) {
    if (node.isTextual()) {
      return new Literal(node.asText(), Form.STRING, null);
    }
    if (node.isNumber()) {
      return new Literal(numberText(node), Form.NUMBER, null);
    }
    if (node.isObject()) {
      if (node.size() == 1 && node.path("@id").isTextual()) {
        return new Literal(node.get("@id").asText(), Form.IRI, null);
      }
      JsonNode value = node.get("@value");
      JsonNode type = node.get("@type");
      if (value != null && type != null && type.isTextual() && node.size() == 2) {
        if (value.isTextual()) {
          return new Literal(value.asText(), Form.TYPED_STRING, type.asText());
        }
        if (value.isNumber()) {
          return new Literal(numberText(value), Form.TYPED_NUMBER, type.asText());
        }
      }
      problem(
          pointer,
          "a typed value is {\"@value\": ..., \"@type\": \"xsd:...\"} and an IRI is {\"@id\":"
              + " ...}");
      return null;
    }
    problem(pointer, "a right operand is a string, a number, a typed value or a list of them");
    return null;
  }

  private static String numberText(JsonNode node) {
    return node.isIntegralNumber()
        ? node.bigIntegerValue().toString()
        : node.decimalValue().toString();
  }
}
