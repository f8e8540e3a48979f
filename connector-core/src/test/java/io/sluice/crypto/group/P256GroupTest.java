package io.sluice.crypto.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.crypto.TestVectors;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.math.ec.ECCurve;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.util.BigIntegers;
import org.junit.jupiter.api.Test;

class P256GroupTest {
  private static final P256Group GROUP = P256Group.instance();
  private static final BigInteger N = GROUP.order();
  private static final BigInteger P = GROUP.curve().getField().getCharacteristic();
  private static final SecureRandom RANDOM = new SecureRandom();

  private static ECPoint randomElement() {
    return GROUP.multiplyGenerator(GROUP.randomScalar(RANDOM));
  }

  private static void assertInvalidPoint(byte[] encoded) {
    assertThatThrownBy(() -> GROUP.decodeElement(encoded))
        .isInstanceOfSatisfying(
            SluiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_POINT));
  }

  private static void assertMalformedScalar(byte[] encoded) {
    assertThatThrownBy(() -> GROUP.decodeScalar(encoded))
        .isInstanceOfSatisfying(
            SluiceException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_MESSAGE));
  }

  private static byte[] compressed(int prefix, BigInteger x) {
    byte[] out = new byte[33];
    out[0] = (byte) prefix;
    BigIntegers.asUnsignedByteArray(x, out, 1, 32);
    return out;
  }

  private static byte[] xOf(ECPoint p) {
    return p.normalize().getAffineXCoord().getEncoded();
  }

  @Test
  void elementEncodingRoundTrips() {
    for (int i = 0; i < 50; i++) {
      ECPoint p = randomElement();
      byte[] encoded = GROUP.encodeElement(p);
      assertThat(encoded).hasSize(33);
      assertThat(GROUP.equal(GROUP.decodeElement(encoded), p)).isTrue();
    }
  }

  @Test
  void batchEncodingEqualsSingleEncoding() {
    List<ECPoint> points = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      // Products are in Jacobian coordinates with distinct Z: normalization really happens.
      points.add(GROUP.multiply(randomElement(), GROUP.randomScalar(RANDOM)));
    }
    List<byte[]> batch = GROUP.encodeElements(points);
    for (int i = 0; i < points.size(); i++) {
      assertThat(batch.get(i)).isEqualTo(points.get(i).normalize().getEncoded(true));
    }
  }

  @Test
  void flippingAnyBitOfAnEncodedElementIsRejectedOrChangesTheElement() {
    ECPoint p = randomElement();
    byte[] encoded = GROUP.encodeElement(p);
    int rejected = 0;
    for (int bit = 0; bit < encoded.length * 8; bit++) {
      byte[] mutated = encoded.clone();
      mutated[bit / 8] ^= (byte) (1 << (bit % 8));
      try {
        ECPoint q = GROUP.decodeElement(mutated);
        assertThat(GROUP.equal(q, p)).as("bit %d", bit).isFalse();
        assertThat(q.isValid()).isTrue();
      } catch (SluiceException e) {
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_POINT);
        rejected++;
      }
    }
    // Seven of the eight prefix-bit flips are rejected; about half of the x flips are too.
    assertThat(rejected).isGreaterThanOrEqualTo(7);
  }

  @Test
  void rejectsWrongLengths() {
    byte[] good = GROUP.encodeElement(randomElement());
    assertInvalidPoint(null);
    assertInvalidPoint(new byte[0]);
    assertInvalidPoint(Arrays.copyOf(good, 32));
    assertInvalidPoint(Arrays.copyOf(good, 34));
    // The uncompressed encoding of a valid point is refused: one canonical encoding only.
    assertInvalidPoint(randomElement().getEncoded(false));
  }

  @Test
  void rejectsIdentity() {
    assertInvalidPoint(new byte[] {0x00});
    assertInvalidPoint(new byte[33]);
    ECPoint infinity = GROUP.curve().getInfinity();
    assertThat(GROUP.isIdentity(infinity)).isTrue();
    assertThatThrownBy(() -> GROUP.encodeElement(infinity))
        .isInstanceOfSatisfying(
            SluiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_POINT));
    assertThatThrownBy(() -> GROUP.encodeElements(List.of(randomElement(), infinity)))
        .isInstanceOf(SluiceException.class);
  }

  @Test
  void rejectsHybridAndUnknownPrefixes() {
    byte[] good = GROUP.encodeElement(randomElement());
    for (int prefix : new int[] {0x00, 0x01, 0x04, 0x05, 0x06, 0x07, 0xff}) {
      byte[] mutated = good.clone();
      mutated[0] = (byte) prefix;
      assertInvalidPoint(mutated);
    }
  }

  @Test
  void rejectsOffCurveX() {
    BigInteger b = GROUP.curve().getB().toBigInteger();
    int found = 0;
    for (BigInteger x = BigInteger.ZERO; found < 5; x = x.add(BigInteger.ONE)) {
      BigInteger rhs = x.pow(3).subtract(x.multiply(BigInteger.valueOf(3))).add(b).mod(P);
      boolean square = rhs.signum() == 0 || rhs.modPow(P.shiftRight(1), P).equals(BigInteger.ONE);
      if (!square) {
        assertInvalidPoint(compressed(0x02, x));
        assertInvalidPoint(compressed(0x03, x));
        found++;
      }
    }
  }

  @Test
  void rejectsNonCanonicalXAtOrAboveP() {
    // x + p names the same field element as x: a second encoding of one element must not exist.
    assertInvalidPoint(compressed(0x02, P));
    BigInteger limit = BigInteger.ONE.shiftLeft(256).subtract(P);
    int tried = 0;
    for (BigInteger x = BigInteger.ZERO; x.compareTo(limit) < 0 && tried < 40; tried++) {
      assertInvalidPoint(compressed(0x02, x.add(P)));
      assertInvalidPoint(compressed(0x03, x.add(P)));
      x = x.add(BigInteger.ONE);
    }
    assertThat(tried).isEqualTo(40);
    BigInteger validX = GROUP.generator().getAffineXCoord().toBigInteger();
    assertThat(GROUP.decodeElement(compressed(0x02, validX)).isValid()).isTrue();
  }

  @Test
  void scalarDecodingIsStrict() {
    assertMalformedScalar(null);
    assertMalformedScalar(new byte[31]);
    assertMalformedScalar(new byte[33]);
    assertMalformedScalar(new byte[32]); // zero
    assertMalformedScalar(BigIntegers.asUnsignedByteArray(32, N));
    assertMalformedScalar(BigIntegers.asUnsignedByteArray(32, N.add(BigInteger.ONE)));
    byte[] max = new byte[32];
    Arrays.fill(max, (byte) 0xff);
    assertMalformedScalar(max);
    assertThat(GROUP.decodeScalar(BigIntegers.asUnsignedByteArray(32, BigInteger.ONE)))
        .isEqualTo(BigInteger.ONE);
    BigInteger nMinus1 = N.subtract(BigInteger.ONE);
    assertThat(GROUP.decodeScalar(GROUP.encodeScalar(nMinus1))).isEqualTo(nMinus1);
  }

  @Test
  void constantTimeMultiplicationAgreesWithBouncyCastleReference() {
    for (int i = 0; i < 30; i++) {
      ECPoint p = randomElement();
      BigInteger k = GROUP.randomScalar(RANDOM);
      assertThat(GROUP.equal(GROUP.multiply(p, k), p.multiply(k))).isTrue();
      assertThat(GROUP.equal(GROUP.multiplyGenerator(k), GROUP.generator().multiply(k))).isTrue();
    }
    // Edge scalars, even and odd: the multiplier internally forces the scalar odd.
    ECPoint p = randomElement();
    List<BigInteger> edges =
        List.of(
            BigInteger.ONE, BigInteger.TWO, N.subtract(BigInteger.ONE), N.subtract(BigInteger.TWO));
    for (BigInteger k : edges) {
      assertThat(GROUP.equal(GROUP.multiply(p, k), p.multiply(k))).as("k=%s", k).isTrue();
    }
    assertThatThrownBy(() -> GROUP.multiply(p, BigInteger.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> GROUP.multiply(p, N)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void invertIsTheInverseModN() {
    for (int i = 0; i < 30; i++) {
      BigInteger k = GROUP.randomScalar(RANDOM);
      assertThat(k.multiply(GROUP.invert(k)).mod(N)).isEqualTo(BigInteger.ONE);
      ECPoint p = randomElement();
      assertThat(GROUP.equal(GROUP.multiply(GROUP.multiply(p, k), GROUP.invert(k)), p)).isTrue();
    }
  }

  @Test
  void randomScalarsAreInRangeAndDistinct() {
    List<BigInteger> seen = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      BigInteger k = GROUP.randomScalar(RANDOM);
      assertThat(k).isPositive().isLessThan(N);
      assertThat(seen).doesNotContain(k);
      seen.add(k);
    }
  }

  @Test
  void runsOnTheFastCustomCurveAndRefusesPointsOfAnotherCurveInstance() {
    assertThat(GROUP.curve().getClass().getSimpleName()).isEqualTo("SecP256R1Curve");
    ECCurve generic = ECNamedCurveTable.getByName("secp256r1").getCurve();
    ECPoint foreign = generic.decodePoint(GROUP.encodeElement(randomElement()));
    assertThatThrownBy(() -> GROUP.multiply(foreign, BigInteger.TWO))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void hashToGroupIsDeterministicAndDomainSeparated() {
    byte[] input = "x".getBytes(StandardCharsets.US_ASCII);
    byte[] dst1 = "A".getBytes(StandardCharsets.US_ASCII);
    byte[] dst2 = "B".getBytes(StandardCharsets.US_ASCII);
    assertThat(GROUP.equal(GROUP.hashToGroup(dst1, input), GROUP.hashToGroup(dst1, input)))
        .isTrue();
    assertThat(GROUP.equal(GROUP.hashToGroup(dst1, input), GROUP.hashToGroup(dst2, input)))
        .isFalse();
    assertThat(GROUP.hashToScalar(dst1, input)).isNotEqualTo(GROUP.hashToScalar(dst2, input));
  }

  /**
   * Wycheproof ECDH P-256: every valid shared secret is reproduced through the strict decoder
   * (after compressing the public point) and the constant-time multiplier; every invalid compressed
   * public key is rejected; every uncompressed encoding is refused as non-canonical.
   */
  @Test
  void wycheproofEcdhPointValidationAndMultiplication() {
    JsonNode doc = TestVectors.json("wycheproof/ecdh_secp256r1_ecpoint_test.json");
    ECCurve generic = ECNamedCurveTable.getByName("secp256r1").getCurve();
    int matched = 0;
    int rejected = 0;
    for (JsonNode group : doc.get("testGroups")) {
      for (JsonNode t : group.get("tests")) {
        String label = "tcId " + t.get("tcId").asInt();
        byte[] pub = TestVectors.hex(t.get("public").asText());
        String result = t.get("result").asText();
        BigInteger d = new BigInteger(1, TestVectors.hex(t.get("private").asText())).mod(N);
        byte[] shared = TestVectors.hex(t.get("shared").asText());
        if (pub.length == 33 && !result.equals("invalid")) {
          ECPoint q = GROUP.decodeElement(pub);
          assertThat(xOf(GROUP.multiply(q, d))).as(label).isEqualTo(shared);
          matched++;
        } else if (result.equals("invalid")) {
          assertInvalidPoint(pub);
          rejected++;
        } else {
          assertInvalidPoint(pub);
          ECPoint q = GROUP.decodeElement(generic.decodePoint(pub).getEncoded(true));
          assertThat(xOf(GROUP.multiply(q, d))).as(label).isEqualTo(shared);
          matched++;
        }
      }
    }
    assertThat(matched).isEqualTo(331);
    assertThat(rejected).isEqualTo(24);
  }
}
