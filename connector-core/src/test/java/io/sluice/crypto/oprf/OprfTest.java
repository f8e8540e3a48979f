package io.sluice.crypto.oprf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.util.encoders.Hex;
import org.junit.jupiter.api.Test;

class OprfTest {
  private static final OprfSuite<?> SUITE = OprfSuite.P256_SHA256;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final OprfPrivateKey key = OprfPrivateKey.generate(SUITE, RANDOM);
  private final OprfServer server = new OprfServer(key);
  private final OprfClient client = new OprfClient(SUITE, RANDOM);

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void assertCode(Runnable r, ErrorCode code) {
    assertThatThrownBy(r::run)
        .isInstanceOfSatisfying(SluiceException.class, e -> assertThat(e.code()).isEqualTo(code));
  }

  @Test
  void blindEvaluateFinalizeEqualsServerEvaluateForEveryRow() {
    List<byte[]> inputs = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      inputs.add(utf8("patient-" + i));
    }
    inputs.add(new byte[0]);
    List<OprfClient.Blinded> blinded = client.blindAll(inputs);
    List<byte[]> evaluated =
        server.blindEvaluateAll(blinded.stream().map(OprfClient.Blinded::blindedElement).toList());
    List<byte[]> outputs = client.finalizeAll(blinded, evaluated);
    List<byte[]> direct = server.evaluateAll(inputs);
    assertThat(outputs).hasSize(inputs.size());
    for (int i = 0; i < inputs.size(); i++) {
      assertThat(outputs.get(i)).hasSize(SUITE.outputLength()).isEqualTo(direct.get(i));
      assertThat(server.evaluate(inputs.get(i))).isEqualTo(direct.get(i));
    }
    assertThat(direct.get(0)).isNotEqualTo(direct.get(1));
  }

  @Test
  void blindingTheSameInputTwiceGivesUnlinkableElements() {
    byte[] input = utf8("same");
    OprfClient.Blinded a = client.blind(input);
    OprfClient.Blinded b = client.blind(input);
    assertThat(a.blindedElement()).isNotEqualTo(b.blindedElement());
    assertThat(client.finalizeOutput(a, server.blindEvaluate(a.blindedElement())))
        .isEqualTo(client.finalizeOutput(b, server.blindEvaluate(b.blindedElement())));
  }

  @Test
  void differentKeysGiveDifferentOutputs() {
    OprfServer other = new OprfServer(OprfPrivateKey.generate(SUITE, RANDOM));
    assertThat(other.evaluate(utf8("x"))).isNotEqualTo(server.evaluate(utf8("x")));
  }

  @Test
  void flippingAnyBitOfTheBlindedElementIsRejectedOrChangesTheOutput() {
    byte[] input = utf8("row-42");
    byte[] expected = server.evaluate(input);
    OprfClient.Blinded blinded = client.blind(input);
    byte[] element = blinded.blindedElement();
    int rejected = 0;
    for (int bit = 0; bit < element.length * 8; bit++) {
      byte[] mutated = element.clone();
      mutated[bit / 8] ^= (byte) (1 << (bit % 8));
      try {
        byte[] evaluated = server.blindEvaluate(mutated);
        assertThat(client.finalizeOutput(blinded, evaluated))
            .as("bit %d", bit)
            .isNotEqualTo(expected);
      } catch (SluiceException e) {
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_POINT);
        rejected++;
      }
    }
    assertThat(rejected).isGreaterThanOrEqualTo(7);
  }

  @Test
  void flippingAnyBitOfTheEvaluatedElementIsRejectedOrChangesTheOutput() {
    byte[] input = utf8("row-43");
    byte[] expected = server.evaluate(input);
    OprfClient.Blinded blinded = client.blind(input);
    byte[] evaluated = server.blindEvaluate(blinded.blindedElement());
    assertThat(client.finalizeOutput(blinded, evaluated)).isEqualTo(expected);
    for (int bit = 0; bit < evaluated.length * 8; bit++) {
      byte[] mutated = evaluated.clone();
      mutated[bit / 8] ^= (byte) (1 << (bit % 8));
      try {
        assertThat(client.finalizeOutput(blinded, mutated))
            .as("bit %d", bit)
            .isNotEqualTo(expected);
      } catch (SluiceException e) {
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_POINT);
      }
    }
  }

  @Test
  void serverRejectsWrongLengthsIdentityAndOffCurvePoints() {
    byte[] good = client.blind(utf8("a")).blindedElement();
    assertCode(() -> server.blindEvaluate(new byte[0]), ErrorCode.INVALID_POINT);
    assertCode(() -> server.blindEvaluate(Arrays.copyOf(good, 32)), ErrorCode.INVALID_POINT);
    assertCode(() -> server.blindEvaluate(Arrays.copyOf(good, 34)), ErrorCode.INVALID_POINT);
    assertCode(() -> server.blindEvaluate(new byte[] {0x00}), ErrorCode.INVALID_POINT);
    assertCode(() -> server.blindEvaluate(new byte[33]), ErrorCode.INVALID_POINT);
    // x = 1: 1 - 3 + b has no square root mod p on P-256 (checked by the group test too).
    byte[] offCurve = new byte[33];
    offCurve[0] = 0x02;
    offCurve[32] = 0x01;
    assertCode(() -> server.blindEvaluate(offCurve), ErrorCode.INVALID_POINT);
    // One bad element fails the whole batch: no partial evaluation leaks out.
    assertCode(() -> server.blindEvaluateAll(List.of(good, new byte[33])), ErrorCode.INVALID_POINT);
  }

  @Test
  void clientRejectsWrongLengthsIdentityAndCountMismatch() {
    OprfClient.Blinded blinded = client.blind(utf8("b"));
    byte[] evaluated = server.blindEvaluate(blinded.blindedElement());
    assertCode(() -> client.finalizeOutput(blinded, new byte[33]), ErrorCode.INVALID_POINT);
    assertCode(
        () -> client.finalizeOutput(blinded, Arrays.copyOf(evaluated, 65)),
        ErrorCode.INVALID_POINT);
    assertCode(
        () -> client.finalizeAll(List.of(blinded), List.of(evaluated, evaluated)),
        ErrorCode.MALFORMED_MESSAGE);
    List<byte[]> withNull = new ArrayList<>();
    withNull.add(null);
    assertCode(() -> client.finalizeAll(List.of(blinded), withNull), ErrorCode.MALFORMED_MESSAGE);
  }

  @Test
  void keyImportIsStrict() {
    assertCode(() -> OprfPrivateKey.fromBytes(SUITE, new byte[31]), ErrorCode.MALFORMED_MESSAGE);
    assertCode(() -> OprfPrivateKey.fromBytes(SUITE, new byte[32]), ErrorCode.MALFORMED_MESSAGE);
    byte[] n = org.bouncycastle.util.BigIntegers.asUnsignedByteArray(32, SUITE.group().order());
    assertCode(() -> OprfPrivateKey.fromBytes(SUITE, n), ErrorCode.MALFORMED_MESSAGE);
    OprfPrivateKey imported = OprfPrivateKey.fromBytes(SUITE, key.exportSecretScalar());
    assertThat(new OprfServer(imported).evaluate(utf8("z"))).isEqualTo(server.evaluate(utf8("z")));
    assertThat(imported.publicKey()).isEqualTo(key.publicKey()).hasSize(33);
  }

  @Test
  void deriveKeyPairRequiresAFullSeed() {
    assertCode(
        () -> OprfPrivateKey.derive(SUITE, new byte[31], new byte[0]), ErrorCode.INVALID_ARGUMENT);
    OprfPrivateKey a = OprfPrivateKey.derive(SUITE, new byte[32], utf8("epoch-1"));
    OprfPrivateKey b = OprfPrivateKey.derive(SUITE, new byte[32], utf8("epoch-2"));
    assertThat(a.exportSecretScalar()).isNotEqualTo(b.exportSecretScalar());
  }

  @Test
  void inputLengthIsBoundedByItsTwoByteEncoding() {
    byte[] max = new byte[0xffff];
    assertThat(server.evaluate(max)).hasSize(32);
    byte[] tooLong = new byte[0x10000];
    assertCode(() -> server.evaluate(tooLong), ErrorCode.INVALID_ARGUMENT);
    assertCode(() -> client.blind(tooLong), ErrorCode.INVALID_ARGUMENT);
  }

  @Test
  void secretsDoNotAppearInStringsOrErrors() {
    String skHex = Hex.toHexString(key.exportSecretScalar());
    assertThat(key.toString()).doesNotContain(skHex);
    byte[] input = utf8("secret-identifier-0042");
    OprfClient.Blinded blinded = client.blind(input);
    assertThat(blinded.toString()).doesNotContain("secret-identifier").doesNotContain(skHex);
    assertThat(blinded.toString()).doesNotContain(blinded.blind().toString(16));
    byte[] bad = new byte[33];
    assertThatThrownBy(() -> client.finalizeOutput(blinded, bad))
        .isInstanceOf(SluiceException.class)
        .message()
        .doesNotContain("secret-identifier")
        .doesNotContain(blinded.blind().toString(16));
  }

  @Test
  void blindedValuesFromAnotherSuiteInstanceAreRefused() {
    // Only one suite exists today; a forged Blinded with a foreign suite reference must not pass.
    OprfClient.Blinded foreign =
        new OprfClient.Blinded(null, new byte[0], BigInteger.ONE, new byte[33]);
    assertThatThrownBy(() -> client.finalizeOutput(foreign, new byte[33]))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
