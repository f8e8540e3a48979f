package io.sluice.crypto.h2c;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.crypto.TestVectors;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.bouncycastle.math.ec.ECPoint;
import org.junit.jupiter.api.Test;

class P256HashToCurveTest {
  private static final String FILE = "hash-to-curve/P256_XMD_SHA-256_SSWU_RO_.json";

  @Test
  void matchesRfc9380SuiteVectors() {
    JsonNode doc = TestVectors.json(FILE);
    assertThat(doc.get("ciphersuite").asText()).isEqualTo(P256HashToCurve.SUITE_ID);
    byte[] dst = doc.get("dst").asText().getBytes(StandardCharsets.US_ASCII);
    JsonNode vectors = doc.get("vectors");
    assertThat(vectors.size()).isEqualTo(5);
    for (JsonNode v : vectors) {
      byte[] msg = v.get("msg").asText().getBytes(StandardCharsets.US_ASCII);
      String label = "msg=" + v.get("msg").asText();

      BigInteger[] u = P256HashToCurve.hashToField(msg, dst, 2);
      assertThat(u[0]).as(label).isEqualTo(TestVectors.bigHex(v.get("u").get(0).asText()));
      assertThat(u[1]).as(label).isEqualTo(TestVectors.bigHex(v.get("u").get(1).asText()));

      assertPoint(P256HashToCurve.mapToCurve(u[0]), v.get("Q0"), label + " Q0");
      assertPoint(P256HashToCurve.mapToCurve(u[1]), v.get("Q1"), label + " Q1");
      assertPoint(P256HashToCurve.hashToCurve(msg, dst), v.get("P"), label + " P");
    }
  }

  @Test
  void fieldReductionAgreesWithBigIntegerOnRandomAndEdgeInputs() {
    SecureRandom random = new SecureRandom();
    P256Field f = new P256Field();
    byte[] allOnes = new byte[48];
    java.util.Arrays.fill(allOnes, (byte) 0xff);
    check(f, allOnes);
    check(f, new byte[48]);
    byte[] pPadded = new byte[48];
    byte[] p = P256Field.P.toByteArray(); // 33 bytes with a leading zero
    System.arraycopy(p, 1, pPadded, 16, 32);
    check(f, pPadded);
    for (int i = 0; i < 2000; i++) {
      byte[] b = new byte[48];
      random.nextBytes(b);
      check(f, b);
    }
  }

  private static void check(P256Field f, byte[] b) {
    BigInteger expected = new BigInteger(1, b).mod(P256Field.P);
    assertThat(P256Field.toBigInteger(f.reduce48(b, 0))).isEqualTo(expected);
  }

  @Test
  void differentDstGivesDifferentPoint() {
    byte[] msg = "row-17".getBytes(StandardCharsets.US_ASCII);
    ECPoint a = P256HashToCurve.hashToCurve(msg, "DST-A").normalize();
    ECPoint b = P256HashToCurve.hashToCurve(msg, "DST-B").normalize();
    assertThat(a.isValid()).isTrue();
    assertThat(a).isNotEqualTo(b);
  }

  private static void assertPoint(ECPoint actual, JsonNode expected, String label) {
    ECPoint n = actual.normalize();
    assertThat(n.getAffineXCoord().toBigInteger())
        .as(label + " x")
        .isEqualTo(TestVectors.bigHex(expected.get("x").asText()));
    assertThat(n.getAffineYCoord().toBigInteger())
        .as(label + " y")
        .isEqualTo(TestVectors.bigHex(expected.get("y").asText()));
  }
}
