package io.sluice.policy;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The canonical form: one byte string for all documents that mean the same, used for hashing and
 * signing. It is itself a valid policy document. Rules:
 *
 * <ul>
 *   <li>keys sorted (by UTF-16 code units), no whitespace, UTF-8, numbers in plain notation;
 *   <li>policy-level target, assigner and assignee copied into every top-level rule;
 *   <li>terms compact ({@code odrl:use} is {@code use}), {@code uid} not {@code @id}, every
 *       multi-valued property an array;
 *   <li>an action's refinements and an assignee collection's refinements moved into the rule's
 *       {@code constraint} list (Sluice reads them all as one conjunction);
 *   <li>values normalized by type: integers as numbers ({@code lt 5} is {@code lteq 4}), decimals
 *       by their double value, date-times in UTC ({@code 2027-12-31T23:59:59Z}), days with their
 *       offset ({@code 2017-12-31Z}), durations in one spelling ({@code PT720H} is {@code P30D},
 *       {@code P12M} is {@code P1Y}), sets sorted without duplicates; {@code dataType} dropped (the
 *       value's {@code @type} says it);
 *   <li>rules, constraints and the operands of and/or/xone sorted by their canonical text;
 *       duplicates dropped except in xone; andSequence keeps its order;
 *   <li>{@code conflict} omitted when it is {@code prohibit}, the default; {@code Policy} is {@code
 *       Set}.
 * </ul>
 */
final class CanonicalForm {
  private static final JsonNodeFactory JSON = JsonText.NODES;
  private static final ObjectWriter WRITER =
      JsonText.MAPPER.writer().with(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN);

  private CanonicalForm() {}

  static byte[] bytes(Policy policy) {
    return text(tree(policy)).getBytes(StandardCharsets.UTF_8);
  }

  static ObjectNode tree(Policy policy) {
    EffectivePolicy e = policy.effective();
    ObjectNode o = JSON.objectNode();
    policy
        .contextJson()
        .ifPresent(
            c -> {
              JsonNode context = JsonText.parseStored(c);
              if (!context.isArray()) {
                ArrayNode array = JSON.arrayNode();
                array.add(context);
                context = array;
              }
              o.set("@context", context);
            });
    o.put("@type", e.type().term());
    if (e.uid() != null) {
      o.put("uid", e.uid());
    }
    strings(o, "profile", policy.profiles());
    strings(o, "inheritFrom", policy.inheritFrom());
    if (e.conflict() != ConflictStrategy.PROHIBIT) {
      o.put("conflict", e.conflict().term());
    }
    rules(o, "permission", e.permissions());
    rules(o, "prohibition", e.prohibitions());
    rules(o, "obligation", e.obligations());
    for (Map.Entry<String, String> a : policy.annotations().entrySet()) {
      o.set(a.getKey(), JsonText.parseStored(a.getValue()));
    }
    return sorted(o);
  }

  private static void strings(ObjectNode o, String key, List<String> values) {
    if (!values.isEmpty()) {
      ArrayNode array = JSON.arrayNode();
      new TreeSet<>(values).forEach(array::add);
      o.set(key, array);
    }
  }

  private static void rules(ObjectNode o, String key, List<EffectiveRule> rules) {
    if (rules.isEmpty()) {
      return;
    }
    List<JsonNode> nodes = new ArrayList<>();
    for (EffectiveRule r : rules) {
      nodes.add(rule(r));
    }
    o.set(key, sortedArray(nodes, true));
  }

  static ObjectNode rule(EffectiveRule r) {
    ObjectNode o = JSON.objectNode();
    if (r.uid() != null) {
      o.put("uid", r.uid());
    }
    o.put("action", r.action());
    if (r.target() != null) {
      o.set("target", asset(r.target()));
    }
    if (r.assigner() != null) {
      o.set("assigner", party(r.assigner()));
    }
    if (r.assignee() != null) {
      o.set("assignee", party(r.assignee()));
    }
    for (Map.Entry<String, Party> f : r.functions().entrySet()) {
      o.set(f.getKey(), party(f.getValue()));
    }
    if (!r.constraints().isEmpty()) {
      List<JsonNode> constraints = new ArrayList<>();
      for (Clause c : r.constraints()) {
        constraints.add(clause(c));
      }
      o.set("constraint", sortedArray(constraints, true));
    }
    rules(o, "duty", r.duties());
    rules(o, "consequence", r.consequences());
    rules(o, "remedy", r.remedies());
    return sorted(o);
  }

  private static JsonNode party(Party p) {
    if (p.uid() != null && p.types().isEmpty() && p.source() == null && p.annotations().isEmpty()) {
      return JSON.textNode(p.uid());
    }
    ObjectNode o = JSON.objectNode();
    if (!p.types().isEmpty()) {
      ArrayNode types = JSON.arrayNode();
      new TreeSet<>(p.types()).forEach(types::add);
      o.set("@type", types);
    }
    if (p.uid() != null) {
      o.put("uid", p.uid());
    }
    if (p.source() != null) {
      o.put("source", p.source());
    }
    for (Map.Entry<String, String> a : p.annotations().entrySet()) {
      o.set(a.getKey(), JsonText.parseStored(a.getValue()));
    }
    return sorted(o);
  }

  private static JsonNode asset(Asset a) {
    if (a.plain()) {
      return JSON.textNode(a.uid());
    }
    ObjectNode o = JSON.objectNode();
    if (!a.types().isEmpty()) {
      ArrayNode types = JSON.arrayNode();
      new TreeSet<>(a.types()).forEach(types::add);
      o.set("@type", types);
    }
    if (a.uid() != null) {
      o.put("uid", a.uid());
    }
    if (a.source() != null) {
      o.put("source", a.source());
    }
    if (a.partOf() != null) {
      o.put("partOf", a.partOf());
    }
    for (Map.Entry<String, String> e : a.annotations().entrySet()) {
      o.set(e.getKey(), JsonText.parseStored(e.getValue()));
    }
    return sorted(o);
  }

  static JsonNode clause(Clause clause) {
    return clause(clause, true);
  }

  /** The canonical text of a clause without uids: equal for constraints that mean the same. */
  static String meaning(Clause clause) {
    return text(clause(clause, false));
  }

  private static JsonNode clause(Clause clause, boolean uids) {
    ObjectNode o = JSON.objectNode();
    if (uids && clause.uid() != null) {
      o.put("uid", clause.uid());
    }
    if (clause instanceof Clause.Test test) {
      Condition c = test.condition();
      o.put("leftOperand", c.operand().term());
      o.put("operator", c.operator().term());
      o.set("rightOperand", PolicyWriter.rightOperand(c.right()));
      return sorted(o);
    }
    Clause.Logic logic = (Clause.Logic) clause;
    List<JsonNode> operands = new ArrayList<>();
    for (Clause c : logic.operands()) {
      operands.add(clause(c, uids));
    }
    ArrayNode array;
    if (logic.operator() == LogicalOperator.AND_SEQUENCE) {
      array = JSON.arrayNode();
      operands.forEach(array::add);
    } else {
      array = sortedArray(operands, logic.operator() != LogicalOperator.XONE);
    }
    o.set(logic.operator().term(), array);
    return sorted(o);
  }

  private static ArrayNode sortedArray(List<JsonNode> nodes, boolean distinct) {
    List<String> texts = new ArrayList<>();
    TreeMap<String, JsonNode> byText = new TreeMap<>();
    for (JsonNode n : nodes) {
      String t = text(n);
      texts.add(t);
      byText.put(t, n);
    }
    ArrayNode array = JSON.arrayNode();
    if (distinct) {
      byText.values().forEach(array::add);
    } else {
      texts.sort(null);
      for (String t : texts) {
        array.add(byText.get(t));
      }
    }
    return array;
  }

  /** A copy of the tree with every object's keys in sorted order. */
  static JsonNode sortedDeep(JsonNode node) {
    if (node.isObject()) {
      ObjectNode o = JSON.objectNode();
      TreeMap<String, JsonNode> fields = new TreeMap<>();
      node.fields().forEachRemaining(f -> fields.put(f.getKey(), sortedDeep(f.getValue())));
      o.setAll(fields);
      return o;
    }
    if (node.isArray()) {
      ArrayNode a = JSON.arrayNode();
      node.forEach(n -> a.add(sortedDeep(n)));
      return a;
    }
    return node;
  }

  private static ObjectNode sorted(ObjectNode o) {
    return (ObjectNode) sortedDeep(o);
  }

  static String text(JsonNode node) {
    try {
      return WRITER.writeValueAsString(sortedDeep(node));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write canonical JSON", e);
    }
  }
}
