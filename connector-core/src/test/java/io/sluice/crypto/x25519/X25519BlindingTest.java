package io.sluice.crypto.x25519;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.crypto.TestVectors;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.testing.Property;
import io.sluice.testing.Property.Gen;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.util.Arrays;
import org.junit.jupiter.api.Test;

class X25519BlindingTest {
  private static final BigInteger P =
      BigInteger.ONE.shiftLeft(255).subtract(BigInteger.valueOf(19));
  private static final byte[] DOMAIN = "sluice/psi/test".getBytes(StandardCharsets.US_ASCII);

  private static byte[] hex(String s) {
    return TestVectors.hex(s);
  }

  private static byte[] x25519(byte[] k, byte[] u) {
    return X25519Blinding.withScalar(k).blind(u);
  }

  private static void assertInvalidPoint(X25519Blinding b, byte[] u) {
    assertThatThrownBy(() -> b.blind(u))
        .isInstanceOfSatisfying(
            SluiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_POINT));
  }

  private static byte[] littleEndian(BigInteger v) {
    byte[] be = org.bouncycastle.util.BigIntegers.asUnsignedByteArray(32, v);
    return Arrays.reverse(be);
  }

  /**
   * Every Wycheproof vector whose shared secret is all zeros (all carry LowOrderPublic and
   * ZeroSharedSecret) is rejected; every other one, valid or acceptable, is reproduced exactly,
   * including the 13 non-canonical public keys (bit 255 set or u >= p), which RFC 7748 section 5
   * says to decode by masking and reducing.
   */
  @Test
  void wycheproofVectorsAreReproducedOrRejected() {
    JsonNode doc = TestVectors.json("wycheproof/x25519_test.json");
    int matched = 0;
    int rejected = 0;
    int nonCanonicalMatched = 0;
    for (JsonNode group : doc.get("testGroups")) {
      assertThat(group.get("curve").asText()).isEqualTo("curve25519");
      for (JsonNode t : group.get("tests")) {
        String label = "tcId " + t.get("tcId").asInt();
        List<String> flags = new ArrayList<>();
        t.get("flags").forEach(f -> flags.add(f.asText()));
        byte[] pub = hex(t.get("public").asText());
        byte[] shared = hex(t.get("shared").asText());
        X25519Blinding b = X25519Blinding.withScalar(hex(t.get("private").asText()));
        boolean zero = Arrays.areAllZeroes(shared, 0, shared.length);
        if (flags.contains("LowOrderPublic") || flags.contains("ZeroSharedSecret")) {
          assertThat(zero).as(label).isTrue();
        }
        if (zero) {
          assertThat(flags).as(label).contains("LowOrderPublic", "ZeroSharedSecret");
          assertInvalidPoint(b, pub);
          rejected++;
        } else {
          assertThat(t.get("result").asText()).as(label).isIn("valid", "acceptable");
          assertThat(b.blind(pub)).as(label).isEqualTo(shared);
          assertThat(X25519Blinding.isCanonical(pub))
              .as(label)
              .isEqualTo(!flags.contains("NonCanonicalPublic"));
          if (!X25519Blinding.isCanonical(pub)) {
            nonCanonicalMatched++;
          }
          matched++;
        }
      }
    }
    assertThat(matched).isEqualTo(487);
    assertThat(rejected).isEqualTo(31);
    assertThat(nonCanonicalMatched).isEqualTo(13);
  }

  @Test
  void rfc7748Section52SingleVectors() {
    assertThat(
            x25519(
                hex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"),
                hex("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c")))
        .isEqualTo(hex("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"));
    // The u of the second vector has bit 255 set: it must be ignored.
    assertThat(
            x25519(
                hex("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d"),
                hex("e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493")))
        .isEqualTo(hex("95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957"));
  }

  @Test
  void rfc7748Section52IterationChainsOf1And1000() {
    byte[] k = new byte[32];
    k[0] = 9;
    byte[] u = k.clone();
    for (int i = 1; i <= 1000; i++) {
      byte[] r = x25519(k, u);
      u = k;
      k = r;
      if (i == 1) {
        assertThat(k)
            .isEqualTo(hex("422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079"));
      }
    }
    assertThat(k)
        .isEqualTo(hex("684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51"));
  }

  @Test
  void rfc7748Section61DiffieHellmanAgreesBothWays() {
    byte[] alice = hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    byte[] bob = hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
    byte[] nine = new byte[32];
    nine[0] = 9;
    byte[] alicePub = x25519(alice, nine);
    byte[] bobPub = x25519(bob, nine);
    assertThat(alicePub)
        .isEqualTo(hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"));
    assertThat(bobPub)
        .isEqualTo(hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"));
    byte[] shared = hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
    assertThat(x25519(alice, bobPub)).isEqualTo(shared);
    assertThat(x25519(bob, alicePub)).isEqualTo(shared);
  }

  /** An identifier and two session scalars. */
  record Blinding(byte[] id, byte[] ka, byte[] kb) {
    static Blinding of(Gen g) {
      return new Blinding(bytes(g, g.between(0, 63)), bytes(g, 32), bytes(g, 32));
    }

    private static byte[] bytes(Gen g, int n) {
      byte[] b = new byte[n];
      g.random().nextBytes(b);
      return b;
    }

    @Override
    public String toString() {
      HexFormat hex = HexFormat.of();
      return "id=" + hex.formatHex(id) + " ka=" + hex.formatHex(ka) + " kb=" + hex.formatHex(kb);
    }
  }

  /**
   * Property: blinding commutes, for random identifiers and random session scalars, on the curve
   * and on the twist alike (a seeded property: the failure says how to replay it).
   */
  @Test
  void blindingCommutesForRandomIdentifiersOnCurveAndTwist() {
    int[] onTwist = {0};
    int tries =
        Property.forAll(
            300,
            Blinding::of,
            t -> {
              X25519Blinding a = X25519Blinding.withScalar(t.ka());
              X25519Blinding b = X25519Blinding.withScalar(t.kb());
              byte[] h = rawU(t.id());
              byte[] ab = a.blind(b.blind(h));
              assertThat(ab).isEqualTo(b.blind(a.blind(h)));
              assertThat(X25519Blinding.isCanonical(ab)).isTrue();
              onTwist[0] += onTwist(h) ? 1 : 0;
            });
    // About half of all u lie on the twist; both halves must have been exercised.
    Property.assertCoverage("u on the twist", onTwist[0], tries, 25);
    Property.assertCoverage("u on the curve", tries - onTwist[0], tries, 25);
  }

  /**
   * An arbitrary u-coordinate (SHA-256 of the id, bit 255 cleared): on the curve or its twist with
   * about equal odds, unlike {@link X25519Blinding#hashToGroup}, which lands in the curve's
   * prime-order subgroup.
   */
  private static byte[] rawU(byte[] id) {
    try {
      byte[] u = java.security.MessageDigest.getInstance("SHA-256").digest(id);
      u[31] &= 0x7f;
      return u;
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /** u is on the twist iff u^3 + 486662 u^2 + u is not a square mod p. */
  private static boolean onTwist(byte[] u) {
    BigInteger x = new BigInteger(1, Arrays.reverse(u)).mod(P);
    BigInteger rhs = x.pow(3).add(x.pow(2).multiply(BigInteger.valueOf(486662))).add(x).mod(P);
    return rhs.signum() != 0 && !rhs.modPow(P.shiftRight(1), P).equals(BigInteger.ONE);
  }

  @Test
  void sessionsWithFreshScalarsDisagreeAndCommute() {
    SecureRandom random = new SecureRandom();
    try (X25519Blinding a = X25519Blinding.newSession(random);
        X25519Blinding b = X25519Blinding.newSession(random)) {
      byte[] h =
          X25519Blinding.hashToGroup(DOMAIN, "alice@example.org".getBytes(StandardCharsets.UTF_8));
      assertThat(a.blind(h)).isNotEqualTo(b.blind(h)).isNotEqualTo(h);
      assertThat(a.hashAndBlind(DOMAIN, "alice@example.org".getBytes(StandardCharsets.UTF_8)))
          .isEqualTo(a.blind(h));
      assertThat(a.blindAll(List.of(b.blind(h))).get(0)).isEqualTo(b.blind(a.blind(h)));
    }
  }

  @Test
  void rejectsWrongLengths() {
    X25519Blinding b = X25519Blinding.newSession(new SecureRandom());
    assertInvalidPoint(b, null);
    assertInvalidPoint(b, new byte[0]);
    assertInvalidPoint(b, new byte[31]);
    assertInvalidPoint(b, new byte[33]);
    assertInvalidPoint(b, new byte[64]);
  }

  @Test
  void rejectsLowOrderInputsForEverySession() {
    List<byte[]> lowOrder =
        List.of(
            littleEndian(BigInteger.ZERO),
            littleEndian(BigInteger.ONE),
            littleEndian(P.subtract(BigInteger.ONE)), // u = -1, order 4
            hex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"), // order 8
            hex("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"), // order 8
            littleEndian(P), // 0, non-canonical
            littleEndian(P.add(BigInteger.ONE)), // 1, non-canonical
            hex("0000000000000000000000000000000000000000000000000000000000000080")); // 0, bit 255
    SecureRandom random = new SecureRandom();
    for (int s = 0; s < 5; s++) {
      X25519Blinding b = X25519Blinding.newSession(random);
      for (byte[] u : lowOrder) {
        assertInvalidPoint(b, u);
      }
      assertInvalidPoint(b, new byte[32]);
    }
  }

  @Test
  void bit255IsIgnoredAsRfc7748RequiresButMarksTheValueNonCanonical() {
    SecureRandom random = new SecureRandom();
    X25519Blinding b = X25519Blinding.newSession(random);
    for (int i = 0; i < 50; i++) {
      byte[] u = X25519Blinding.hashToGroup(DOMAIN, new byte[] {(byte) i});
      byte[] high = u.clone();
      high[31] |= (byte) 0x80;
      assertThat(b.blind(high)).isEqualTo(b.blind(u));
      assertThat(X25519Blinding.isCanonical(u)).isTrue();
      assertThat(X25519Blinding.isCanonical(high)).isFalse();
      assertThatThrownBy(() -> X25519Blinding.requireCanonical(high))
          .isInstanceOfSatisfying(
              SluiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_POINT));
    }
  }

  @Test
  void flippingAnyOtherBitOfAnInputChangesTheOutputOrIsRejected() {
    X25519Blinding b = X25519Blinding.newSession(new SecureRandom());
    byte[] u = X25519Blinding.hashToGroup(DOMAIN, "row".getBytes(StandardCharsets.US_ASCII));
    byte[] expected = b.blind(u);
    for (int bit = 0; bit < 255; bit++) {
      byte[] mutated = u.clone();
      mutated[bit / 8] ^= (byte) (1 << (bit % 8));
      try {
        assertThat(b.blind(mutated)).as("bit %d", bit).isNotEqualTo(expected);
      } catch (SluiceException e) {
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_POINT);
      }
    }
  }

  @Test
  void canonicalBoundaryIsPMinusOne() {
    assertThat(X25519Blinding.isCanonical(littleEndian(P.subtract(BigInteger.ONE)))).isTrue();
    assertThat(X25519Blinding.isCanonical(littleEndian(P))).isFalse();
    assertThat(X25519Blinding.isCanonical(littleEndian(P.add(BigInteger.valueOf(18))))).isFalse();
    assertThat(X25519Blinding.isCanonical(new byte[32])).isTrue();
    assertThat(X25519Blinding.isCanonical(new byte[31])).isFalse();
    assertThat(X25519Blinding.isCanonical(null)).isFalse();
    byte[] almost = littleEndian(P);
    almost[15] = 0x00; // far below p in a middle byte
    assertThat(X25519Blinding.isCanonical(almost)).isTrue();
  }

  @Test
  void hashToGroupSeparatesDomainsAndRefusesAnEmptyOne() {
    byte[] id = "id-1".getBytes(StandardCharsets.US_ASCII);
    assertThat(X25519Blinding.hashToGroup(DOMAIN, id))
        .isNotEqualTo(
            X25519Blinding.hashToGroup("sluice/psi/other".getBytes(StandardCharsets.US_ASCII), id));
    assertThat(X25519Blinding.hashToGroup(DOMAIN, id))
        .isEqualTo(X25519Blinding.hashToGroup(DOMAIN, id));
    assertThat(X25519Blinding.isOnCurve(X25519Blinding.hashToGroup(DOMAIN, id))).isTrue();
    assertThatThrownBy(() -> X25519Blinding.hashToGroup(new byte[0], id))
        .isInstanceOf(SluiceException.class);
  }

  @Test
  void closeWipesTheScalarAndRefusesFurtherUse() throws Exception {
    X25519Blinding b = X25519Blinding.newSession(new SecureRandom());
    byte[] u = X25519Blinding.hashToGroup(DOMAIN, new byte[] {1});
    b.blind(u);
    b.close();
    java.lang.reflect.Field scalar = X25519Blinding.class.getDeclaredField("scalar");
    scalar.setAccessible(true);
    assertThat(Arrays.areAllZeroes((byte[]) scalar.get(b), 0, 32)).isTrue();
    assertThatThrownBy(() -> b.blind(u)).isInstanceOf(IllegalStateException.class);
    assertThat(b.toString()).contains("closed");
  }
}
