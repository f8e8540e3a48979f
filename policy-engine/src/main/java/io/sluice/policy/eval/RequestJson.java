package io.sluice.policy.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a request from JSON (the format {@code sluice policy eval} takes; see docs/policy.md):
 *
 * <pre>{@code
 * {
 *   "action": "use",
 *   "target": "urn:sluice:dataset:settled-claims-2025",
 *   "claims": {"participant": "sluice://health/insurer-a", "role": ["commercial-insurer"]},
 *   "purpose": "claims-settlement",
 *   "region": "DE",
 *   "time": "2026-06-01T12:00:00Z",
 *   "agreementStart": "2026-05-01T00:00:00Z",
 *   "useCount": 3,
 *   "computation": {"kind": "psi-label", "inputRows": 250000,
 *                   "outputColumns": ["settled_amount"], "minGroupSize": 1,
 *                   "parties": 2, "epsilon": 0.5,
 *                   "keyColumns": "national_id:upper,visit_date"},
 *   "violatedDuties": [{"duty": "/permission/0/duty/0", "reason": "result kept past 30 days"}]
 * }
 * }</pre>
 *
 * Every field is optional; {@code time} defaults to the clock given to {@link #parse}, {@code
 * action} to {@code use}. Instead of {@code agreementStart} a request may give {@code elapsed} (an
 * ISO 8601 duration without years or months).
 */
public final class RequestJson {
  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();
  private static final Set<String> KEYS =
      Set.of(
          "action",
          "target",
          "claims",
          "purpose",
          "region",
          "time",
          "agreementStart",
          "elapsed",
          "useCount",
          "computation",
          "violatedDuties");
  private static final Set<String> COMPUTATION_KEYS =
      Set.of(
          "kind", "inputRows", "outputColumns", "minGroupSize", "parties", "epsilon", "keyColumns");

  private RequestJson() {}

  /**
   * Reads a request.
   *
   * @param json the request document
   * @param clock the clock to use when the request gives no {@code time}
   * @throws IllegalArgumentException listing every problem, each as {@code /pointer: message}
   */
  public static Request parse(String json, Clock clock) {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("/: not valid JSON: " + e.getOriginalMessage());
    }
    List<String> problems = new ArrayList<>();
    Request.Builder b = Request.builder().clock(clock);
    if (!root.isObject()) {
      throw new IllegalArgumentException("/: a request is a JSON object");
    }
    for (Iterator<String> keys = root.fieldNames(); keys.hasNext(); ) {
      String key = keys.next();
      if (!KEYS.contains(key)) {
        problems.add("/" + key + ": unknown property");
      }
    }
    if (root.has("action")) {
      String action = text(root.get("action"), "/action", problems);
      if (action != null) {
        try {
          b.action(action);
        } catch (IllegalArgumentException e) {
          problems.add("/action: " + e.getMessage());
        }
      }
    }
    b.target(optionalText(root, "target", problems));
    b.purpose(optionalText(root, "purpose", problems));
    b.region(optionalText(root, "region", problems));
    if (root.has("claims")) {
      JsonNode claims = root.get("claims");
      if (!claims.isObject()) {
        problems.add("/claims: an object from claim name to value(s)");
      } else {
        for (Iterator<Map.Entry<String, JsonNode>> f = claims.fields(); f.hasNext(); ) {
          Map.Entry<String, JsonNode> claim = f.next();
          Set<String> values = strings(claim.getValue(), "/claims/" + claim.getKey(), problems);
          if (values != null) {
            b.claim(claim.getKey(), values);
          }
        }
      }
    }
    if (root.has("time")) {
      Instant time = instant(root.get("time"), "/time", problems);
      if (time != null) {
        b.clock(Clock.fixed(time, ZoneOffset.UTC));
      }
    }
    if (root.has("agreementStart")) {
      Instant start = instant(root.get("agreementStart"), "/agreementStart", problems);
      if (start != null) {
        b.agreementStart(start);
      }
    }
    if (root.has("elapsed")) {
      if (root.has("agreementStart")) {
        problems.add("/elapsed: give agreementStart or elapsed, not both");
      }
      String text = text(root.get("elapsed"), "/elapsed", problems);
      if (text != null) {
        try {
          b.elapsed(Duration.parse(text));
        } catch (DateTimeParseException | IllegalArgumentException e) {
          problems.add("/elapsed: expected a duration such as P30D or PT12H");
        }
      }
    }
    if (root.has("useCount")) {
      Long count = integer(root.get("useCount"), "/useCount", problems);
      if (count != null) {
        if (count < 0) {
          problems.add("/useCount: must not be negative");
        } else {
          b.useCount(count);
        }
      }
    }
    if (root.has("computation")) {
      Computation c = computation(root.get("computation"), problems);
      if (c != null) {
        b.computation(c);
      }
    }
    if (root.has("violatedDuties")) {
      violatedDuties(root.get("violatedDuties"), b, problems);
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("\n", problems));
    }
    return b.build();
  }

  private static Computation computation(JsonNode node, List<String> problems) {
    if (!node.isObject()) {
      problems.add("/computation: an object");
      return null;
    }
    for (Iterator<String> keys = node.fieldNames(); keys.hasNext(); ) {
      String key = keys.next();
      if (!COMPUTATION_KEYS.contains(key)) {
        problems.add("/computation/" + key + ": unknown property");
      }
    }
    int before = problems.size();
    String kind = node.has("kind") ? text(node.get("kind"), "/computation/kind", problems) : null;
    if (kind == null) {
      if (!node.has("kind")) {
        problems.add("/computation: needs a kind");
      }
      return null;
    }
    Computation c;
    try {
      c = Computation.of(kind);
    } catch (IllegalArgumentException e) {
      problems.add("/computation/kind: " + e.getMessage());
      return null;
    }
    if (node.has("inputRows")) {
      Long v = integer(node.get("inputRows"), "/computation/inputRows", problems);
      c = v == null ? c : c.withInputRows(v);
    }
    if (node.has("minGroupSize")) {
      Long v = integer(node.get("minGroupSize"), "/computation/minGroupSize", problems);
      c = v == null ? c : c.withMinGroupSize(v);
    }
    if (node.has("parties")) {
      Long v = integer(node.get("parties"), "/computation/parties", problems);
      c = v == null ? c : c.withParties(v);
    }
    if (node.has("epsilon")) {
      JsonNode e = node.get("epsilon");
      if (e.isNumber() && Double.isFinite(e.doubleValue())) {
        c = c.withEpsilon(e.doubleValue());
      } else {
        problems.add("/computation/epsilon: expected a number");
      }
    }
    if (node.has("outputColumns")) {
      JsonNode columns = node.get("outputColumns");
      Set<String> values =
          columns.isArray() ? strings(columns, "/computation/outputColumns", problems) : null;
      if (!columns.isArray()) {
        problems.add("/computation/outputColumns: expected an array of column names");
      }
      c = values == null ? c : c.withOutputColumns(values);
    }
    if (node.has("keyColumns")) {
      c = keyColumns(c, node.get("keyColumns"), problems);
    }
    return problems.size() == before ? c : null;
  }

  private static void violatedDuties(JsonNode node, Request.Builder b, List<String> problems) {
    if (!node.isArray()) {
      problems.add("/violatedDuties: an array of {\"duty\": pointer, \"reason\": text}");
      return;
    }
    for (int i = 0; i < node.size(); i++) {
      String pointer = "/violatedDuties/" + i;
      JsonNode v = node.get(i);
      if (!v.isObject()) {
        problems.add(pointer + ": an object {\"duty\": pointer, \"reason\": text}");
        continue;
      }
      for (Iterator<String> keys = v.fieldNames(); keys.hasNext(); ) {
        String key = keys.next();
        if (!key.equals("duty") && !key.equals("reason")) {
          problems.add(pointer + "/" + key + ": unknown property");
        }
      }
      String duty = required(v, "duty", pointer, problems);
      String reason = required(v, "reason", pointer, problems);
      if (duty != null && reason != null) {
        b.violatedDuty(duty, reason);
      }
    }
  }

  private static String required(
      JsonNode object, String key, String pointer, List<String> problems) {
    if (!object.has(key)) {
      problems.add(pointer + ": needs a " + key);
      return null;
    }
    String value = text(object.get(key), pointer + "/" + key, problems);
    if (value != null && value.isBlank()) {
      problems.add(pointer + "/" + key + ": expected a non-empty string");
      return null;
    }
    return value;
  }

  private static Computation keyColumns(Computation c, JsonNode node, List<String> problems) {
    String key = text(node, "/computation/keyColumns", problems);
    if (key == null) {
      return c;
    }
    try {
      return c.withKeyColumns(key);
    } catch (IllegalArgumentException e) {
      problems.add("/computation/keyColumns: " + e.getMessage());
      return c;
    }
  }

  private static String optionalText(JsonNode root, String key, List<String> problems) {
    return root.has(key) ? text(root.get(key), "/" + key, problems) : null;
  }

  private static String text(JsonNode node, String pointer, List<String> problems) {
    if (node.isTextual() && !node.asText().isEmpty()) {
      return node.asText();
    }
    problems.add(pointer + ": expected a non-empty string");
    return null;
  }

  private static Long integer(JsonNode node, String pointer, List<String> problems) {
    if (node.canConvertToExactIntegral() && node.canConvertToLong()) {
      return node.asLong();
    }
    problems.add(pointer + ": expected an integer");
    return null;
  }

  private static Set<String> strings(JsonNode node, String pointer, List<String> problems) {
    Set<String> values = new LinkedHashSet<>();
    if (node.isTextual()) {
      values.add(node.asText());
      return values;
    }
    if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        String v = text(node.get(i), pointer + "/" + i, problems);
        if (v != null) {
          values.add(v);
        }
      }
      return values;
    }
    problems.add(pointer + ": expected a string or an array of strings");
    return null;
  }

  private static Instant instant(JsonNode node, String pointer, List<String> problems) {
    String text = text(node, pointer, problems);
    if (text == null) {
      return null;
    }
    try {
      return OffsetDateTime.parse(text).toInstant();
    } catch (DateTimeParseException e) {
      problems.add(pointer + ": expected a date-time with time zone, e.g. 2026-06-01T12:00:00Z");
      return null;
    }
  }
}
