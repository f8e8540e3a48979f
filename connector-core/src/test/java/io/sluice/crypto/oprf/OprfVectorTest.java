package io.sluice.crypto.oprf;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.crypto.TestVectors;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 9497 appendix A.3.1 (P256-SHA256, mode 0) through the public client and server API. */
class OprfVectorTest {

  private static JsonNode p256Mode0() {
    JsonNode doc = TestVectors.json("oprf/rfc9497-vectors.json");
    List<JsonNode> matches = new ArrayList<>();
    for (JsonNode suite : doc.get("suites")) {
      if (suite.get("identifier").asText().equals("P256-SHA256")
          && suite.get("mode").asInt() == 0) {
        matches.add(suite);
      }
    }
    assertThat(matches).hasSize(1);
    return matches.get(0);
  }

  @Test
  void deriveKeyPairMatchesRfc9497() {
    JsonNode suite = p256Mode0();
    OprfPrivateKey key =
        OprfPrivateKey.derive(
            OprfSuite.P256_SHA256,
            TestVectors.hex(suite.get("seed").asText()),
            TestVectors.hex(suite.get("keyInfo").asText()));
    assertThat(key.exportSecretScalar()).isEqualTo(TestVectors.hex(suite.get("skSm").asText()));
  }

  @Test
  void groupDstMatchesRfc9497() {
    assertThat(OprfSuite.P256_SHA256.hashToGroupDst())
        .isEqualTo(TestVectors.hex(p256Mode0().get("groupDST").asText()));
  }

  @Test
  void blindEvaluateFinalizeAndEvaluateMatchRfc9497() {
    JsonNode suite = p256Mode0();
    OprfPrivateKey key =
        OprfPrivateKey.fromBytes(
            OprfSuite.P256_SHA256, TestVectors.hex(suite.get("skSm").asText()));
    OprfServer server = new OprfServer(key);
    JsonNode vectors = suite.get("vectors");
    assertThat(vectors.size()).isEqualTo(2);
    for (JsonNode v : vectors) {
      assertThat(v.get("Batch").asInt()).isEqualTo(1);
      BigInteger blind = new BigInteger(1, TestVectors.hex(v.get("Blind").asText()));
      OprfClient client = new OprfClient(OprfSuite.P256_SHA256, () -> blind);
      byte[] input = TestVectors.hex(v.get("Input").asText());

      OprfClient.Blinded blinded = client.blind(input);
      assertThat(blinded.blindedElement())
          .isEqualTo(TestVectors.hex(v.get("BlindedElement").asText()));

      byte[] evaluated = server.blindEvaluate(blinded.blindedElement());
      assertThat(evaluated).isEqualTo(TestVectors.hex(v.get("EvaluationElement").asText()));

      byte[] expectedOutput = TestVectors.hex(v.get("Output").asText());
      assertThat(client.finalizeOutput(blinded, evaluated)).isEqualTo(expectedOutput);
      assertThat(server.evaluate(input)).isEqualTo(expectedOutput);
    }
  }

  @Test
  void batchApisMatchRfc9497() {
    JsonNode suite = p256Mode0();
    OprfServer server =
        new OprfServer(
            OprfPrivateKey.fromBytes(
                OprfSuite.P256_SHA256, TestVectors.hex(suite.get("skSm").asText())));
    List<byte[]> inputs = new ArrayList<>();
    List<byte[]> blindedExpected = new ArrayList<>();
    List<byte[]> evaluatedExpected = new ArrayList<>();
    List<byte[]> outputs = new ArrayList<>();
    BigInteger blind = null;
    for (JsonNode v : suite.get("vectors")) {
      inputs.add(TestVectors.hex(v.get("Input").asText()));
      blindedExpected.add(TestVectors.hex(v.get("BlindedElement").asText()));
      evaluatedExpected.add(TestVectors.hex(v.get("EvaluationElement").asText()));
      outputs.add(TestVectors.hex(v.get("Output").asText()));
      blind = new BigInteger(1, TestVectors.hex(v.get("Blind").asText()));
    }
    BigInteger fixedBlind = blind;
    OprfClient client = new OprfClient(OprfSuite.P256_SHA256, () -> fixedBlind);

    List<OprfClient.Blinded> blinded = client.blindAll(inputs);
    List<byte[]> blindedElements =
        blinded.stream().map(OprfClient.Blinded::blindedElement).toList();
    assertThat(blindedElements).containsExactlyElementsOf(blindedExpected);
    List<byte[]> evaluated = server.blindEvaluateAll(blindedElements);
    assertThat(evaluated).containsExactlyElementsOf(evaluatedExpected);
    assertThat(client.finalizeAll(blinded, evaluated)).containsExactlyElementsOf(outputs);
    assertThat(server.evaluateAll(inputs)).containsExactlyElementsOf(outputs);
  }
}
