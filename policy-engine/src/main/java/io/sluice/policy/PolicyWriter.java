package io.sluice.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.policy.RightOperand.ListOperand;
import io.sluice.policy.RightOperand.Literal;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/** Writes the model back as JSON, in the forms it was read in (see {@link Forms}). */
final class PolicyWriter {
  private static final JsonNodeFactory JSON = JsonText.NODES;

  private final Forms forms;

  private PolicyWriter(Forms forms) {
    this.forms = forms;
  }

  static ObjectNode write(Policy policy) {
    return new PolicyWriter(policy.forms()).policy(policy);
  }

  private ObjectNode policy(Policy p) {
    ObjectNode o = JSON.objectNode();
    p.contextJson().ifPresent(c -> o.set("@context", JsonText.parseStored(c)));
    o.put("@type", p.typeTerm());
    p.uid().ifPresent(uid -> o.put(uidKey(""), uid));
    many(o, "profile", "", p.profiles(), (v, ptr) -> JSON.textNode(v));
    many(o, "inheritFrom", "", p.inheritFrom(), (v, ptr) -> JSON.textNode(v));
    p.conflictTerm().ifPresent(c -> o.set("conflict", term(c, "/conflict")));
    single(o, "assigner", "", p.assigner().orElse(null), this::party);
    single(o, "assignee", "", p.assignee().orElse(null), this::party);
    single(o, "target", "", p.target().orElse(null), this::asset);
    many(o, "permission", "", p.permissions(), this::rule);
    many(o, "prohibition", "", p.prohibitions(), this::rule);
    many(o, "obligation", "", p.obligations(), this::rule);
    annotations(o, p.annotations());
    return o;
  }

  private String uidKey(String pointer) {
    return forms.has(pointer, Forms.AT_ID) ? "@id" : "uid";
  }

  private JsonNode term(String term, String pointer) {
    if (forms.has(pointer, Forms.REF)) {
      ObjectNode ref = JSON.objectNode();
      ref.put("@id", term);
      return ref;
    }
    return JSON.textNode(term);
  }

  private <T> void many(
      ObjectNode parent,
      String key,
      String parentPointer,
      List<T> values,
      BiFunction<T, String, JsonNode> write) {
    String pointer = parentPointer + "/" + Forms.token(key);
    if (values.isEmpty()) {
      if (forms.has(pointer, Forms.EMPTY)) {
        parent.set(key, JSON.arrayNode());
      }
      return;
    }
    if (values.size() == 1 && forms.has(pointer, Forms.ONE)) {
      parent.set(key, write.apply(values.get(0), pointer));
      return;
    }
    ArrayNode array = JSON.arrayNode();
    for (int i = 0; i < values.size(); i++) {
      array.add(write.apply(values.get(i), pointer + "/" + i));
    }
    parent.set(key, array);
  }

  private <T> void single(
      ObjectNode parent,
      String key,
      String parentPointer,
      T value,
      BiFunction<T, String, JsonNode> write) {
    if (value == null) {
      return;
    }
    String pointer = parentPointer + "/" + Forms.token(key);
    if (forms.has(pointer, Forms.ARRAY)) {
      ArrayNode array = JSON.arrayNode();
      array.add(write.apply(value, pointer + "/0"));
      parent.set(key, array);
    } else {
      parent.set(key, write.apply(value, pointer));
    }
  }

  private static void annotations(ObjectNode o, Map<String, String> annotations) {
    for (Map.Entry<String, String> a : annotations.entrySet()) {
      o.set(a.getKey(), JsonText.parseStored(a.getValue()));
    }
  }

  private JsonNode party(Party party, String pointer) {
    if (party.plain() && !forms.has(pointer, Forms.OBJECT)) {
      return JSON.textNode(party.uid());
    }
    ObjectNode o = JSON.objectNode();
    many(o, "@type", pointer, party.types(), (v, p) -> JSON.textNode(v));
    if (party.uid() != null) {
      o.put(uidKey(pointer), party.uid());
    }
    if (party.source() != null) {
      o.put("source", party.source());
    }
    many(o, "refinement", pointer, party.refinements(), this::constraint);
    annotations(o, party.annotations());
    return o;
  }

  private JsonNode asset(Asset asset, String pointer) {
    if (asset.plain() && !forms.has(pointer, Forms.OBJECT)) {
      return JSON.textNode(asset.uid());
    }
    ObjectNode o = JSON.objectNode();
    many(o, "@type", pointer, asset.types(), (v, p) -> JSON.textNode(v));
    if (asset.uid() != null) {
      o.put(uidKey(pointer), asset.uid());
    }
    if (asset.source() != null) {
      o.put("source", asset.source());
    }
    if (asset.partOf() != null) {
      o.put("partOf", asset.partOf());
    }
    annotations(o, asset.annotations());
    return o;
  }

  private JsonNode rule(Rule rule, String pointer) {
    ObjectNode o = JSON.objectNode();
    if (rule.uid() != null) {
      o.put(uidKey(pointer), rule.uid());
    }
    single(o, "action", pointer, rule.action(), this::action);
    single(o, "target", pointer, rule.target(), this::asset);
    single(o, "assigner", pointer, rule.assigner(), this::party);
    single(o, "assignee", pointer, rule.assignee(), this::party);
    for (Map.Entry<String, Party> f : rule.functions().entrySet()) {
      single(o, f.getKey(), pointer, f.getValue(), this::party);
    }
    many(o, "constraint", pointer, rule.constraints(), this::constraint);
    many(o, "duty", pointer, rule.duties(), this::rule);
    many(o, "consequence", pointer, rule.consequences(), this::rule);
    many(o, "remedy", pointer, rule.remedies(), this::rule);
    return o;
  }

  private JsonNode action(Action action, String pointer) {
    if (action.refinements().isEmpty() && !forms.has(pointer, Forms.VALUE)) {
      return term(action.name(), pointer);
    }
    ObjectNode o = JSON.objectNode();
    ObjectNode value = JSON.objectNode();
    value.put("@id", action.name());
    o.set("rdf:value", value);
    many(o, "refinement", pointer, action.refinements(), this::constraint);
    return o;
  }

  private JsonNode constraint(Constraint constraint, String pointer) {
    ObjectNode o = JSON.objectNode();
    if (constraint.uid() != null) {
      o.put(uidKey(pointer), constraint.uid());
    }
    if (constraint instanceof LogicalConstraint logical) {
      String key = logical.operator().term();
      String property = pointer + "/" + key;
      if (forms.has(property, Forms.LIST)) {
        ObjectNode list = JSON.objectNode();
        many(list, "@list", property, logical.constraints(), this::constraint);
        o.set(key, list);
      } else {
        many(o, key, pointer, logical.constraints(), this::constraint);
      }
      return o;
    }
    AtomicConstraint atomic = (AtomicConstraint) constraint;
    o.set("leftOperand", term(atomic.leftOperand(), pointer + "/leftOperand"));
    o.set("operator", term(atomic.operator(), pointer + "/operator"));
    o.set("rightOperand", rightOperand(atomic.rightOperand()));
    if (atomic.dataType() != null) {
      o.set("dataType", term(atomic.dataType(), pointer + "/dataType"));
    }
    if (atomic.unit() != null) {
      o.set("unit", term(atomic.unit(), pointer + "/unit"));
    }
    return o;
  }

  static JsonNode rightOperand(RightOperand right) {
    if (right instanceof ListOperand list) {
      ArrayNode array = JSON.arrayNode();
      for (Literal l : list.values()) {
        array.add(literal(l));
      }
      return array;
    }
    return literal((Literal) right);
  }

  private static JsonNode literal(Literal l) {
    return switch (l.form()) {
      case STRING -> JSON.textNode(l.lexical());
      case NUMBER -> number(l.lexical());
      case IRI -> {
        ObjectNode o = JSON.objectNode();
        o.put("@id", l.lexical());
        yield o;
      }
      case TYPED_STRING, TYPED_NUMBER -> {
        ObjectNode o = JSON.objectNode();
        o.set(
            "@value",
            l.form() == RightOperand.Form.TYPED_NUMBER
                ? number(l.lexical())
                : JSON.textNode(l.lexical()));
        o.put("@type", l.type());
        yield o;
      }
    };
  }

  private static JsonNode number(String lexical) {
    boolean integral =
        lexical.indexOf('.') < 0 && lexical.indexOf('e') < 0 && lexical.indexOf('E') < 0;
    return integral
        ? JSON.numberNode(new BigInteger(lexical))
        : JSON.numberNode(new BigDecimal(lexical));
  }
}
