package io.sluice.crypto.h2c;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.crypto.TestVectors;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class Curve25519HashToCurveTest {
  private static final String RO = "hash-to-curve/curve25519_XMD_SHA-512_ELL2_RO_.json";
  private static final String NU = "hash-to-curve/curve25519_XMD_SHA-512_ELL2_NU_.json";
  private static final String EDWARDS_RO = "hash-to-curve/edwards25519_XMD_SHA-512_ELL2_RO_.json";
  private static final BigInteger P = Curve25519HashToCurve.P;

  @Test
  void matchesEveryRoSuiteVector() {
    JsonNode doc = TestVectors.json(RO);
    assertThat(doc.get("ciphersuite").asText()).isEqualTo(Curve25519HashToCurve.RO_SUITE_ID);
    byte[] dst = ascii(doc.get("dst").asText());
    JsonNode vectors = doc.get("vectors");
    assertThat(vectors.size()).isEqualTo(5);
    for (JsonNode v : vectors) {
      byte[] msg = ascii(v.get("msg").asText());
      String label = "msg=" + v.get("msg").asText();

      BigInteger[] u = Curve25519HashToCurve.hashToField(msg, dst, 2);
      assertThat(u[0]).as(label + " u0").isEqualTo(TestVectors.bigHex(v.get("u").get(0).asText()));
      assertThat(u[1]).as(label + " u1").isEqualTo(TestVectors.bigHex(v.get("u").get(1).asText()));

      assertPoint(Curve25519HashToCurve.mapToCurve(u[0]), v.get("Q0"), label + " Q0");
      assertPoint(Curve25519HashToCurve.mapToCurve(u[1]), v.get("Q1"), label + " Q1");
      assertPoint(Curve25519HashToCurve.hashToCurveAffine(msg, dst), v.get("P"), label + " P");
      assertThat(Curve25519HashToCurve.hashToCurve(msg, dst))
          .as(label + " encoded P")
          .isEqualTo(littleEndian(TestVectors.bigHex(v.get("P").get("x").asText())));
    }
  }

  @Test
  void matchesEveryNuSuiteVector() {
    JsonNode doc = TestVectors.json(NU);
    assertThat(doc.get("ciphersuite").asText()).isEqualTo(Curve25519HashToCurve.NU_SUITE_ID);
    byte[] dst = ascii(doc.get("dst").asText());
    JsonNode vectors = doc.get("vectors");
    assertThat(vectors.size()).isEqualTo(5);
    for (JsonNode v : vectors) {
      byte[] msg = ascii(v.get("msg").asText());
      String label = "msg=" + v.get("msg").asText();

      BigInteger[] u = Curve25519HashToCurve.hashToField(msg, dst, 1);
      assertThat(u[0]).as(label + " u").isEqualTo(TestVectors.bigHex(v.get("u").get(0).asText()));
      assertPoint(Curve25519HashToCurve.mapToCurve(u[0]), v.get("Q"), label + " Q");
      assertPoint(Curve25519HashToCurve.encodeToCurveAffine(msg, dst), v.get("P"), label + " P");
      assertThat(Curve25519HashToCurve.encodeToCurve(msg, dst))
          .as(label + " encoded P")
          .isEqualTo(littleEndian(TestVectors.bigHex(v.get("P").get("x").asText())));
    }
  }

  /**
   * The RO computation runs on edwards25519 before it returns to curve25519; with that suite's DST
   * its intermediate point is the edwards25519 suite's output, so these vectors pin the rational
   * map, the Edwards addition and the doublings separately from the final conversion.
   */
  @Test
  void edwardsIntermediateMatchesTheEdwards25519SuiteVectors() {
    JsonNode doc = TestVectors.json(EDWARDS_RO);
    assertThat(doc.get("ciphersuite").asText()).isEqualTo("edwards25519_XMD:SHA-512_ELL2_RO_");
    byte[] dst = ascii(doc.get("dst").asText());
    JsonNode vectors = doc.get("vectors");
    assertThat(vectors.size()).isEqualTo(5);
    for (JsonNode v : vectors) {
      byte[] msg = ascii(v.get("msg").asText());
      String label = "msg=" + v.get("msg").asText();
      BigInteger[] u = Curve25519HashToCurve.hashToField(msg, dst, 2);
      assertPoint(Curve25519HashToCurve.mapToEdwards(u[0]), v.get("Q0"), label + " Q0");
      assertPoint(Curve25519HashToCurve.mapToEdwards(u[1]), v.get("Q1"), label + " Q1");
      assertPoint(Curve25519HashToCurve.hashToEdwardsAffine(msg, dst), v.get("P"), label + " P");
    }
  }

  @Test
  void flippingAnyBitOfTheMessageOrTheDstChangesThePoint() {
    byte[] msg = ascii("row-17|2026-01-01");
    byte[] dst = ascii("sluice-test-psi-v1");
    byte[] base = Curve25519HashToCurve.hashToCurve(msg, dst);
    byte[] baseNu = Curve25519HashToCurve.encodeToCurve(msg, dst);
    for (int bit = 0; bit < 8 * msg.length; bit++) {
      byte[] m = msg.clone();
      m[bit / 8] ^= (byte) (1 << (bit % 8));
      assertThat(Curve25519HashToCurve.hashToCurve(m, dst))
          .as("msg bit %d", bit)
          .isNotEqualTo(base);
      assertThat(Curve25519HashToCurve.encodeToCurve(m, dst))
          .as("msg bit %d (NU)", bit)
          .isNotEqualTo(baseNu);
    }
    for (int bit = 0; bit < 8 * dst.length; bit++) {
      byte[] d = dst.clone();
      d[bit / 8] ^= (byte) (1 << (bit % 8));
      assertThat(Curve25519HashToCurve.hashToCurve(msg, d))
          .as("dst bit %d", bit)
          .isNotEqualTo(base);
    }
    assertThat(Curve25519HashToCurve.hashToCurve(Arrays.copyOf(msg, msg.length + 1), dst))
        .as("appended zero byte")
        .isNotEqualTo(base);
    assertThat(baseNu).as("RO and NU differ").isNotEqualTo(base);
  }

  @Test
  void rejectsNullInputsAndAnEmptyDst() {
    byte[] msg = ascii("x");
    assertThatThrownBy(() -> Curve25519HashToCurve.hashToCurve(null, msg))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> Curve25519HashToCurve.hashToCurve(msg, null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> Curve25519HashToCurve.encodeToCurve(null, msg))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> Curve25519HashToCurve.hashToCurve(msg, new byte[0]))
        .isInstanceOfSatisfying(
            SluiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    assertThatThrownBy(() -> Curve25519HashToCurve.encodeToCurve(msg, new byte[0]))
        .isInstanceOfSatisfying(
            SluiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
  }

  @Test
  void anOversizeDstIsHashedAsSection533Prescribes() throws Exception {
    byte[] longDst = new byte[300];
    Arrays.fill(longDst, (byte) 'Q');
    MessageDigest sha512 = MessageDigest.getInstance("SHA-512");
    sha512.update(ascii("H2C-OVERSIZE-DST-"));
    byte[] hashedDst = sha512.digest(longDst);
    byte[] msg = ascii("abc");
    assertThat(Curve25519HashToCurve.hashToCurve(msg, longDst))
        .isEqualTo(Curve25519HashToCurve.hashToCurve(msg, hashedDst));
  }

  @Test
  void doesNotModifyItsInputs() {
    byte[] msg = ascii("abc");
    byte[] dst = ascii("DST");
    Curve25519HashToCurve.hashToCurve(msg, dst);
    assertThat(msg).isEqualTo(ascii("abc"));
    assertThat(dst).isEqualTo(ascii("DST"));
  }

  /**
   * The 48-byte reduction mod p splits the integer at bit 255; its edges (0, p, 2^255, all ones,
   * and values around multiples of p) and random inputs agree with BigInteger.
   */
  @Test
  void fieldReductionAgreesWithBigIntegerOnEdgeAndRandomInputs() {
    BigInteger two384 = BigInteger.ONE.shiftLeft(384);
    BigInteger[] edges = {
      BigInteger.ZERO,
      BigInteger.ONE,
      P.subtract(BigInteger.ONE),
      P,
      P.add(BigInteger.ONE),
      BigInteger.ONE.shiftLeft(255),
      BigInteger.ONE.shiftLeft(255).subtract(BigInteger.ONE),
      BigInteger.ONE.shiftLeft(256).subtract(BigInteger.ONE),
      P.shiftLeft(1),
      P.shiftLeft(128),
      P.shiftLeft(128).subtract(BigInteger.ONE),
      two384.divide(P).multiply(P),
      two384.divide(P).multiply(P).subtract(BigInteger.ONE),
      two384.subtract(BigInteger.ONE),
      BigInteger.ONE.shiftLeft(383),
    };
    for (BigInteger e : edges) {
      checkReduction(e);
    }
    SecureRandom random = new SecureRandom();
    for (int i = 0; i < 2000; i++) {
      checkReduction(new BigInteger(384, random));
    }
  }

  private static void checkReduction(BigInteger value) {
    assertThat(value.bitLength()).as("test input fits 48 bytes").isLessThanOrEqualTo(384);
    byte[] be = new byte[48];
    byte[] raw = value.toByteArray();
    int n = Math.min(raw.length, 48);
    System.arraycopy(raw, raw.length - n, be, 48 - n, n);
    assertThat(Curve25519HashToCurve.reduce(be))
        .as("reduce %s", value.toString(16))
        .isEqualTo(value.mod(P));
  }

  static byte[] littleEndian(BigInteger x) {
    byte[] out = new byte[32];
    for (int i = 0; i < 32; i++) {
      out[i] = x.shiftRight(8 * i).byteValue();
    }
    return out;
  }

  private static void assertPoint(BigInteger[] actual, JsonNode expected, String label) {
    assertThat(actual[0])
        .as(label + " x")
        .isEqualTo(TestVectors.bigHex(expected.get("x").asText()));
    assertThat(actual[1])
        .as(label + " y")
        .isEqualTo(TestVectors.bigHex(expected.get("y").asText()));
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
