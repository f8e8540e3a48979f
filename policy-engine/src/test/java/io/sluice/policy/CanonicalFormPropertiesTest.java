package io.sluice.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class CanonicalFormPropertiesTest {

  @Provide
  Arbitrary<Policy> policies() {
    return PolicyGenerators.policy();
  }

  @Property(tries = 300)
  void canonicalFormIsIdempotent(@ForAll("policies") Policy policy) {
    byte[] canonical = PolicyCodec.canonicalBytes(policy);
    Policy reparsed =
        PolicyCodec.parse(new String(canonical, java.nio.charset.StandardCharsets.UTF_8));
    assertThat(PolicyCodec.canonicalBytes(reparsed)).isEqualTo(canonical);
  }

  @Property(tries = 300)
  void canonicalFormIgnoresKeyOrder(@ForAll("policies") Policy policy, @ForAll long seed)
      throws Exception {
    JsonNode shuffled = shuffle(JsonText.read(PolicyCodec.toJson(policy)), new Random(seed));
    Policy reordered = PolicyCodec.parse(JsonText.write(shuffled));
    assertThat(PolicyCodec.canonicalBytes(reordered)).isEqualTo(PolicyCodec.canonicalBytes(policy));
  }

  @Property(tries = 300)
  void parsedDocumentWritesBackToTheSameTree(@ForAll("policies") Policy policy, @ForAll long seed)
      throws Exception {
    JsonNode document = shuffle(JsonText.read(PolicyCodec.toJson(policy)), new Random(seed));
    Policy parsed = PolicyCodec.parse(JsonText.write(document));
    assertThat(JsonText.read(PolicyCodec.toJson(parsed))).isEqualTo(document);
    assertThat(parsed).isEqualTo(policy);
  }

  @Property(tries = 200)
  void canonicalFormHasNoWhitespaceAndSortedKeys(@ForAll("policies") Policy policy)
      throws Exception {
    String canonical = PolicyCodec.canonicalJson(policy);
    assertThat(canonical).doesNotContain("\n").doesNotContain(": ").doesNotContain(", ");
    assertKeysSorted(JsonText.read(canonical));
  }

  private static void assertKeysSorted(JsonNode node) {
    if (node.isObject()) {
      List<String> keys = new ArrayList<>();
      node.fieldNames().forEachRemaining(keys::add);
      assertThat(keys).isSorted();
    }
    node.forEach(CanonicalFormPropertiesTest::assertKeysSorted);
  }

  /** A copy with every object's keys in a random order. */
  static JsonNode shuffle(JsonNode node, Random random) {
    if (node.isObject()) {
      List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
      node.fields().forEachRemaining(fields::add);
      Collections.shuffle(fields, random);
      ObjectNode o = JsonText.NODES.objectNode();
      for (Map.Entry<String, JsonNode> f : fields) {
        o.set(f.getKey(), shuffle(f.getValue(), random));
      }
      return o;
    }
    if (node.isArray()) {
      ArrayNode a = JsonText.NODES.arrayNode();
      node.forEach(n -> a.add(shuffle(n, random)));
      return a;
    }
    return node;
  }
}
