package io.sluice.crypto.x25519;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.crypto.TestVectors;
import io.sluice.crypto.h2c.Curve25519HashToCurve;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link X25519Blinding#isOnCurve}, {@code requireOnCurve} and {@code hashToGroup}. */
class X25519OnCurveTest {
  private static final BigInteger P =
      BigInteger.ONE.shiftLeft(255).subtract(BigInteger.valueOf(19));
  private static final BigInteger A = BigInteger.valueOf(486662);

  /** Legendre symbol of u^3 + A u^2 + u, by Euler's criterion on BigInteger: -1, 0 or 1. */
  private static int legendre(BigInteger u) {
    BigInteger f = u.pow(3).add(A.multiply(u.pow(2))).add(u).mod(P);
    if (f.signum() == 0) {
      return 0;
    }
    return f.modPow(P.shiftRight(1), P).equals(BigInteger.ONE) ? 1 : -1;
  }

  private static BigInteger fromLittleEndian(byte[] le) {
    byte[] be = new byte[le.length];
    for (int i = 0; i < le.length; i++) {
      be[i] = le[le.length - 1 - i];
    }
    return new BigInteger(1, be);
  }

  private static byte[] littleEndian(BigInteger x) {
    byte[] out = new byte[32];
    for (int i = 0; i < 32; i++) {
      out[i] = x.shiftRight(8 * i).byteValue();
    }
    return out;
  }

  /**
   * Wycheproof flags every public key on the twist {@code Twist}; all 221 of them must fail, and
   * every other public key is on the curve, so it passes exactly when it is canonical.
   */
  @Test
  void wycheproofTwistPointsAreRejectedAndCurvePointsAcceptedWhenCanonical() {
    JsonNode doc = TestVectors.json("wycheproof/x25519_test.json");
    int twist = 0;
    int onCurve = 0;
    for (JsonNode group : doc.get("testGroups")) {
      for (JsonNode t : group.get("tests")) {
        byte[] pub = TestVectors.hex(t.get("public").asText());
        boolean flaggedTwist = false;
        for (JsonNode flag : t.get("flags")) {
          flaggedTwist |= flag.asText().equals("Twist");
        }
        String label = "tcId " + t.get("tcId").asInt();
        if (flaggedTwist) {
          twist++;
          assertThat(X25519Blinding.isOnCurve(pub)).as(label).isFalse();
          assertThatThrownBy(() -> X25519Blinding.requireOnCurve(pub))
              .as(label)
              .isInstanceOfSatisfying(
                  SluiceException.class,
                  e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_POINT));
        } else {
          boolean canonical = X25519Blinding.isCanonical(pub);
          assertThat(X25519Blinding.isOnCurve(pub)).as(label).isEqualTo(canonical);
          onCurve += canonical ? 1 : 0;
        }
      }
    }
    assertThat(twist).isEqualTo(221);
    assertThat(onCurve).isGreaterThan(250);
  }

  /** Random canonical values: isOnCurve is exactly "Legendre symbol is not -1"; about half fail. */
  @Test
  void randomValuesAgreeWithTheLegendreSymbolAndHalfAreOnTheTwist() {
    long seed = new SecureRandom().nextLong();
    Random random = new Random(seed);
    int trials = 3000;
    int twist = 0;
    for (int i = 0; i < trials; i++) {
      byte[] u = new byte[32];
      random.nextBytes(u);
      u[31] &= 0x7f;
      BigInteger x = fromLittleEndian(u);
      boolean expected = x.compareTo(P) < 0 && legendre(x) >= 0;
      assertThat(X25519Blinding.isOnCurve(u)).as("seed %d, trial %d", seed, i).isEqualTo(expected);
      twist += expected ? 0 : 1;
    }
    assertThat(twist).as("seed %d", seed).isBetween(trials * 45 / 100, trials * 55 / 100);
  }

  /**
   * What isOnCurve says about the low-order points of RFC 7748 / Wycheproof: the curve's own (u = 0
   * of order 2, u = 1 of order 4, the two of order 8) are on the curve, so it accepts them; u = p -
   * 1 (order 4) is on the twist. The protocol's defence against them is elsewhere: {@code blind}
   * rejects their all-zero result, and {@code hashToGroup} never yields them.
   */
  @Test
  void documentsTheVerdictOnLowOrderPoints() {
    BigInteger order8a =
        new BigInteger(
            "325606250916557431795983626356110631294008115727848805560023387167927233504");
    BigInteger order8b =
        new BigInteger(
            "39382357235489614581723060781553021112529911719440698176882885853963445705823");
    List<BigInteger> curve = List.of(BigInteger.ZERO, BigInteger.ONE, order8a, order8b);
    try (X25519Blinding session = X25519Blinding.newSession(new SecureRandom())) {
      for (BigInteger u : curve) {
        byte[] enc = littleEndian(u);
        assertThat(X25519Blinding.isOnCurve(enc)).as("u = %s", u).isTrue();
        assertThatThrownBy(() -> session.blind(enc)).isInstanceOf(SluiceException.class);
        // The non-canonical twins (u + p, where it fits in 255 bits) are refused as encodings.
        BigInteger twin = u.add(P);
        if (twin.bitLength() <= 255) {
          assertThat(X25519Blinding.isOnCurve(littleEndian(twin))).as("u + p = %s", twin).isFalse();
        }
      }
    }
    assertThat(X25519Blinding.isOnCurve(littleEndian(P.subtract(BigInteger.ONE)))).isFalse();
  }

  @Test
  void rejectsMalformedInputsWithoutThrowing() {
    assertThat(X25519Blinding.isOnCurve(null)).isFalse();
    assertThat(X25519Blinding.isOnCurve(new byte[31])).isFalse();
    assertThat(X25519Blinding.isOnCurve(new byte[33])).isFalse();
    byte[] bit255 = new byte[32];
    bit255[0] = 9;
    bit255[31] = (byte) 0x80;
    assertThat(X25519Blinding.isOnCurve(bit255)).isFalse();
    assertThatThrownBy(() -> X25519Blinding.requireOnCurve(new byte[31]))
        .isInstanceOfSatisfying(
            SluiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_POINT));
  }

  @Test
  void requireOnCurveReturnsItsArgument() {
    byte[] base = new byte[32];
    base[0] = 9; // the RFC 7748 base point
    assertThat(X25519Blinding.requireOnCurve(base)).isSameAs(base);
  }

  @Test
  void hashToGroupIsTheRfc9380RandomOracleSuite() {
    byte[] dst = "sluice-psi-v1|agreement-42|national_id".getBytes(StandardCharsets.US_ASCII);
    List<byte[]> outputs = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      byte[] id = ("X0000000" + i).getBytes(StandardCharsets.US_ASCII);
      byte[] h = X25519Blinding.hashToGroup(dst, id);
      assertThat(h).isEqualTo(Curve25519HashToCurve.hashToCurve(id, dst));
      assertThat(X25519Blinding.isOnCurve(h)).isTrue();
      outputs.add(h);
    }
    assertThat(outputs.stream().map(BigInteger::new).distinct().count()).isEqualTo(20);
    assertThatThrownBy(() -> X25519Blinding.hashToGroup(new byte[0], new byte[] {1}))
        .isInstanceOfSatisfying(
            SluiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    assertThatThrownBy(() -> X25519Blinding.hashToGroup(null, new byte[] {1}))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> X25519Blinding.hashToGroup(dst, null))
        .isInstanceOf(NullPointerException.class);
  }
}
