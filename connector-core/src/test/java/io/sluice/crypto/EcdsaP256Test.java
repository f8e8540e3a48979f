package io.sluice.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class EcdsaP256Test {
  static final HexFormat HEX = HexFormat.of();

  @Test
  void wycheproofVectorsVerifyExactlyAsTheStandardRequires() throws Exception {
    JsonNode root = TestVectors.json("wycheproof/ecdsa_secp256r1_sha256_test.json");
    int valid = 0;
    int invalid = 0;
    for (JsonNode group : root.get("testGroups")) {
      PublicKey key =
          KeyFactory.getInstance("EC")
              .generatePublic(
                  new X509EncodedKeySpec(HEX.parseHex(group.get("publicKeyDer").asText())));
      for (JsonNode t : group.get("tests")) {
        String result = t.get("result").asText();
        boolean ok =
            EcdsaP256.verify(
                key, HEX.parseHex(t.get("sig").asText()), HEX.parseHex(t.get("msg").asText()));
        if (result.equals("valid")) {
          assertThat(ok).as("tcId %s %s", t.get("tcId"), t.get("comment")).isTrue();
          valid++;
        } else if (result.equals("invalid")) {
          assertThat(ok).as("tcId %s %s", t.get("tcId"), t.get("comment")).isFalse();
          invalid++;
        }
      }
    }
    assertThat(valid).isGreaterThan(50);
    assertThat(invalid).isGreaterThan(200);
  }

  @Test
  void interoperatesWithTheJdkInBothDirections() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair pair = g.generateKeyPair();
    byte[] a = "agreement".getBytes();
    byte[] b = new byte[] {0, 1, 2};

    byte[] ours = EcdsaP256.sign(pair.getPrivate(), a, b);
    Signature jdk = Signature.getInstance("SHA256withECDSA");
    jdk.initVerify(pair.getPublic());
    jdk.update(a);
    jdk.update(b);
    assertThat(jdk.verify(ours)).isTrue();

    jdk.initSign(pair.getPrivate());
    jdk.update(a);
    jdk.update(b);
    byte[] theirs = jdk.sign();
    assertThat(EcdsaP256.verify(pair.getPublic(), theirs, a, b)).isTrue();
    assertThat(EcdsaP256.verify(pair.getPublic(), theirs, b, a)).isFalse();

    byte[] flipped = ours.clone();
    flipped[flipped.length - 1] ^= 1;
    assertThat(EcdsaP256.verify(pair.getPublic(), flipped, a, b)).isFalse();
    assertThat(EcdsaP256.verify(pair.getPublic(), new byte[0], a, b)).isFalse();
  }
}
