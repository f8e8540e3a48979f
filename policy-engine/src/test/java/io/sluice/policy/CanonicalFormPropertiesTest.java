package io.sluice.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.sluice.testing.Property;
import io.sluice.testing.Property.Gen;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CanonicalFormPropertiesTest {

  /** A policy and the seed that reorders or respells its document. */
  record Rewritten(Policy policy, long seed) {
    static Rewritten of(Gen g) {
      return new Rewritten(PolicyGenerators.policy(g), g.anyLong());
    }
  }

  @Test
  void canonicalFormIsIdempotent() {
    Property.forAll(
        300,
        PolicyGenerators::policy,
        policy -> {
          byte[] canonical = PolicyCodec.canonicalBytes(policy);
          Policy reparsed = PolicyCodec.parse(new String(canonical, StandardCharsets.UTF_8));
          assertThat(PolicyCodec.canonicalBytes(reparsed)).isEqualTo(canonical);
        });
  }

  @Test
  void canonicalFormIgnoresKeyOrder() {
    Property.forAll(
        300,
        Rewritten::of,
        c -> {
          JsonNode shuffled =
              shuffle(JsonText.read(PolicyCodec.toJson(c.policy())), new Random(c.seed()));
          Policy reordered = PolicyCodec.parse(JsonText.write(shuffled));
          assertThat(PolicyCodec.canonicalBytes(reordered))
              .isEqualTo(PolicyCodec.canonicalBytes(c.policy()));
        });
  }

  @Test
  void differentlyWrittenEqualJoinKeysGiveEqualBytes() {
    int[] respelled = {0};
    int tries =
        Property.forAll(
            300,
            Rewritten::of,
            c -> {
              String json = PolicyCodec.toJson(c.policy());
              JsonNode respelt = respellKeys(JsonText.read(json), new Random(c.seed()));
              Policy other = PolicyCodec.parse(JsonText.write(respelt));
              assertThat(PolicyCodec.canonicalBytes(other))
                  .isEqualTo(PolicyCodec.canonicalBytes(c.policy()));
              respelled[0] += json.equals(JsonText.write(respelt)) ? 0 : 1;
            });
    Property.assertCoverage("a join key respelled", respelled[0], tries, 10);
  }

  @Test
  void parsedDocumentWritesBackToTheSameTree() {
    Property.forAll(
        300,
        Rewritten::of,
        c -> {
          JsonNode document =
              shuffle(JsonText.read(PolicyCodec.toJson(c.policy())), new Random(c.seed()));
          Policy parsed = PolicyCodec.parse(JsonText.write(document));
          assertThat(JsonText.read(PolicyCodec.toJson(parsed))).isEqualTo(document);
          assertThat(parsed).isEqualTo(c.policy());
        });
  }

  @Test
  void canonicalFormHasNoWhitespaceAndSortedKeys() {
    Property.forAll(
        200,
        PolicyGenerators::policy,
        policy -> {
          String canonical = PolicyCodec.canonicalJson(policy);
          assertThat(canonical).doesNotContain("\n").doesNotContain(": ").doesNotContain(", ");
          assertKeysSorted(JsonText.read(canonical));
        });
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

  /** A copy in which every sluice:keyColumns key is written another way with the same meaning. */
  static JsonNode respellKeys(JsonNode node, Random random) {
    if (node.isObject()) {
      ObjectNode o = JsonText.NODES.objectNode();
      boolean key = node.path("leftOperand").asText().equals("sluice:keyColumns");
      node.fields()
          .forEachRemaining(
              f ->
                  o.set(
                      f.getKey(),
                      key && f.getKey().equals("rightOperand")
                          ? respell(f.getValue(), random)
                          : respellKeys(f.getValue(), random)));
      return o;
    }
    if (node.isArray()) {
      ArrayNode a = JsonText.NODES.arrayNode();
      node.forEach(n -> a.add(respellKeys(n, random)));
      return a;
    }
    return node;
  }

  private static JsonNode respell(JsonNode right, Random random) {
    if (right.isArray()) {
      ArrayNode a = JsonText.NODES.arrayNode();
      right.forEach(n -> a.add(respell(n, random)));
      return a;
    }
    List<String> columns = new ArrayList<>();
    for (KeyColumns.Column c : KeyColumns.parse(right.asText()).columns()) {
      String rule = randomCase(c.caseRule().term(), random);
      boolean writeRule = c.caseRule() != KeyColumns.CaseRule.PRESERVE || random.nextBoolean();
      String space = random.nextBoolean() ? " " : "";
      columns.add(space + c.name() + (writeRule ? space + ":" + space + rule : "") + space);
    }
    return TextNode.valueOf(String.join(",", columns));
  }

  private static String randomCase(String s, Random random) {
    StringBuilder b = new StringBuilder(s.length());
    for (char ch : s.toCharArray()) {
      b.append(random.nextBoolean() ? Character.toUpperCase(ch) : ch);
    }
    return b.toString();
  }
}
