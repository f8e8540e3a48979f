package io.sluice.policy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The one configured Jackson mapper and small JSON helpers. */
final class JsonText {
  /** Rejects duplicate keys (the last one would silently win) and keeps decimals exact. */
  static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .disable(JsonParser.Feature.ALLOW_COMMENTS)
          .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
          .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
          .build();

  /** Makes JSON trees; keeps decimals exactly as written ({@code 1.0} stays {@code 1.0}). */
  static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);

  private JsonText() {}

  static JsonNode read(String json) throws JsonProcessingException {
    return MAPPER.readTree(json);
  }

  /** Compact JSON text of a node; the model stores free-form JSON (contexts, annotations) so. */
  static String write(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a JSON tree", e);
    }
  }

  static JsonNode parseStored(String text) {
    try {
      return MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("stored JSON text is not JSON", e);
    }
  }

  /** An unmodifiable copy that keeps insertion order (so a policy serializes as it was read). */
  static <V> Map<String, V> orderedCopy(Map<String, V> map) {
    if (map == null || map.isEmpty()) {
      return Map.of();
    }
    return Collections.unmodifiableMap(new LinkedHashMap<>(map));
  }
}
