package io.sluice.audit.merkle;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class TreeHasherTest {
  private static final HexFormat HEX = HexFormat.of();

  @Test
  void emptyRootIsSha256OfNothing() {
    assertThat(HEX.formatHex(TreeHasher.emptyRoot()))
        .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  }

  @Test
  void leafHashPrefixesZeroByte() {
    // SHA-256(0x00): the RFC 6962 reference tree's first leaf (the empty entry).
    assertThat(HEX.formatHex(new TreeHasher().hashLeaf(new byte[0])))
        .isEqualTo("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
    // The single-entry tree of transparency-dev's "data" leaf.
    assertThat(new TreeHasher().hashLeaf("data".getBytes(StandardCharsets.US_ASCII)))
        .isEqualTo(
            java.util.Base64.getDecoder().decode("DTrtAjFI/9KiWfvQzcf7PPl1ZYdg03dbgq9vkKrMLfw="));
  }

  @Test
  void nodeHashPrefixesOneByte() {
    TreeHasher hasher = new TreeHasher();
    byte[] left = hasher.hashLeaf(new byte[0]);
    byte[] right = hasher.hashLeaf(new byte[] {0});
    assertThat(HEX.formatHex(hasher.hashChildren(left, right)))
        .isEqualTo("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125");
  }

  @Test
  void leafAndNodeOfSameBytesDiffer() {
    TreeHasher hasher = new TreeHasher();
    byte[] a = new byte[32];
    byte[] b = new byte[32];
    byte[] concatenated = new byte[64];
    assertThat(hasher.hashLeaf(concatenated)).isNotEqualTo(hasher.hashChildren(a, b));
  }
}
