package io.sluice.crypto.h2c;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.crypto.TestVectors;
import io.sluice.crypto.x25519.X25519Blinding;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The fast hash against the BigInteger reference on seeded random messages, and the group
 * properties PSI relies on. Seeded loops rather than jqwik properties (see docs/crypto.md): every
 * failure message carries the seed, and {@code -Dh2c.seed=N} replays a run.
 */
class Curve25519HashToCurveReferenceTest {
  private static final BigInteger P = Curve25519Reference.P;
  private static final byte[] DST = ascii("sluice-test-psi-v1-curve25519_XMD:SHA-512_ELL2_RO_");

  /** The u-coordinates of the points of order 1, 2, 4 and 8 on the curve and its twist. */
  private static final Set<BigInteger> LOW_ORDER_U =
      Set.of(
          BigInteger.ZERO,
          BigInteger.ONE,
          P.subtract(BigInteger.ONE),
          new BigInteger(
              "325606250916557431795983626356110631294008115727848805560023387167927233504"),
          new BigInteger(
              "39382357235489614581723060781553021112529911719440698176882885853963445705823"));

  private static long seed() {
    Long fixed = Long.getLong("h2c.seed");
    return fixed != null ? fixed : new SecureRandom().nextLong();
  }

  private static String replay(long seed) {
    return "seed " + seed + " (replay with -Dh2c.seed=" + seed + ")";
  }

  @Test
  void referenceItselfMatchesTheRfcVectors() {
    JsonNode ro = TestVectors.json("hash-to-curve/curve25519_XMD_SHA-512_ELL2_RO_.json");
    byte[] roDst = ascii(ro.get("dst").asText());
    for (JsonNode v : ro.get("vectors")) {
      byte[] msg = ascii(v.get("msg").asText());
      BigInteger[] u = Curve25519Reference.hashToField(msg, roDst, 2);
      assertThat(u[0]).isEqualTo(TestVectors.bigHex(v.get("u").get(0).asText()));
      assertThat(u[1]).isEqualTo(TestVectors.bigHex(v.get("u").get(1).asText()));
      assertPoint(Curve25519Reference.mapToCurve(u[0]), v.get("Q0"));
      assertPoint(Curve25519Reference.mapToCurve(u[1]), v.get("Q1"));
      assertPoint(Curve25519Reference.hashToCurve(msg, roDst), v.get("P"));
    }
    JsonNode nu = TestVectors.json("hash-to-curve/curve25519_XMD_SHA-512_ELL2_NU_.json");
    byte[] nuDst = ascii(nu.get("dst").asText());
    for (JsonNode v : nu.get("vectors")) {
      byte[] msg = ascii(v.get("msg").asText());
      assertPoint(Curve25519Reference.encodeToCurve(msg, nuDst), v.get("P"));
    }
  }

  @Test
  void fastHashAgreesWithTheReferenceOnSeededRandomMessages() {
    long seed = seed();
    Random random = new Random(seed);
    for (int i = 0; i < 3000; i++) {
      byte[] msg = randomBytes(random, random.nextInt(200));
      // Mostly the PSI-like DST; every 16th message a random one, oversize (> 255 bytes) included.
      byte[] dst = i % 16 == 0 ? randomBytes(random, 1 + random.nextInt(300)) : DST;
      String label = replay(seed) + ", message " + i;
      if (i % 3 == 2) {
        BigInteger[] expected = Curve25519Reference.encodeToCurve(msg, dst);
        assertThat(Curve25519HashToCurve.encodeToCurve(msg, dst))
            .as(label + " NU")
            .isEqualTo(Curve25519Reference.littleEndian(expected[0]));
        assertThat(Curve25519HashToCurve.encodeToCurveAffine(msg, dst))
            .as(label + " NU (x, y)")
            .containsExactly(expected);
      } else {
        BigInteger[] expected = Curve25519Reference.hashToCurve(msg, dst);
        assertThat(Curve25519HashToCurve.hashToCurve(msg, dst))
            .as(label + " RO")
            .isEqualTo(Curve25519Reference.littleEndian(expected[0]));
        assertThat(Curve25519HashToCurve.hashToCurveAffine(msg, dst))
            .as(label + " RO (x, y)")
            .containsExactly(expected);
      }
    }
  }

  /**
   * The map alone on field elements the hash would almost never produce: 0 (whose image is the
   * 2-torsion point (0, 0), the exceptional case of appendix G.2.2), 1, p - 1, small and random
   * values.
   */
  @Test
  void mapAgreesWithTheReferenceOnEdgeAndRandomFieldElements() {
    long seed = seed();
    Random random = new Random(seed);
    BigInteger[] edges = {
      BigInteger.ZERO, BigInteger.ONE, BigInteger.TWO, P.subtract(BigInteger.ONE), P.shiftRight(1)
    };
    for (BigInteger u : edges) {
      assertThat(Curve25519HashToCurve.mapToCurve(u))
          .as("u = %s", u)
          .containsExactly(Curve25519Reference.mapToCurve(u));
    }
    assertThat(Curve25519Reference.mapToCurve(BigInteger.ZERO))
        .as("u = 0 maps to (0, 0)")
        .containsExactly(BigInteger.ZERO, BigInteger.ZERO);
    assertThat(Curve25519HashToCurve.mapToEdwards(BigInteger.ZERO))
        .as("G.2.2 sends (0, 0) to the Edwards identity")
        .containsExactly(BigInteger.ZERO, BigInteger.ONE);
    for (int i = 0; i < 500; i++) {
      BigInteger u = new BigInteger(255, random).mod(P);
      BigInteger[] q = Curve25519Reference.mapToCurve(u);
      assertThat(Curve25519HashToCurve.mapToCurve(u))
          .as(replay(seed) + ", u " + i)
          .containsExactly(q);
      assertThat(Curve25519Reference.isOnCurve(q)).isTrue();
    }
  }

  @Test
  void outputsAreCanonicalOnTheCurveAndOfPrimeOrder() {
    long seed = seed();
    Random random = new Random(seed);
    for (int i = 0; i < 40; i++) {
      byte[] msg = randomBytes(random, random.nextInt(64));
      String label = replay(seed) + ", message " + i;
      for (byte[] out :
          new byte[][] {
            Curve25519HashToCurve.hashToCurve(msg, DST),
            Curve25519HashToCurve.encodeToCurve(msg, DST)
          }) {
        assertPrimeOrderPoint(out, label);
      }
    }
  }

  /**
   * What PSI does with the hashes: two sessions blind in either order and get the same bytes, and
   * every intermediate and final value is again a canonical point of prime order on the curve.
   */
  @Test
  void blindingCommutesOnHashedPointsAndStaysInTheSubgroup() {
    long seed = seed();
    Random random = new Random(seed);
    SecureRandom keys = new SecureRandom();
    for (int i = 0; i < 25; i++) {
      byte[] h = Curve25519HashToCurve.hashToCurve(randomBytes(random, 16), DST);
      String label = replay(seed) + ", trial " + i;
      try (X25519Blinding a = X25519Blinding.newSession(keys);
          X25519Blinding b = X25519Blinding.newSession(keys)) {
        byte[] ha = a.blind(h);
        byte[] hb = b.blind(h);
        byte[] ab = b.blind(ha);
        byte[] ba = a.blind(hb);
        assertThat(ab).as(label).isEqualTo(ba);
        assertPrimeOrderPoint(ha, label + " a(h)");
        assertPrimeOrderPoint(ab, label + " b(a(h))");
      }
    }
  }

  private static void assertPrimeOrderPoint(byte[] u, String label) {
    assertThat(u).as(label).hasSize(32);
    assertThat(X25519Blinding.isCanonical(u)).as(label + " canonical").isTrue();
    assertThat(X25519Blinding.isOnCurve(u)).as(label + " isOnCurve").isTrue();
    BigInteger x = Curve25519Reference.fromLittleEndian(u);
    assertThat(LOW_ORDER_U).as(label + " not of low order").doesNotContain(x);
    BigInteger[] point = Curve25519Reference.lift(x);
    assertThat(point).as(label + " on the curve (reference)").isNotNull();
    assertThat(Curve25519Reference.multiply(point, Curve25519Reference.ORDER))
        .as(label + " [L]P is the identity")
        .isNull();
  }

  private static void assertPoint(BigInteger[] actual, JsonNode expected) {
    assertThat(actual[0]).isEqualTo(TestVectors.bigHex(expected.get("x").asText()));
    assertThat(actual[1]).isEqualTo(TestVectors.bigHex(expected.get("y").asText()));
  }

  private static byte[] randomBytes(Random random, int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
